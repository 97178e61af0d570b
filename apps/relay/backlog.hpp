// How far behind one player is: bytes queued for it and not yet written, and the media time
// they span. The net layer only reports pending bytes (Session::pending_output()); the
// backlog remembers, per message sent, where it ends in the player's byte stream and its
// timestamp, so the oldest unwritten message (and so the queued duration) is known.
//
// Memory: a ring of 16-byte entries that doubles when full, up to max_entries; past that the
// player counts as behind (full()). No allocation in steady state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rtmp::relay {

class Backlog {
 public:
  explicit Backlog(std::size_t max_entries = 16384) : max_entries_(max_entries) {}

  // A message of `bytes` with media timestamp `ts` (ms) was queued for the player. Untimed
  // messages (sequence headers, metadata: a joiner gets them with their original, old
  // timestamps) count in bytes but do not date the backlog.
  void sent(std::size_t bytes, std::uint32_t ts, bool timed = true);
  // Bytes queued but not yet written, as the connection reports it: drops entries of
  // messages now fully written.
  void update(std::size_t pending);

  std::size_t bytes() const noexcept { return pending_; }
  // Timestamp span from the oldest unwritten message to the newest sent (0 when empty).
  // Unsigned arithmetic: correct across the 2^32 timestamp wrap.
  std::uint32_t duration_ms() const noexcept;
  bool full() const noexcept { return count_ == max_entries_; }
  std::size_t entries() const noexcept { return count_; }
  std::uint64_t total_sent() const noexcept { return total_; }

 private:
  struct Entry {
    std::uint64_t end;  // total bytes sent to the player once this message is queued
    std::uint32_t ts;
    bool timed = true;
  };
  Entry& at(std::size_t i) noexcept { return ring_[(head_ + i) & (ring_.size() - 1)]; }
  const Entry& at(std::size_t i) const noexcept { return ring_[(head_ + i) & (ring_.size() - 1)]; }
  void grow();

  std::vector<Entry> ring_;  // size is 0 or a power of two
  std::size_t head_ = 0, count_ = 0;
  std::size_t max_entries_;
  std::uint64_t total_ = 0;
  std::size_t pending_ = 0;
  std::uint32_t newest_ts_ = 0;
};

}  // namespace rtmp::relay
