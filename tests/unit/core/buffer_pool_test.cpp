#include "rtmp/core/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace rtmp {
namespace {

SharedBytes filled(BufferPool& pool, std::size_t n, std::uint8_t seed = 0) {
  auto b = pool.acquire(n);
  for (std::size_t i = 0; i < n; ++i) b->push_back(static_cast<std::uint8_t>(seed + i * 13));
  return std::move(b).share();
}

TEST(BufferPool, AcquireGivesAnEmptyBufferWithTheCapacity) {
  auto pool = BufferPool::create();
  auto b = pool->acquire(1000);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->empty());
  EXPECT_GE(b->capacity(), 1000u);
  EXPECT_LE(b->capacity(), 1024u);  // rounded to its size class, not beyond
  auto s = pool->stats();
  EXPECT_EQ(s.outstanding, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 0u);
}

TEST(BufferPool, ReleasedBufferIsReusedWithoutAllocating) {
  auto pool = BufferPool::create();
  SharedBytes first = filled(*pool, 1000, 1);
  const std::uint8_t* storage = first->data();
  first.reset();
  EXPECT_EQ(pool->stats().free_buffers, 1u);
  EXPECT_EQ(pool->stats().outstanding, 0u);

  for (int i = 0; i < 5; ++i) {
    SharedBytes again = filled(*pool, 900 + static_cast<std::size_t>(i) * 20, 2);
    EXPECT_EQ(again->data(), storage);  // same storage, hence no allocation
    EXPECT_EQ((*again)[1], 15);
  }
  auto s = pool->stats();
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 5u);
}

TEST(BufferPool, CopiesAndWeakReferencesKeepTheBufferOut) {
  auto pool = BufferPool::create();
  SharedBytes a = filled(*pool, 300);
  SharedBytes b = a;
  std::weak_ptr<const Bytes> w = a;
  a.reset();
  EXPECT_EQ(pool->stats().outstanding, 1u);
  b.reset();
  EXPECT_TRUE(w.expired());
  // The control block lives in the slot: it goes back only when the last weak_ptr goes.
  EXPECT_EQ(pool->stats().outstanding, 1u);
  EXPECT_EQ(pool->stats().free_buffers, 0u);
  w.reset();
  EXPECT_EQ(pool->stats().outstanding, 0u);
  EXPECT_EQ(pool->stats().free_buffers, 1u);
}

TEST(BufferPool, UnsharedBufferGoesBackOnReset) {
  auto pool = BufferPool::create();
  auto b = pool->acquire(10);
  b.reset();
  EXPECT_FALSE(b);
  EXPECT_EQ(pool->stats().free_buffers, 1u);
  auto c = pool->acquire(0);  // zero bytes still come from the pool
  EXPECT_EQ(pool->stats().hits, 1u);
}

TEST(BufferPool, SmallRequestDoesNotTakeAMuchLargerBuffer) {
  auto pool = BufferPool::create();
  pool->acquire(5000).reset();
  auto small = pool->acquire(2000);
  EXPECT_LT(small->capacity(), 4096u);
  EXPECT_EQ(pool->stats().misses, 2u);
  small.reset();
  auto near = pool->acquire(4500);  // within three classes of the 5000-byte buffer
  EXPECT_GE(near->capacity(), 5000u);
  EXPECT_EQ(pool->stats().hits, 1u);
}

TEST(BufferPool, GrowsASmallerFreeBufferRatherThanAddingOne) {
  auto pool = BufferPool::create();
  pool->acquire(100).reset();
  auto big = pool->acquire(50000);
  EXPECT_GE(big->capacity(), 50000u);
  auto s = pool->stats();
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.free_buffers, 0u);  // the free one was taken and grown
}

// The free lists reach only as far as the largest class returned so far: a large buffer
// returned after small ones, and small ones after it, are all found again.
TEST(BufferPool, ClassesReturnedInAnyOrderAreReused) {
  auto pool = BufferPool::create();
  SharedBytes small = filled(*pool, 100);
  SharedBytes large = filled(*pool, 1 << 20);
  SharedBytes middle = filled(*pool, 5000);
  const std::uint8_t* small_at = small->data();
  const std::uint8_t* large_at = large->data();
  const std::uint8_t* middle_at = middle->data();
  small.reset();  // the lists reach the small class only
  large.reset();
  middle.reset();
  EXPECT_EQ(pool->stats().free_buffers, 3u);
  const auto misses = pool->stats().misses;
  SharedBytes a = filled(*pool, 1 << 20);
  SharedBytes b = filled(*pool, 100);
  SharedBytes c = filled(*pool, 4900);
  EXPECT_EQ(a->data(), large_at);
  EXPECT_EQ(b->data(), small_at);
  EXPECT_EQ(c->data(), middle_at);
  EXPECT_EQ(pool->stats().misses, misses);
}

