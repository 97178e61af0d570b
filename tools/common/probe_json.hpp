// rtmp-probe's JSON lines, shared by its listen and client modes so both print the same
// objects for the same events (tests/interop compares them with ffprobe's packet lists).
#pragma once

#include "common/amf_json.hpp"
#include "common/crc32.hpp"
#include "rtmp/core/message.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <mutex>
#include <string>

namespace rtmp::tools::probe {

using json = nlohmann::ordered_json;

inline json connect_event(const std::string& app, const std::string& tc_url) {
  return {{"event", "connect"}, {"app", app}, {"tcUrl", tc_url}};
}
inline json publish_event(const std::string& key) {
  return {{"event", "publish"}, {"key", key}};
}
inline json play_event(const std::string& name) {
  return {{"event", "play"}, {"name", name}};
}
inline json metadata_event(const amf::Value& data) {
  return {{"event", "metadata"}, {"data", amf_to_json(data)}};
}
inline json codec_event(const Codec& c) {
  return {{"event", "codec"},
          {"track", c.type == TrackType::video ? "video" : "audio"},
          {"codec", codec_name(c.id)},
          {"config_size", c.config.size()}};
}
inline json video_event(const VideoSample& s) {
  return {{"event", "video"},  {"dts", s.dts},          {"pts", s.pts},
          {"key", s.keyframe}, {"size", s.data.size()}, {"nalus", s.nalus.size()}};
}
inline json audio_event(const AudioSample& s) {
  return {{"event", "audio"}, {"ts", s.timestamp}, {"size", s.data.size()}};
}
inline json message_event(const Message& m) {
  return {{"event", "message"}, {"type", m.type},
          {"ts", m.timestamp},  {"stream_id", m.stream_id},
          {"size", m.size()},   {"crc32", fmt::format("{:08x}", crc32(m.data()))}};
}
inline json status_event(const std::string& level, const std::string& code,
                         const std::string& description) {
  return {{"event", "status"}, {"level", level}, {"code", code}, {"description", description}};
}
inline json disconnect_event(const Error& reason) {
  return {{"event", "disconnect"}, {"reason", reason.message()}};
}

// One JSON object per line on stdout, flushed, from any thread.
class Printer {
 public:
  void print(const json& j) {
    std::lock_guard lock(mutex_);
    std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

 private:
  std::mutex mutex_;
};

}  // namespace rtmp::tools::probe
