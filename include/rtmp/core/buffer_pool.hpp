// A bounded, thread-safe pool of payload buffers, so that a steady stream of messages
// (recurring sizes, receivers releasing them) costs no heap allocation per message.
//
//   auto pool = BufferPool::create();
//   BufferPool::Buffer b = pool->acquire(n);     // empty, capacity >= n
//   b->insert(b->end(), data, data + n);         // fill; never reallocates up to n
//   SharedBytes shared = std::move(b).share();   // immutable, reference-counted
//
// The SharedBytes' control block lives in the buffer's pool slot, and the last reference
// (on any thread) returns the buffer to the pool, which keeps it unless a cap says no. The
// pool stays alive while any of its buffers is out, so it may be released before them.
//
// Sizes are rounded up to classes of quarter powers of two (64, 80, 96, 112, 128, 160, ...),
// and a request is served by a free buffer of its class or up to three classes above, so a
// buffer never holds more than about twice the bytes asked for.
//
// Thread safety: acquire(), stats() and the release of buffers and SharedBytes may run on
// any threads at once. A Buffer itself is used by one thread at a time.
#pragma once

#include "rtmp/core/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace rtmp {

class BufferPool : public std::enable_shared_from_this<BufferPool> {
  struct Slot;

 public:
  struct Options {
    std::size_t max_buffers = 512;          // free buffers kept
    std::size_t max_bytes = 4 << 20;        // capacity of the free buffers, summed
    std::size_t max_buffer_size = 2 << 20;  // a buffer with more capacity is never kept
  };
  struct Stats {
    std::uint64_t hits = 0;        // acquire() served by a free buffer, no allocation
    std::uint64_t misses = 0;      // acquire() allocated (new buffer, or a free one grown)
    std::uint64_t dropped = 0;     // buffers freed on return because of a cap
    std::size_t free_buffers = 0;  // kept now
    std::size_t free_bytes = 0;    // their capacity, summed
    std::size_t outstanding = 0;   // acquired and not yet returned
  };

  // A writable buffer from the pool; move-only. Destroying it (or reset()) returns it.
  class Buffer {
   public:
    Buffer() noexcept = default;
    Buffer(Buffer&& o) noexcept : slot_(o.slot_) { o.slot_ = nullptr; }
    Buffer& operator=(Buffer&& o) noexcept;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() { reset(); }

    explicit operator bool() const noexcept { return slot_ != nullptr; }
    Bytes& operator*() const noexcept;
    Bytes* operator->() const noexcept { return &**this; }
    void reset() noexcept;
    // Hands the bytes over to a SharedBytes (no allocation); this Buffer becomes empty.
    // Growing the bytes beyond their capacity before this is allowed, just not free.
    SharedBytes share() &&;

   private:
    friend class BufferPool;
    explicit Buffer(Slot* s) noexcept : slot_(s) {}
    Slot* slot_ = nullptr;
  };

  // Pools are always owned by a shared_ptr: buffers keep their pool alive through it.
  static std::shared_ptr<BufferPool> create(const Options& options);
  static std::shared_ptr<BufferPool> create() { return create(Options{}); }
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // An empty buffer with capacity >= n. Allocates only when no free buffer fits (and then
  // rounds the capacity up to n's size class, or exactly n above max_buffer_size).
  Buffer acquire(std::size_t n);

  const Options& options() const noexcept { return options_; }
  Stats stats() const;

 private:
  // Size classes: 4 per power of two from 64 bytes up to 2^24 (larger buffers are not kept).
  static constexpr std::size_t kClasses = 4 * (24 - 6) + 1;

  explicit BufferPool(const Options& options) : options_(options) {}
  static void give_back(Slot* s) noexcept;  // the last owner of s is done with it
  void put(Slot* s) noexcept;

  template <class T>
  friend struct SlotAllocator;

  const Options options_;
  mutable std::mutex mutex_;
  // One LIFO list per size class, up to the largest class returned so far: a session that
  // only ever sees small messages keeps a few pointers, not kClasses.
  std::vector<Slot*> free_;
  Stats stats_;
};

}  // namespace rtmp
