// rtmp-server's HTTP listener (Boost.Beast, coroutines) on the caller's io_context, for
// --http-port: stats (/api/streams, /metrics), HTTP-FLV and WebSocket-FLV players
// (/APP/KEY.flv, see http_flv.hpp) and HLS (/APP/KEY/index.m3u8 ..., see http_hls.hpp).
// With HttpOptions::https_port (--https-port) the same routes are also served over TLS
// (https://, wss://) from a second listener; both share one set of counters and limits.
//
//   Relay relay(config);
//   auto http = HttpServer::start(ioc, HttpOptions{.port = 8080}, relay);
//   if (!http) fail(http.error());
//   (*http)->port();  ...  (*http)->stop();
//
// Limits (HttpOptions): connections past max_connections are closed at accept; a request's
// headers must arrive within request_timeout (slowloris) and fit in header_limit (else 431);
// an idle keep-alive connection is closed after idle_timeout. Each refusal is one log line
// naming the peer; only that connection is closed.
#pragma once

#include "relay/relay.hpp"
#include "relay/static_files.hpp"
#include "rtmp/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace rtmp::relay {

class HlsRegistry;

struct HttpOptions {
  std::string bind;               // empty = all IPv4 and IPv6
  std::uint16_t port = 0;         // 0 = any free port
  std::string cors_origin = "*";  // Access-Control-Allow-Origin; empty = no CORS headers
  std::size_t max_connections = 10'000;
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds idle_timeout{30'000};
  std::size_t header_limit = 8 * 1024;
  // Plain HTTP on `port`; false: HTTPS only.
  bool plain_http = true;
  // HTTPS: the same routes over TLS 1.2+ with this certificate chain (PEM, leaf first) and
  // key, on https_port (-1 = no HTTPS, 0 = any free port). A handshake must complete within
  // tls_handshake_timeout; a failed one is logged and closes that connection only.
  int https_port = -1;
  std::string tls_cert_file, tls_key_file;
  std::chrono::milliseconds tls_handshake_timeout{10'000};
  // The player page, the dashboard and their scripts, served at /NAME; GET / is the
  // dashboard (http_api.hpp). Null: those paths answer 404.
  std::shared_ptr<const StaticFiles> www;
  // --api-token: required by /api/*, /stat, /metrics and the dashboard, and enables kicks.
  std::string api_token;
};

struct HttpReply {
  HttpReply(unsigned s = 200, std::string type = "text/plain; charset=utf-8", std::string b = {},
            std::string cache = "no-store", std::string loc = {})
      : status(s),
        content_type(std::move(type)),
        body(std::move(b)),
        cache_control(std::move(cache)),
        location(std::move(loc)) {}
  unsigned status;
  std::string content_type;
  std::string body;
  std::string cache_control;
  std::string location;  // for redirects
  // More headers (Set-Cookie, WWW-Authenticate, ...).
  std::vector<std::pair<std::string, std::string>> headers;
};

// method ("GET", ...) and target ("/metrics?x=1"). Called on the connection's strand.
using HttpRoutes = std::function<HttpReply(std::string_view method, std::string_view target)>;

// GET /api/streams → {"streams": [...]} (stats_json.hpp's shape, players included);
// GET /metrics → Prometheus text; anything else 404, other methods 405.
HttpRoutes stats_routes(const Relay& relay);

class HttpServer {
 public:
  // Errors: invalid_argument (bad address, unreadable certificate or key), address_in_use,
  // io_error.
  // `hls` (may be null: HLS routes answer 404) must outlive the server.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& ioc,
                                                   const HttpOptions& options, Relay& relay,
                                                   HlsRegistry* hls = nullptr);
  ~HttpServer();
  std::uint16_t port() const noexcept;        // 0 without plain HTTP
  std::uint16_t https_port() const noexcept;  // 0 without HTTPS
  // Closes the listener; requests in progress finish (FLV players end with the relay's
  // shutdown). Thread-safe, idempotent.
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace rtmp::relay