TEST(BufferPool, CountCapRespected) {
  BufferPool::Options o;
  o.max_buffers = 2;
  auto pool = BufferPool::create(o);
  std::vector<SharedBytes> out;
  for (int i = 0; i < 5; ++i) out.push_back(filled(*pool, 100));
  out.clear();
  auto s = pool->stats();
  EXPECT_EQ(s.free_buffers, 2u);
  EXPECT_EQ(s.dropped, 3u);
  EXPECT_EQ(s.outstanding, 0u);
}

TEST(BufferPool, ByteCapRespected) {
  BufferPool::Options o;
  o.max_bytes = 3000;
  auto pool = BufferPool::create(o);
  std::vector<SharedBytes> out;
  for (int i = 0; i < 4; ++i) out.push_back(filled(*pool, 1000));  // 1024-byte class
  out.clear();
  auto s = pool->stats();
  EXPECT_EQ(s.free_buffers, 2u);
  EXPECT_LE(s.free_bytes, 3000u);
  EXPECT_EQ(s.dropped, 2u);
}

TEST(BufferPool, BufferAboveTheSizeCapIsNeverKept) {
  BufferPool::Options o;
  o.max_buffer_size = 1024;
  auto pool = BufferPool::create(o);
  auto big = pool->acquire(2000);
  EXPECT_EQ(big->capacity(), 2000u);  // exact: it will not be kept anyway
  big.reset();
  // A buffer grown past the cap after acquire() is not kept either.
  auto grown = pool->acquire(100);
  grown->resize(5000);
  SharedBytes s = std::move(grown).share();
  s.reset();
  auto st = pool->stats();
  EXPECT_EQ(st.free_buffers, 0u);
  EXPECT_EQ(st.dropped, 2u);
  // Right at the cap is kept, rounded to the cap rather than past it.
  auto at = pool->acquire(1000);
  EXPECT_LE(at->capacity(), 1024u);
  at.reset();
  EXPECT_EQ(pool->stats().free_buffers, 1u);
}

TEST(BufferPool, BuffersOutliveTheirPoolHandle) {
  auto pool = BufferPool::create();
  SharedBytes a = filled(*pool, 500, 3);
  auto b = pool->acquire(20);
  std::weak_ptr<BufferPool> alive = pool;
  pool.reset();
  EXPECT_FALSE(alive.expired());  // the buffers keep it
  EXPECT_EQ((*a)[2], 29);
  a.reset();
  EXPECT_FALSE(alive.expired());
  b.reset();
  EXPECT_TRUE(alive.expired());  // freed with its free buffers (LeakSanitizer checks)
}

TEST(BufferPool, ReleasedOnAnotherThread) {
  auto pool = BufferPool::create();
  std::vector<SharedBytes> batch;
  for (int i = 0; i < 8; ++i) batch.push_back(filled(*pool, 4000, static_cast<std::uint8_t>(i)));
  std::thread([b = std::move(batch)]() mutable { b.clear(); }).join();
  auto s = pool->stats();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_EQ(s.free_buffers, 8u);
  for (int i = 0; i < 8; ++i) (void)filled(*pool, 4000);
  EXPECT_EQ(pool->stats().hits, 8u);
}

// A producer fills buffers while a consumer checks and releases them at the same time.
TEST(BufferPool, ConcurrentAcquireAndRelease) {
  BufferPool::Options o;
  o.max_buffers = 16;
  auto pool = BufferPool::create(o);
  std::mutex m;
  std::condition_variable cv;
  std::deque<SharedBytes> queue;
  bool done = false;
  int bad = 0;
  std::thread consumer([&] {
    for (;;) {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return done || !queue.empty(); });
      if (queue.empty()) return;
      SharedBytes b = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      const std::uint8_t seed = (*b)[0];
      for (std::size_t i = 0; i < b->size(); ++i)
        if ((*b)[i] != static_cast<std::uint8_t>(seed + i * 13)) ++bad;
    }
  });
  constexpr int kCount = 20000;
  for (int i = 0; i < kCount; ++i) {
    SharedBytes b =
        filled(*pool, 64 + static_cast<std::size_t>(i % 7) * 300, static_cast<std::uint8_t>(i));
    std::lock_guard lock(m);
    queue.push_back(std::move(b));
    cv.notify_one();
  }
  {
    std::lock_guard lock(m);
    done = true;
  }
  cv.notify_one();
  consumer.join();
  EXPECT_EQ(bad, 0);
  auto s = pool->stats();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_EQ(s.hits + s.misses, static_cast<std::uint64_t>(kCount));
  EXPECT_LE(s.free_buffers, 16u);
  EXPECT_GT(s.hits, 0u);
}

}  // namespace
}  // namespace rtmp
