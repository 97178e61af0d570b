#include "relay/http_connection.hpp"

#include "relay/http_api.hpp"
#include "relay/http_flv_serve.hpp"
#include "relay/http_hls.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

namespace rtmp::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* text_plain = "text/plain; charset=utf-8";
// How long a closing TLS connection waits for the peer's close_notify.
constexpr std::chrono::milliseconds close_wait{2'000};

struct ConnectionCount {
  explicit ConnectionCount(HttpContext& c) : ctx(c) { ++ctx.connections; }
  ~ConnectionCount() { --ctx.connections; }
  HttpContext& ctx;
};

// Waits up to idle_timeout for the first byte of the next request (keep-alive). An error
// when the peer closed, reset or stayed idle.
template <class Stream>
asio::awaitable<boost::system::error_code> wait_for_request(Stream& stream,
                                                            beast::flat_buffer& buffer,
                                                            const HttpContext& ctx) {
  if (buffer.size() > 0) co_return boost::system::error_code{};
  beast::get_lowest_layer(stream).expires_after(ctx.options.idle_timeout);
  auto [ec, n] = co_await stream.async_read_some(buffer.prepare(1024), use_tuple);
  buffer.commit(n);
  co_return ec ? ec : n > 0 ? boost::system::error_code{} : asio::error::eof;
}

// A reset says the client dropped a response it had not read to the end (a player leaving
// mid-segment, with the rest still in the socket buffers): worth a line, unlike a close.
void log_if_reset(const std::string& peer, const boost::system::error_code& ec) {
  if (ec == asio::error::connection_reset)
    spdlog::info("http: {}: connection reset by the client", peer);
}

// What to tell a peer whose request could not be read (status 0: just close).
HttpReply read_error_reply(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) return {431, text_plain, "request header too large\n"};
  if (ec == http::error::body_limit) return {413, text_plain, "request body too large\n"};
  return {400, text_plain, "bad request\n"};
}

bool is_parse_error(const boost::system::error_code& ec) {
  return ec.category() == make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

HttpReply preflight_reply() {
  return {204, "", ""};
}

// The player page and its scripts (HttpOptions::www). Copied into the reply: these are
// small and fetched once per viewer, unlike media, which is never copied per client.
HttpReply file_reply(const HttpContext& ctx, const std::string& name) {
  const StaticFiles* www = ctx.options.www.get();
  if (name.empty() && www && www->find("player.html"))
    return {302, text_plain, "see /player.html\n", "no-store", "/player.html"};
  const StaticFiles::File* f = www ? www->find(name) : nullptr;
  if (!f) return {404, text_plain, "not found\n"};
  return {200, f->content_type, *f->body, "max-age=60"};
}

}  // namespace

