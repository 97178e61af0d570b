// One HTTP connection of HttpServer: reads requests (Beast parser with the HttpOptions
// limits), answers stats, OPTIONS preflights and errors itself, and hands FLV requests to
// http_flv_serve and HLS requests to http_hls. The same code serves HTTP and HTTPS: the
// templates over the stream type are instantiated for PlainStream and TlsStream
// (http_stream.hpp). Internal to the HTTP server.
#pragma once

#include "relay/hls_clients.hpp"
#include "relay/hls_output.hpp"
#include "relay/http_request.hpp"
#include "relay/http_server.hpp"
#include "relay/http_stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <memory>

namespace rtmp::relay {

struct HttpContext {
  HttpContext(HttpOptions o, Relay& r, HlsRegistry* h) : options(std::move(o)), relay(r), hls(h) {}
  const HttpOptions options;
  Relay& relay;
  HlsRegistry* hls;  // null: no HLS
  HlsClients hls_clients;
  // Bytes written to HTTP players, by protocol.
  std::atomic<std::uint64_t> bytes_http_flv{0}, bytes_ws_flv{0}, bytes_hls{0};
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopped{false};
};

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Serves `socket` until it closes; counts itself in ctx->connections.
boost::asio::awaitable<void> serve_http_connection(boost::asio::ip::tcp::socket socket,
                                                   std::shared_ptr<HttpContext> ctx);

// The same over TLS: the handshake first (within ctx->options.tls_handshake_timeout; a
// failure is one log line and closes this connection only), then the same requests.
boost::asio::awaitable<void> serve_https_connection(boost::asio::ip::tcp::socket socket,
                                                    std::shared_ptr<HttpContext> ctx,
                                                    std::shared_ptr<boost::asio::ssl::context> tls);

// Writes a small complete response (CORS and Server headers added). False when the write
// failed or the connection is not to be kept alive. Pass a named HttpReply, not a temporary
// built in the co_await expression: GCC 12 frees such temporaries wrongly across suspension.
// Stream: PlainStream or TlsStream.
template <class Stream>
boost::asio::awaitable<bool> write_reply(Stream& stream, const HttpRequest& req,
                                         const HttpContext& ctx, const HttpReply& reply,
                                         bool keep_alive = true);

// /api/streams and /metrics with the HTTP players' share: players by protocol, HLS viewers,
// bytes written by protocol (http_server.cpp).
HttpReply stats_reply(HttpContext& ctx, std::string_view method, std::string_view target);

// The --on-play check (call=play, `protocol`, the name with the query and its token kept).
// Accepts at once when no check is configured.
boost::asio::awaitable<Decision> authorize_play(const HttpContext& ctx, const HttpRequest& req,
                                                const HttpTarget& t, const std::string& peer,
                                                std::string_view protocol, std::uint64_t id);

// "ip:port" of the peer ("?" when unknown); pass beast::get_lowest_layer(stream).
std::string peer_address(const boost::beast::tcp_stream& stream);

}  // namespace rtmp::relay
