#include "alloc_count.hpp"

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> g_allocs{0};
}  // namespace

// new[] and the nothrow forms call this one in libstdc++; aligned new is not counted (the
// code under test does not use it).
__attribute__((weak)) void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
__attribute__((weak)) void operator delete(void* p) noexcept {
  std::free(p);
}
__attribute__((weak)) void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace bench {

std::uint64_t allocations() noexcept {
  return g_allocs.load(std::memory_order_relaxed);
}

double allocs_per(std::uint64_t before, std::uint64_t items) {
  const std::uint64_t probe = allocations();
  int* p = new int(1);          // whether our operator new is the one in use
  benchmark::DoNotOptimize(p);  // (a plain new/delete pair may be elided)
  delete p;
  const std::uint64_t after = allocations();
  if (after == probe) return -1;
  return items ? static_cast<double>(after - before - 1) / static_cast<double>(items) : 0;
}

}  // namespace bench
