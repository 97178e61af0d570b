// One HTTP connection of HttpServer: reads requests (Beast parser with the HttpOptions
// limits), answers stats, OPTIONS preflights and errors itself, and hands FLV requests to
// http_flv_serve. Internal to the HTTP server.
#pragma once

#include "relay/http_request.hpp"
#include "relay/http_server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <memory>

namespace rtmp::relay {

struct HttpContext {
  HttpContext(HttpOptions o, Relay& r) : options(std::move(o)), relay(r), stats(stats_routes(r)) {}
  const HttpOptions options;
  Relay& relay;
  HttpRoutes stats;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopped{false};
};

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Serves `socket` until it closes; counts itself in ctx->connections.
boost::asio::awaitable<void> serve_http_connection(boost::asio::ip::tcp::socket socket,
                                                   std::shared_ptr<HttpContext> ctx);

// Writes a small complete response (CORS and Server headers added). False when the write
// failed or the connection is not to be kept alive.
boost::asio::awaitable<bool> write_reply(boost::beast::tcp_stream& stream, const HttpRequest& req,
                                         const HttpContext& ctx, const HttpReply& reply,
                                         bool keep_alive = true);

// "ip:port" of the peer ("?" when unknown).
std::string peer_address(const boost::beast::tcp_stream& stream);

}  // namespace rtmp::relay
