// The bytes a session wants to send, as a queue of immutable shared segments, so one encoded
// buffer can sit in many receivers' queues at once (no copy per receiver).
#pragma once

#include "rtmp/core/bytes.hpp"

#include <cstddef>
#include <vector>

namespace rtmp {

class OutputQueue {
 public:
  // Queues bytes[offset, offset+length) of a shared buffer (length = rest when npos).
  void push(SharedBytes bytes, std::size_t offset = 0, std::size_t length = npos);
  // Queues a copy of `bytes` (for small control messages).
  void push_copy(ByteView bytes);
  // Appends up to `max` views of the queued bytes, oldest first; valid until consume/push.
  std::size_t views(std::vector<ByteView>& out, std::size_t max = 64) const;
  // Drops the first n bytes (already written).
  void consume(std::size_t n);
  std::size_t size() const noexcept { return bytes_; }
  // Queued bytes plus an estimate of the heap behind each segment (its buffer allocation,
  // control block and deque slot): what the queue costs in memory when replies are tiny.
  std::size_t footprint() const noexcept { return bytes_ + count_ * kSegmentOverhead; }
  static constexpr std::size_t kSegmentOverhead = 128;
  bool empty() const noexcept { return bytes_ == 0; }
  void clear() noexcept;

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  struct Segment {
    SharedBytes data;
    std::size_t begin;
    std::size_t end;
  };
  Segment& at(std::size_t i) noexcept { return ring_[(head_ + i) & (ring_.size() - 1)]; }
  const Segment& at(std::size_t i) const noexcept {
    return ring_[(head_ + i) & (ring_.size() - 1)];
  }
  // A ring of a power-of-two size, grown by doubling and then kept: nothing allocated until
  // the first push (a std::deque allocates 576 bytes up front), nothing per push after.
  std::vector<Segment> ring_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace rtmp
