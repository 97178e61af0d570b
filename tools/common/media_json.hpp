// The tools' JSON-lines schema, version 1 (docs/json-lines.md): one object per line, each
// with "v" (schema version) and "event". rtmp-probe and rtmp-mux --dump print media with these
// functions, so a field has one name and one meaning in both: `type` is the media type
// ("video"/"audio"), `track` the Enhanced RTMP track id (0 = default), times in ms.
#pragma once

#include "common/amf_json.hpp"
#include "common/crc32.hpp"
#include "rtmp/core/amf.hpp"
#include "rtmp/core/message.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace rtmp::tools::lines {

using json = nlohmann::ordered_json;

inline constexpr int schema_version = 1;

// Every line starts with these two fields.
inline json line(const char* event) {
  return {{"v", schema_version}, {"event", event}};
}

inline const char* type_name(TrackType t) {
  return t == TrackType::video ? "video" : "audio";
}
inline const char* mode_name(MultitrackMode m) {
  switch (m) {
    case MultitrackMode::none:
      return "none";
    case MultitrackMode::one_track:
      return "one_track";
    case MultitrackMode::many_tracks:
      return "many_tracks";
    case MultitrackMode::many_tracks_many_codecs:
      return "many_tracks_many_codecs";
  }
  return "?";
}
inline std::string hex_crc(ByteView b) {
  return fmt::format("{:08x}", crc32(b));
}
inline json optional_nano(const std::optional<std::uint32_t>& n) {
  return n ? json(*n) : json();
}

inline json codec_json(const Codec& e) {
  json j = line("codec");
  j.update({{"type", type_name(e.type)},
            {"track", e.track_id},
            {"codec", codec_name(e.id)},
            {"ts", e.timestamp},
            {"config_size", e.config.size()},
            {"config_crc32", hex_crc(e.config)},
            {"enhanced", e.enhanced},
            {"multitrack", mode_name(e.multitrack)},
            {"mpeg2ts", e.mpeg2ts},
            {"from_frame", e.from_frame}});
  return j;
}
inline json video_json(const VideoSample& e) {
  json j = line("video");
  j.update({{"type", "video"},
            {"track", e.track_id},
            {"codec", codec_name(e.codec)},
            {"dts", e.dts},
            {"pts", e.pts},
            {"key", e.keyframe},
            {"size", e.data.size()},
            {"crc32", hex_crc(e.data)},
            {"nalus", e.nalus.size()},
            {"enhanced", e.enhanced},
            {"multitrack", mode_name(e.multitrack)},
            {"coded_frames_x", e.coded_frames_x},
            {"nano", optional_nano(e.timestamp_nano_offset)}});
  return j;
}
// Audio has one time: dts and pts are both the tag timestamp (as ffprobe reports them).
inline json audio_json(const AudioSample& e) {
  json j = line("audio");
  j.update({{"type", "audio"},
            {"track", e.track_id},
            {"codec", codec_name(e.codec)},
            {"dts", e.timestamp},
            {"pts", e.timestamp},
            {"ts", e.timestamp},
            {"key", true},
            {"size", e.data.size()},
            {"crc32", hex_crc(e.data)},
            {"enhanced", e.enhanced},
            {"multitrack", mode_name(e.multitrack)},
            {"nano", optional_nano(e.timestamp_nano_offset)}});
  return j;
}

// Any demuxer event: codec, video, audio and the rarer Enhanced RTMP packets.
inline json event_json(const MediaEvent& ev) {
  return std::visit(
      [](const auto& e) -> json {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, Codec>) {
          return codec_json(e);
        } else if constexpr (std::is_same_v<T, VideoSample>) {
          return video_json(e);
        } else if constexpr (std::is_same_v<T, AudioSample>) {
          return audio_json(e);
        } else if constexpr (std::is_same_v<T, SequenceEnd>) {
          json j = line("sequence_end");
          j.update({{"type", type_name(e.type)},
                    {"track", e.track_id},
                    {"codec", codec_name(e.codec)},
                    {"ts", e.timestamp}});
          return j;
        } else if constexpr (std::is_same_v<T, VideoMetadata>) {
          json j = line("video_metadata");
          j.update({{"type", "video"},
                    {"track", e.track_id},
                    {"codec", codec_name(e.codec)},
                    {"ts", e.timestamp}});
          if (auto v = amf::decode_amf0_all(e.amf)) {
            json a = json::array();
            for (const auto& x : *v) a.push_back(amf_to_json(x));
            j["amf"] = a;
          }
          return j;
        } else if constexpr (std::is_same_v<T, AudioChannelConfig>) {
          json j = line("channel_config");
          j.update({{"type", "audio"},
                    {"track", e.track_id},
                    {"codec", codec_name(e.codec)},
                    {"ts", e.timestamp},
                    {"order", e.channel_order},
                    {"channels", e.channel_count},
                    {"flags", e.channel_flags}});
          return j;
        } else {
          json j = line("video_command");
          j.update({{"type", "video"}, {"ts", e.timestamp}, {"command", e.command}});
          return j;
        }
      },
      ev);
}

inline json metadata_json(const amf::Value& data) {
  json j = line("metadata");
  j["data"] = amf_to_json(data);
  return j;
}

// An undemuxed RTMP message (rtmp-probe --raw): `msg_type` is the RTMP message type id.
inline json message_json(const Message& m) {
  json j = line("message");
  j.update({{"msg_type", m.type},
            {"ts", m.timestamp},
            {"stream_id", m.stream_id},
            {"size", m.size()},
            {"crc32", hex_crc(m.data())}});
  return j;
}

}  // namespace rtmp::tools::lines
