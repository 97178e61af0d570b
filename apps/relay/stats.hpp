// Per-stream and per-player counters, as a snapshot (Relay::stats()): what rtmp-server logs
// and what an HTTP stats endpoint can serve.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rtmp::relay {

struct PlayerStats {
  std::uint64_t session_id = 0;
  std::string remote;
  double connected_s = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_dropped = 0;  // skipped because the player was too far behind
  std::uint64_t bytes_sent = 0;      // wire bytes queued for it (chunk headers included)
  std::size_t backlog_bytes = 0;     // queued and not yet written
  std::uint32_t backlog_ms = 0;
  bool skipping = false;  // currently dropping frames up to the next keyframe
  bool waiting = false;   // waiting for a publisher or for a first keyframe
};

// What a StatsMeter measures of a publisher's media (see stats_meter.hpp).
struct MediaStats {
  // Rates over the last measurement window (about one second), payload bits per second.
  double video_bps = 0;
  double audio_bps = 0;
  std::uint64_t video_bytes = 0, audio_bytes = 0;  // since the publish started
  // From the sequence headers: "Baseline", "Main", "High", ... for H.264 (nginx-rtmp's
  // names; "" when unknown), "LC", "HE", "HEv2" for AAC.
  std::string video_profile;
  std::string audio_profile;
  double video_level = 0;          // 3.1 for H.264 level_idc 31, 0: unknown
  std::uint32_t video_compat = 0;  // H.264 profile_compatibility
  double meta_frame_rate = 0;      // onMetaData framerate (0: not sent)
  // Last message timestamps (ms, as sent) and audio minus video, like nginx-rtmp's avsync.
  std::uint32_t last_timestamp = 0;
  std::int64_t avsync_ms = 0;
  bool has_audio = false, has_video = false;
};

struct StreamStats {
  std::string app;
  std::string key;
  bool live = false;  // a publisher is on
  std::uint64_t publisher_session = 0;
  std::string publisher_remote;
  double uptime_s = 0;  // since the current publish started (0 when not live)
  // Codec facts from the sequence headers and metadata.
  std::string video_codec;  // "h264", ... (empty: none seen)
  std::string audio_codec;
  std::uint32_t width = 0, height = 0;  // from onMetaData
  std::uint32_t audio_sample_rate = 0, audio_channels = 0;
  // Rates over the last measurement window (about one second).
  double fps = 0;
  double bitrate_in_kbps = 0;
  double bitrate_out_kbps = 0;
  // Totals since the stream entry was created.
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t video_frames_in = 0;
  std::uint64_t audio_frames_in = 0;
  std::uint64_t frames_dropped = 0;        // over all players, present and past
  std::uint64_t players_dropped_slow = 0;  // disconnected for being too far behind
  std::uint64_t players_total = 0;         // players that ever joined
  std::size_t players = 0;                 // now
  std::size_t gop_cache_packets = 0;
  std::size_t gop_cache_bytes = 0;
  std::string recording;  // current recording file, if any
  MediaStats media;
  std::vector<PlayerStats> player_list;
};

}  // namespace rtmp::relay
