#include "rtmp/core/buffer_pool.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <new>
#include <utility>

namespace rtmp {
namespace {

// Room for the SharedBytes control block (vtable, two counts, pointer, allocator).
constexpr std::size_t kControlSize = 48;
constexpr std::size_t kMinClassSize = 64;
constexpr std::size_t kMaxPooled = std::size_t{1} << 24;  // the largest RTMP message

// Class c covers (class_size(c - 1), class_size(c)]: 64, 80, 96, 112, 128, 160, ...
constexpr std::size_t class_size(std::size_t c) noexcept {
  const std::size_t k = 6 + c / 4;
  return (std::size_t{1} << k) + (c % 4) * (std::size_t{1} << (k - 2));
}
// The smallest class holding n bytes (n <= 2^24).
std::size_t class_of(std::size_t n) noexcept {
  if (n <= kMinClassSize) return 0;
  const auto k = static_cast<std::size_t>(std::bit_width(n - 1) - 1);  // 2^k < n <= 2^(k+1)
  const std::size_t step = std::size_t{1} << (k - 2);
  return (k - 6) * 4 + (n - (std::size_t{1} << k) + step - 1) / step;
}
// The largest class a buffer of this capacity can serve (capacity >= 64).
std::size_t floor_class(std::size_t capacity) noexcept {
  const std::size_t c = class_of(capacity);
  return class_size(c) > capacity ? c - 1 : c;
}

// The SharedBytes deleter: the bytes stay in their slot, which the allocator returns.
struct KeepBytes {
  void operator()(const Bytes*) const noexcept {}
};

}  // namespace

struct BufferPool::Slot {
  Bytes bytes;
  std::shared_ptr<BufferPool> pool;  // set while the buffer is out: keeps the pool alive
  Slot* next = nullptr;              // free list link
  alignas(std::max_align_t) unsigned char control[kControlSize];
};

// Allocates a SharedBytes control block inside its slot. Its deallocation is the last thing
// shared_ptr does with a buffer (after the deleter, and after any weak_ptr is gone), so that
// is where the slot goes back to the pool: nobody can touch the control block after it.
template <class T>
struct SlotAllocator {
  using value_type = T;
  BufferPool::Slot* slot;

  explicit SlotAllocator(BufferPool::Slot* s) noexcept : slot(s) {}
  template <class U>
  SlotAllocator(const SlotAllocator<U>& o) noexcept : slot(o.slot) {}  // NOLINT: rebind

  T* allocate(std::size_t n) {
    static_assert(sizeof(T) <= kControlSize, "raise kControlSize");
    static_assert(alignof(T) <= alignof(std::max_align_t));
    assert(n == 1);
    (void)n;
    return std::launder(reinterpret_cast<T*>(slot->control));
  }
  void deallocate(T*, std::size_t) noexcept { BufferPool::give_back(slot); }

  template <class U>
  bool operator==(const SlotAllocator<U>& o) const noexcept {
    return slot == o.slot;
  }
};

BufferPool::Buffer& BufferPool::Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    reset();
    slot_ = std::exchange(o.slot_, nullptr);
  }
  return *this;
}

Bytes& BufferPool::Buffer::operator*() const noexcept {
  assert(slot_);
  return slot_->bytes;
}

void BufferPool::Buffer::reset() noexcept {
  if (slot_) give_back(std::exchange(slot_, nullptr));
}

SharedBytes BufferPool::Buffer::share() && {
  assert(slot_);
  Slot* s = std::exchange(slot_, nullptr);
  // The control block goes into the slot: this constructor cannot fail.
  return SharedBytes(&s->bytes, KeepBytes{}, SlotAllocator<Bytes>(s));
}

std::shared_ptr<BufferPool> BufferPool::create(const Options& options) {
  return std::shared_ptr<BufferPool>(new BufferPool(options));
}

BufferPool::~BufferPool() {
  // Every buffer out holds a reference: only free ones are left.
  for (Slot* head : free_) {
    while (head) delete std::exchange(head, head->next);
  }
}

BufferPool::Buffer BufferPool::acquire(std::size_t n) {
  Slot* s = nullptr;
  std::size_t want = n;
  const bool poolable = n <= options_.max_buffer_size && n <= kMaxPooled;
  {
    std::lock_guard lock(mutex_);
    if (poolable) {
      const std::size_t c = class_of(n);
      want = std::max(n, std::min(class_size(c), options_.max_buffer_size));
      auto pop = [this](std::size_t i) {
        Slot* head = free_[i];
        if (head) free_[i] = head->next;
        return head;
      };
      // Up to three classes above: at most about twice the bytes asked for are held.
      for (std::size_t i = c; i < std::min(c + 4, free_.size()) && !s; ++i) s = pop(i);
      // Else grow a smaller free buffer: an allocation, but the slot and its count are reused.
      for (std::size_t i = std::min(c, free_.size()); !s && i-- > 0;) s = pop(i);
    }
    if (s) {
      --stats_.free_buffers;
      stats_.free_bytes -= s->bytes.capacity();
    }
    ++(s && s->bytes.capacity() >= n ? stats_.hits : stats_.misses);
    ++stats_.outstanding;
  }
  const bool fresh = s == nullptr;
  if (fresh) {
    try {
      s = new Slot;
    } catch (...) {
      std::lock_guard lock(mutex_);
      --stats_.outstanding;
      throw;
    }
  }
  s->next = nullptr;
  s->pool = shared_from_this();
  Buffer b(s);  // from here on, an exception returns the slot
  s->bytes.clear();
  if (fresh || s->bytes.capacity() < n) {  // fresh: at least its class, even for n = 0
    Bytes().swap(s->bytes);                // free the old storage before taking the new
    s->bytes.reserve(want);
  }
  return b;
}

void BufferPool::give_back(Slot* s) noexcept {
  // The last buffer out may hold the last reference to the pool: it dies after put().
  std::shared_ptr<BufferPool> pool = std::move(s->pool);
  pool->put(s);
}

void BufferPool::put(Slot* s) noexcept {
  const std::size_t capacity = s->bytes.capacity();
  bool keep = false;
  {
    std::lock_guard lock(mutex_);
    --stats_.outstanding;
    keep = capacity >= kMinClassSize && capacity <= options_.max_buffer_size &&
           capacity <= kMaxPooled && stats_.free_buffers < options_.max_buffers &&
           stats_.free_bytes + capacity <= options_.max_bytes;
    const std::size_t c = keep ? floor_class(capacity) : 0;
    if (keep && c >= free_.size()) {
      try {
        free_.resize(std::min(kClasses, std::max(c + 1, free_.size() * 2)), nullptr);
      } catch (...) {  // out of memory: drop this buffer instead
        keep = false;
      }
    }
    if (keep) {
      s->next = free_[c];
      free_[c] = s;
      ++stats_.free_buffers;
      stats_.free_bytes += capacity;
    } else {
      ++stats_.dropped;
    }
  }
  if (!keep) delete s;
}

BufferPool::Stats BufferPool::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace rtmp
