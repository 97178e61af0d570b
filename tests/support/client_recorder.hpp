// A ClientHandler that records what a player receives as strings in an EventLog:
// "<type> <timestamp> <size>" per message (see media_event), status codes, "StreamEOF".
// Callbacks run on the client's thread; the test waits with wait_for().
#pragma once

#include "rtmp/client.hpp"
#include "rtmp/core/command.hpp"
#include "support/event_log.hpp"

#include <string>
#include <vector>

namespace rtmp::test {

inline std::string media_event(const Message& m) {
  return std::to_string(m.type) + " " + std::to_string(m.timestamp) + " " +
         std::to_string(m.size());
}

class ClientRecorder : public ClientHandler {
 public:
  void on_message(const Message& m) override {
    if (m.type == msg::data_amf0) {
      auto v = parse_data(m);
      if (v && !v->empty() && (*v)[0].is_string())
        data_names_.add(std::string((*v)[0].as_string()));
    }
    log_.add(media_event(m));
  }
  void on_status(const Status& s) override { log_.add(s.code); }
  void on_stream_eof() override { log_.add("StreamEOF"); }

  std::vector<std::string> wait_for(const std::string& e,
                                    std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    return log_.wait_for(e, limit);
  }
  std::vector<std::string> events() const { return log_.events(); }
  // Names of the data messages (onMetaData, |RtmpSampleAccess, ...) in arrival order.
  std::vector<std::string> data_names() const { return data_names_.events(); }
  // Only the audio and video events, in arrival order.
  static std::vector<std::string> media_only(const std::vector<std::string>& ev) {
    std::vector<std::string> out;
    for (const auto& e : ev)
      if (e.rfind("8 ", 0) == 0 || e.rfind("9 ", 0) == 0) out.push_back(e);
    return out;
  }

 private:
  EventLog log_, data_names_;
};

}  // namespace rtmp::test
