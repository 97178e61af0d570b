// What the relay reports when something ends (a publish, a play, a recording file), for the
// --on-publish-done / --on-play-done / --on-record-done webhooks (relay/webhook.hpp). Plain
// data, no I/O: the relay fills it under its locks and hands it to a queue.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace rtmp::relay {

struct DoneEvent {
  std::string call = {};  // "publish_done", "play_done", "record_done" (nginx-rtmp's names)
  std::string app = {}, name = {};
  std::string addr = {};  // the client's address (record_done: the publisher's)
  std::uint64_t client_id = 0;
  std::uint64_t duration_ms = 0;
  std::uint64_t bytes = 0;   // publish: received; play: sent; record: in the file
  std::uint64_t frames = 0;  // publish: received; play: sent; record: in the file
  std::string path = {};     // record_done: the file
  std::string error = {};    // record_done: why the recording stopped (empty: closed normally)

  // The form fields, in this order: call, app, name, addr, clientid, duration (seconds, ms
  // precision), bytes, frames, then path and (when set) error for record_done.
  std::vector<std::pair<std::string, std::string>> form() const;
};

// Receives DoneEvents; called under the relay's locks: it must only queue, never block.
using DoneSink = std::function<void(DoneEvent)>;

}  // namespace rtmp::relay
