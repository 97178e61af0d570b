// Everything a RelayServer (rtmp-server without its command line) runs with, grouped by
// feature, with rtmp-server's defaults. tools/rtmp-server/options.cpp fills it from flags and
// the config file; tests fill it directly.
#pragma once

#include "relay/config.hpp"
#include "relay/hls_output.hpp"
#include "relay/http_auth.hpp"
#include "relay/http_server.hpp"
#include "relay/pull.hpp"
#include "relay/push.hpp"
#include "relay/webhook.hpp"
#include "rtmp/core/limits.hpp"
#include "rtmp/server.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rtmp::relay {

struct RelayServerConfig {
  // The relay's policy: GOP cache, slow players, recording, key file, caps.
  RelayConfig relay;

  // RTMP listeners: one rtmp::Server per bind address (empty: one on all IPv4 and IPv6).
  struct Rtmp {
    std::uint16_t port = 1935;  // 0 = any free port
    std::vector<std::string> binds;
    unsigned threads = 0;  // I/O threads; 0 = one per core
    std::uint32_t chunk_size = 4096;
    std::size_t socket_send_buffer = 1024 * 1024;
    std::size_t fanout_hold_min_players = ServerOptions{}.fanout_hold_min_players;
    Limits limits;      // caps per peer, handshake and idle timeouts included
    int tls_port = -1;  // -1 = no RTMPS; 0 = any free port
    std::string tls_cert, tls_key;
  } rtmp;

  // Stop: with reconnect_on_stop, clients first get an Enhanced RTMP ReconnectRequest
  // (tcUrl reconnect_url, empty = their own) and reconnect_grace to leave.
  struct Stop {
    bool reconnect_on_stop = false;
    std::string reconnect_url;
    std::chrono::milliseconds reconnect_grace{5'000};
  } stop;

  // HTTP outputs (HTTP-FLV, WebSocket-FLV, HLS, /api, /metrics, player page).
  struct Http {
    int port = -1;        // -1 = off; 0 = any free port
    std::string bind;     // empty: the first RTMP bind address, else all
    HttpOptions options;  // bind and port are overwritten from the two above
    std::string www;      // player page directory (empty: looked up beside argv0)
    std::string argv0;    // the executable's path, for that lookup
  } http;

  // HLS (only with the HTTP port).
  bool hls_enabled = true;
  HlsConfig hls;

  // Origin/edge.
  std::vector<PushTarget> push;
  std::vector<PullSource> pull;

  // --on-publish / --on-play HTTP callbacks (empty: none).
  HttpCallbacks callbacks;
  // --on-publish-done / --on-play-done / --on-record-done webhooks (empty URLs: none).
  WebhookConfig webhooks;

  // Stats: a JSON file rewritten every second (empty: none), a log line every interval (0: off).
  std::filesystem::path stats_file;
  std::chrono::milliseconds stats_interval{0};

  // Handle SIGINT/SIGTERM (stop) and SIGHUP (reload) on the server's io_context; see
  // RelayServer::wait().
  bool handle_signals = false;
};

}  // namespace rtmp::relay
