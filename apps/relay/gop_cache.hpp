// Fast start: what a player joining a live stream gets before live messages, so it can
// decode at once: the metadata, the latest sequence header of every track, and the current
// GOP (every message since the last video keyframe, audio included, in arrival order).
//
// The GOP is bounded in bytes and duration: a GOP growing past either cap is dropped and
// caching resumes at the next keyframe (the player then waits for that keyframe instead).
// Not thread-safe: owned by a Stream and used under its lock.
#pragma once

#include "relay/packet.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rtmp::relay {

struct GopCacheLimits {
  bool enabled = true;  // false: keep metadata and sequence headers only
  std::size_t max_bytes = 32 * 1024 * 1024;
  std::uint32_t max_ms = 30'000;
};

class GopCache {
 public:
  explicit GopCache(GopCacheLimits limits = {}) : limits_(limits) {}

  void set_metadata(PacketPtr p) { metadata_ = std::move(p); }
  // Any media or data packet of the stream, in publish order.
  void add(const PacketPtr& p);
  // Forgets everything (publisher gone).
  void clear();

  // Appends, in the order a new player needs them: metadata, sequence headers (per track, in
  // the order first seen), then the GOP starting with its keyframe.
  void start_packets(std::vector<PacketPtr>& out) const;
  // True when start_packets() ends with a usable GOP, i.e. the player can take live frames
  // right after it; false means it must wait for the next keyframe (no video yet, cache
  // off or overflowed, or audio-only: then any audio frame is a start).
  bool has_gop() const noexcept { return !gop_.empty(); }
  bool has_video() const noexcept { return has_video_; }
  std::size_t gop_packets() const noexcept { return gop_.size(); }
  std::size_t gop_bytes() const noexcept { return gop_bytes_; }
  std::size_t config_count() const noexcept { return configs_.size(); }

 private:
  GopCacheLimits limits_;
  PacketPtr metadata_;
  struct Config {
    std::uint8_t type;
    std::uint8_t track;
    PacketPtr packet;
  };
  std::vector<Config> configs_;
  std::vector<PacketPtr> gop_;
  std::size_t gop_bytes_ = 0;
  bool has_video_ = false;
};

}  // namespace rtmp::relay