std::string peer_address(const beast::tcp_stream& stream) {
  boost::system::error_code ec;
  auto ep = stream.socket().remote_endpoint(ec);
  if (ec) return "?";
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

template <class Stream>
asio::awaitable<bool> write_reply(Stream& stream, const HttpRequest& req, const HttpContext& ctx,
                                  const HttpReply& reply, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
  res.set(http::field::server, "rtmp-server");
  if (!reply.content_type.empty()) res.set(http::field::content_type, reply.content_type);
  res.set(http::field::cache_control, reply.cache_control);
  if (!reply.location.empty()) res.set(http::field::location, reply.location);
  for (const auto& [name, value] : reply.headers) res.set(name, value);
  if (!ctx.options.cors_origin.empty())
    res.set(http::field::access_control_allow_origin, ctx.options.cors_origin);
  if (reply.status == 204) {
    res.set(http::field::access_control_allow_methods, "GET, HEAD, POST, OPTIONS");
    res.set(http::field::access_control_allow_headers, "Range, Origin, Accept, Authorization");
    res.set(http::field::access_control_max_age, "86400");
  }
  const bool keep = keep_alive && req.keep_alive() && !ctx.stopped;
  res.keep_alive(keep);
  res.body() = reply.body;
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();  // length stays prepared
  beast::get_lowest_layer(stream).expires_after(ctx.options.request_timeout);
  auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
  co_return !ec && keep;
}

template asio::awaitable<bool> write_reply(PlainStream&, const HttpRequest&, const HttpContext&,
                                           const HttpReply&, bool);
template asio::awaitable<bool> write_reply(TlsStream&, const HttpRequest&, const HttpContext&,
                                           const HttpReply&, bool);

// The --on-play check: call=play, protocol, name with the query (token) kept.
asio::awaitable<Decision> authorize_play(const HttpContext& ctx, const HttpRequest& req,
                                         const HttpTarget& t, const std::string& peer,
                                         std::string_view protocol, std::uint64_t id) {
  const auto& auth = ctx.relay.config().authorize;
  if (!auth) co_return Decision::accept();
  auto ex = co_await asio::this_coro::executor;
  struct Wait {
    explicit Wait(const asio::any_io_executor& e) : timer(e) {}
    asio::steady_timer timer;
    std::optional<Decision> decision;
  };
  auto w = std::make_shared<Wait>(ex);
  w->timer.expires_at(asio::steady_timer::time_point::max());
  const std::string name = t.query.empty() ? t.key : t.key + "?" + t.query;
  const std::string tc_url = "http://" + std::string(req[http::field::host]) + "/" + t.app;
  RelayConfig::AuthQuery q{"play", t.app, name, peer, tc_url, id, std::string(protocol)};
  const bool asked = auth(q, [w, ex](Decision d) {
    asio::post(ex, [w, d = std::move(d)]() mutable {
      w->decision = std::move(d);
      w->timer.cancel();
    });
  });
  if (!asked) co_return Decision::accept();
  while (!w->decision) co_await w->timer.async_wait(use_tuple);
  co_return *w->decision;
}

namespace {

// The request loop of one connection (after the TLS handshake for HTTPS).
template <class Stream>
asio::awaitable<void> serve_requests(Stream stream, std::shared_ptr<HttpContext> ctx,
                                     std::string peer) {
  auto& tcp_stream = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  for (bool first = true;; first = false) {
    if (!first) {
      if (auto wec = co_await wait_for_request(stream, buffer, *ctx); wec) {
        log_if_reset(peer, wec);
        break;
      }
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(ctx->options.header_limit));
    parser.body_limit(64 * 1024);
    tcp_stream.expires_after(ctx->options.request_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (ec == beast::error::timeout) {
      spdlog::warn("http: {}: closed: no complete request within {} ms", peer,
                   ctx->options.request_timeout.count());
      break;
    }
    if (ec && is_parse_error(ec)) {
      spdlog::warn("http: {}: closed: unreadable request: {}", peer, ec.message());
      HttpRequest dummy;
      dummy.version(11);
      const HttpReply reply = read_error_reply(ec);  // named: see write_reply's callers
      co_await write_reply(stream, dummy, *ctx, reply, false);
      break;
    }
    if (ec) {  // closed or reset
      log_if_reset(peer, ec);
      break;
    }
    HttpRequest req = parser.release();
    const std::string_view method(req.method_string()), target_text(req.target());
    if (req.method() == http::verb::options) {
      const HttpReply reply = preflight_reply();
      if (!co_await write_reply(stream, req, *ctx, reply)) break;
      continue;
    }
    HttpTarget target = parse_target(target_text);
    const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    HttpReply reply;
    switch (target.kind) {
      case HttpTarget::Kind::bad:
        spdlog::warn("http: {}: {} {}: refused: {}", peer, method, target_text, target.error);
        reply = {400, text_plain, "bad request target\n"};
        break;
      case HttpTarget::Kind::stats:
        reply = api_reply(*ctx, api_request(req, peer));
        break;
      case HttpTarget::Kind::flv:
        if (!get) {
          reply = {405, text_plain, "only GET\n"};
          break;
        }
        if (beast::websocket::is_upgrade(req)) {
          co_await serve_ws_flv(std::move(stream), std::move(req), std::move(target), ctx, peer);
          co_return;
        }
        co_await serve_http_flv(stream, req, target, ctx, peer);
        co_return;
      case HttpTarget::Kind::hls:
        if (!get) {
          reply = {405, text_plain, "only GET\n"};
          break;
        }
        if (!co_await serve_hls(stream, req, target, ctx, peer)) co_return;
        continue;
      case HttpTarget::Kind::file:
        if (target.file.empty()) {  // "/": the dashboard, behind --api-token
          reply = api_reply(*ctx, api_request(req, peer));
          break;
        }
        reply = get ? file_reply(*ctx, target.file) : HttpReply{405, text_plain, "only GET\n"};
        break;
      case HttpTarget::Kind::not_found:
        reply = {404, text_plain, "not found\n"};
        break;
    }
    if (!co_await write_reply(stream, req, *ctx, reply, reply.status < 400 || reply.status == 404))
      break;
  }
  co_await close_stream(stream, std::min(ctx->options.request_timeout, close_wait));
}

}  // namespace

asio::awaitable<void> serve_http_connection(tcp::socket socket, std::shared_ptr<HttpContext> ctx) {
  ConnectionCount count(*ctx);
  PlainStream stream(std::move(socket));
  std::string peer = peer_address(stream);
  co_await serve_requests(std::move(stream), ctx, std::move(peer));
}

asio::awaitable<void> serve_https_connection(tcp::socket socket, std::shared_ptr<HttpContext> ctx,
                                             std::shared_ptr<asio::ssl::context> tls) {
  ConnectionCount count(*ctx);
  TlsStream stream(std::move(socket), *tls);
  std::string peer = peer_address(beast::get_lowest_layer(stream));
  const auto timeout = ctx->options.tls_handshake_timeout;
  if (auto ec = co_await tls_handshake(stream, timeout); ec) {
    spdlog::warn("https: {}: closed: {}", peer, tls_handshake_failure(ec, timeout));
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
    co_return;
  }
  co_await serve_requests(std::move(stream), ctx, std::move(peer));
}

}  // namespace rtmp::relay
