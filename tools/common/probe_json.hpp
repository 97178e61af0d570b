// rtmp-probe's JSON lines (schema: common/media_json.hpp, docs/json-lines.md), shared by its
// listen and client modes so both print the same objects for the same events.
#pragma once

#include "common/media_json.hpp"
#include "rtmp/core/message.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <mutex>
#include <string>

namespace rtmp::tools::probe {

using json = lines::json;

inline json connect_event(const std::string& app, const std::string& tc_url) {
  json j = lines::line("connect");
  j.update({{"app", app}, {"tcUrl", tc_url}});
  return j;
}
inline json publish_event(const std::string& key) {
  json j = lines::line("publish");
  j["key"] = key;
  return j;
}
inline json play_event(const std::string& name) {
  json j = lines::line("play");
  j["name"] = name;
  return j;
}
inline json status_event(const std::string& level, const std::string& code,
                         const std::string& description) {
  json j = lines::line("status");
  j.update({{"level", level}, {"code", code}, {"description", description}});
  return j;
}
inline json disconnect_event(const Error& reason) {
  json j = lines::line("disconnect");
  j["reason"] = reason.message();
  return j;
}
// Media lines are the shared schema's (rtmp-mux --dump prints the same).
inline json metadata_event(const amf::Value& data) {
  return lines::metadata_json(data);
}
inline json codec_event(const Codec& c) {
  return lines::codec_json(c);
}
inline json video_event(const VideoSample& s) {
  return lines::video_json(s);
}
inline json audio_event(const AudioSample& s) {
  return lines::audio_json(s);
}
inline json message_event(const Message& m) {
  return lines::message_json(m);
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
