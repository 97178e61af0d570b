#include "rtmp/core/output_queue.hpp"

#include <algorithm>

namespace rtmp {

void OutputQueue::push(SharedBytes bytes, std::size_t offset, std::size_t length) {
  if (!bytes || offset >= bytes->size()) return;
  std::size_t end = length == npos ? bytes->size() : std::min(bytes->size(), offset + length);
  if (end <= offset) return;
  bytes_ += end - offset;
  segments_.push_back({std::move(bytes), offset, end});
}

void OutputQueue::push_copy(ByteView bytes) {
  if (bytes.empty()) return;
  push(make_shared_bytes(Bytes(bytes.begin(), bytes.end())));
}

std::size_t OutputQueue::views(std::vector<ByteView>& out, std::size_t max) const {
  std::size_t n = 0;
  for (const auto& s : segments_) {
    if (n == max) break;
    out.emplace_back(s.data->data() + s.begin, s.end - s.begin);
    ++n;
  }
  return n;
}

void OutputQueue::consume(std::size_t n) {
  n = std::min(n, bytes_);
  bytes_ -= n;
  while (n > 0) {
    auto& s = segments_.front();
    std::size_t len = s.end - s.begin;
    if (n < len) {
      s.begin += n;
      return;
    }
    n -= len;
    segments_.pop_front();
  }
}

void OutputQueue::clear() noexcept {
  segments_.clear();
  bytes_ = 0;
}

}  // namespace rtmp
