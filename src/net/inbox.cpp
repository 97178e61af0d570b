#include "net/inbox.hpp"

#include <algorithm>
#include <iterator>

namespace rtmp::net {

bool AudioHoldPolicy::holds(const Message& m) {
  if (m.type == msg::video) {
    const auto d = static_cast<std::int32_t>(m.timestamp - last_video_ts_);
    if (video_seen_ && d > 0 && d <= kMaxVideoIntervalMs)
      video_interval_ms_ = static_cast<std::uint32_t>(d);
    video_seen_ = true;
    last_video_ts_ = m.timestamp;
    return false;
  }
  if (m.type != msg::audio || video_interval_ms_ == 0) return false;
  // Audio near the last video frame: video still flows (not audio-only, no new publish).
  const auto d = static_cast<std::int32_t>(m.timestamp - last_video_ts_);
  return d > -kMaxVideoIntervalMs && d < static_cast<std::int32_t>(video_interval_ms_);
}

Inbox::Push Inbox::push(SharedBytes chunks, const Message& header, bool may_hold) {
  std::lock_guard lock(mutex_);
  items_.emplace_back(std::move(chunks), header);
  // The policy learns the video interval only from feeds that may hold, as it needs it only there.
  const bool hold = may_hold && policy_.holds(header);
  if (scheduled_) return {};
  if (hold) {
    if (held_) return {};
    held_ = true;
    return {Push::hold, ++hold_gen_, policy_.video_interval_ms()};
  }
  scheduled_ = true;
  return {Push::wake};
}

bool Inbox::release(std::uint64_t gen) {
  std::lock_guard lock(mutex_);
  if (!held_ || hold_gen_ != gen || scheduled_) return false;
  scheduled_ = true;
  return true;
}

std::uint64_t Inbox::mark() {
  std::lock_guard lock(mutex_);
  return taken_ + items_.size();
}

void Inbox::take(std::vector<Item>& out, std::uint64_t upto) {
  out.clear();
  std::lock_guard lock(mutex_);
  const auto n = static_cast<std::size_t>(
      std::min<std::uint64_t>(items_.size(), upto > taken_ ? upto - taken_ : 0));
  taken_ += n;
  if (n == items_.size()) {
    std::swap(out, items_);
    scheduled_ = false;
    held_ = false;
    return;
  }
  const auto end = items_.begin() + static_cast<std::ptrdiff_t>(n);
  out.assign(std::make_move_iterator(items_.begin()), std::make_move_iterator(end));
  items_.erase(items_.begin(), end);
}

}  // namespace rtmp::net
