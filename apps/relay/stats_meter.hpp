// Per-track rates and codec facts of one published stream, for /stat (nginx-rtmp's bw_audio,
// bw_video, meta profile and level) and /api/streams. Sans-IO: the caller passes the time.
//
//   StatsMeter meter;
//   meter.reset(now);                                   // at publish
//   meter.on_media(m.type, m.size(), m.timestamp, now); // each audio/video message
//   meter.on_codec(codec);                              // each demuxed sequence header
//   meter.on_metadata(data);                            // onMetaData
//   meter.tick(now);                                    // about every 250 ms
//   StreamStats s; s.media = meter.stats();
//
// Not thread-safe: the owner (Stream) calls it under its own lock.
#pragma once

#include "relay/stats.hpp"
#include "rtmp/core/amf.hpp"
#include "rtmp/core/session.hpp"
#include "rtmp/media.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace rtmp::relay {

class StatsMeter {
 public:
  // Forgets everything of the previous publish; the rate window starts at `now`.
  void reset(TimePoint now);
  // An audio (type 8) or video (type 9) message of `bytes` payload bytes; others are ignored.
  void on_media(std::uint8_t type, std::size_t bytes, std::uint32_t timestamp, TimePoint now);
  void on_codec(const Codec& codec);
  void on_metadata(const amf::Value& data);
  // Closes the rate window once it is a second or longer.
  void tick(TimePoint now);
  const MediaStats& stats() const noexcept { return stats_; }

  // nginx-rtmp's names for H.264 profile_idc and AAC object types ("" when it has none).
  static std::string avc_profile_name(std::uint8_t profile_idc);
  static std::string aac_profile_name(std::uint8_t object_type);

 private:
  MediaStats stats_;
  TimePoint window_start_{};
  std::uint64_t window_video_ = 0, window_audio_ = 0;
  std::uint32_t last_audio_ts_ = 0, last_video_ts_ = 0;
};

}  // namespace rtmp::relay
