// Heap allocations counted by the benchmark binary's replaceable operator new
// (alloc_count.cpp). Its definitions are weak, so a benchmark file that defines its own
// operator new wins; allocs_per() then reports -1 instead of a wrong zero.
#pragma once

#include <cstdint>

namespace bench {

// operator new calls so far (all threads).
std::uint64_t allocations() noexcept;
// Allocations per item since `before` (a value of allocations()), or -1 if the counting
// operator new is not the one in use.
double allocs_per(std::uint64_t before, std::uint64_t items);

}  // namespace bench
