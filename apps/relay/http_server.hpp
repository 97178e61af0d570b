// A small HTTP/1.1 server (Boost.Beast, coroutines) on the caller's io_context: rtmp-server's
// --http-port, serving /api/streams (JSON) and /metrics (Prometheus text) from the relay.
//
//   auto http = HttpServer::start(ioc, "127.0.0.1", 8080, stats_routes(relay));
//   if (!http) fail(http.error());
//   (*http)->port();  ...  (*http)->stop();
//
// Keep-alive; each connection on its own strand; a request must arrive within 30 s of the
// previous one; headers are capped at 8 KiB and bodies at 64 KiB (this serves small GETs).
#pragma once

#include "relay/relay.hpp"
#include "rtmp/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace rtmp::relay {

struct HttpReply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// method ("GET", ...) and target ("/metrics?x=1"). Called on the connection's strand.
using HttpRoutes = std::function<HttpReply(std::string_view method, std::string_view target)>;

// GET /api/streams → {"streams": [...]} (stats_json.hpp's shape, players included);
// GET /metrics → Prometheus text; anything else 404, other methods 405.
HttpRoutes stats_routes(const Relay& relay);

class HttpServer {
 public:
  // bind empty = all IPv4 and IPv6; port 0 = any free port. Errors: invalid_argument (bad
  // address), address_in_use, io_error.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& ioc,
                                                   const std::string& bind, std::uint16_t port,
                                                   HttpRoutes routes);
  ~HttpServer();
  std::uint16_t port() const noexcept;
  // Closes the listener; requests in progress finish. Thread-safe, idempotent.
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace rtmp::relay
