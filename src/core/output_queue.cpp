#include "rtmp/core/output_queue.hpp"

#include <algorithm>

namespace rtmp {

void OutputQueue::push(SharedBytes bytes, std::size_t offset, std::size_t length) {
  if (!bytes || offset >= bytes->size()) return;
  std::size_t end = length == npos ? bytes->size() : std::min(bytes->size(), offset + length);
  if (end <= offset) return;
  if (count_ == ring_.size()) {
    std::vector<Segment> bigger(ring_.empty() ? 8 : ring_.size() * 2);
    for (std::size_t i = 0; i < count_; ++i) bigger[i] = std::move(at(i));
    ring_.swap(bigger);
    head_ = 0;
  }
  at(count_) = Segment{std::move(bytes), offset, end};
  ++count_;
  bytes_ += end - offset;
}

void OutputQueue::push_copy(ByteView bytes) {
  if (bytes.empty()) return;
  push(make_shared_bytes(Bytes(bytes.begin(), bytes.end())));
}

std::size_t OutputQueue::views(std::vector<ByteView>& out, std::size_t max) const {
  const std::size_t n = std::min(max, count_);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& s = at(i);
    out.emplace_back(s.data->data() + s.begin, s.end - s.begin);
  }
  return n;
}

void OutputQueue::consume(std::size_t n) {
  n = std::min(n, bytes_);
  bytes_ -= n;
  while (n > 0) {
    auto& s = at(0);
    std::size_t len = s.end - s.begin;
    if (n < len) {
      s.begin += n;
      return;
    }
    n -= len;
    s.data.reset();  // the buffer goes back now, not when the slot is reused
    head_ = (head_ + 1) & (ring_.size() - 1);
    --count_;
  }
}

void OutputQueue::clear() noexcept {
  for (std::size_t i = 0; i < count_; ++i) at(i).data.reset();
  head_ = 0;
  count_ = 0;
  bytes_ = 0;
}

}  // namespace rtmp
