#include "relay/backlog.hpp"

#include <algorithm>

namespace rtmp::relay {

void Backlog::grow() {
  std::size_t cap = ring_.empty() ? 64 : ring_.size() * 2;
  std::vector<Entry> bigger(cap);
  for (std::size_t i = 0; i < count_; ++i) bigger[i] = at(i);
  ring_.swap(bigger);
  head_ = 0;
}

void Backlog::sent(std::size_t bytes, std::uint32_t ts, bool timed) {
  total_ += bytes;
  pending_ += bytes;
  if (timed) newest_ts_ = ts;
  if (count_ == max_entries_) {
    // Saturated: merge into the newest entry; the oldest stays, so duration stays honest.
    at(count_ - 1).end = total_;
    if (timed) {
      at(count_ - 1).ts = ts;
      at(count_ - 1).timed = true;
    }
    return;
  }
  if (count_ == ring_.size()) grow();
  at(count_) = {total_, ts, timed};
  ++count_;
}

void Backlog::update(std::size_t pending) {
  // The connection may report more than we queued (its own control messages, status): count
  // only what the relay sent, or the oldest entry would never look written.
  pending_ = std::min<std::uint64_t>(pending, total_);
  std::uint64_t written = total_ - pending_;
  while (count_ > 0 && at(0).end <= written) {
    head_ = (head_ + 1) & (ring_.size() - 1);
    --count_;
  }
  if (count_ == 0) head_ = 0;
}

std::uint32_t Backlog::duration_ms() const noexcept {
  // The oldest timed entry dates it; untimed ones only lead a fast-start burst.
  std::size_t i = 0;
  while (i < count_ && !at(i).timed) ++i;
  if (i == count_) return 0;
  std::uint32_t d = newest_ts_ - at(i).ts;
  // A publisher restart can move timestamps backwards: that is not a backlog.
  return d > 0x80000000u ? 0 : d;
}

}  // namespace rtmp::relay
