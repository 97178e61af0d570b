// Shared pieces of the sans-IO server and client sessions.
#pragma once

#include "rtmp/core/amf.hpp"
#include "rtmp/core/connect_caps.hpp"
#include "rtmp/core/handshake.hpp"
#include "rtmp/core/limits.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace rtmp {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct SessionOptions {
  Limits limits;
  // Outgoing chunk size, announced with Set Chunk Size at session start.
  std::uint32_t chunk_size = 4096;
  // Window Acknowledgement Size and Set Peer Bandwidth we announce.
  std::uint32_t window_ack_size = 2'500'000;
  std::uint32_t peer_bandwidth = 2'500'000;
  // Handshake randomness; system_random() when empty.
  RandomSource random;
  // Client only: digest handshake (falls back to simple when the server answers simple).
  bool digest_handshake = true;
  // Server only: Enhanced RTMP capabilities put in the connect _result properties object,
  // for clients whose connect carried Enhanced RTMP properties (a legacy client gets the
  // legacy answer, unchanged). Empty = announce nothing.
  ConnectCaps enhanced_caps = ConnectCaps::forwarder();
};

// What the connect command carried. The ConnectCaps part holds its Enhanced RTMP
// properties (fourCcList, videoFourCcInfoMap, audioFourCcInfoMap, capsEx); all empty for a
// legacy client.
struct ConnectInfo : ConnectCaps {
  std::string app;
  std::string tc_url;
  std::string flash_ver;
  std::string swf_url;
  std::string page_url;
  double object_encoding = 0;
  // Both during on_connect only: a server session drops them once the connect is decided
  // (about 1 KB per connection); the fields above stay.
  amf::Value command_object;     // everything, as sent
  std::vector<amf::Value> args;  // optional user arguments after the object
};

struct PublishInfo {
  std::uint32_t stream_id = 0;
  std::string key;   // stream name as sent (query string kept)
  std::string type;  // "live", "record" or "append"
};

struct PlayInfo {
  std::uint32_t stream_id = 0;
  std::string name;
  double start = -2;     // -2 live or recorded, -1 live only, >= 0 recorded from that second
  double duration = -1;  // -1 until the end
  bool reset = true;
};

// A handler's answer to connect/publish/play. code overrides the default status code
// (e.g. "NetStream.Publish.BadName"); description is sent to the peer.
// defer(): the answer comes later (e.g. from an HTTP auth callback) through
// ServerSession::resolve; the session holds further input from the peer until then.
struct Decision {
  bool accepted = true;
  std::string code;
  std::string description;
  bool deferred = false;

  static Decision accept() { return {}; }
  static Decision reject(std::string description, std::string code = {}) {
    return {false, std::move(code), std::move(description)};
  }
  static Decision defer() { return {true, {}, {}, true}; }
};

}  // namespace rtmp
