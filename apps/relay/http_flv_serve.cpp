#include "relay/http_flv_serve.hpp"

#include "relay/flv_tags.hpp"
#include "relay/http_flv.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace rtmp::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* text_plain = "text/plain; charset=utf-8";

// The strand-side state a player's wake(abort) reaches: the writer's timer and, while the
// socket exists, a way to cancel its I/O (cleared before the socket goes away).
struct FlvIo {
  explicit FlvIo(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  std::function<void()> cancel_io;
  bool reader_done = false;
  asio::steady_timer* reader_wait = nullptr;
};

std::shared_ptr<FlvPlayer> make_player(const std::shared_ptr<FlvIo>& io,
                                       const asio::any_io_executor& ex, std::string remote) {
  return std::make_shared<FlvPlayer>(std::move(remote), [io, ex](bool abort) {
    asio::post(ex, [io, abort] {
      io->timer.cancel();
      if (abort && io->cancel_io) io->cancel_io();
    });
  });
}

// Checks and joins; on refusal answers the request and returns no stream.
template <class ByteStream>
asio::awaitable<std::shared_ptr<Stream>> join(ByteStream& stream, const HttpRequest& req,
                                              const HttpTarget& t, HttpContext& ctx,
                                              const std::string& peer, std::string_view protocol,
                                              const std::shared_ptr<FlvPlayer>& player) {
  Decision d = co_await authorize_play(ctx, req, t, peer, protocol, player->id());
  unsigned status = 403;
  if (d.accepted) {
    auto joined = ctx.relay.play(player, t.app, PlayInfo{1, t.key, -2, -1, true}, Clock::now(),
                                 &FlvPlayer::caps());
    if (joined.decision.accepted) co_return joined.stream;
    d = joined.decision;
    status = d.code == "NetStream.Play.Failed" ? 415 : 404;
  }
  spdlog::info("http: {}: {} {}/{} refused: {}", peer, protocol, t.app, t.key, d.description);
  // Named, not a temporary in the co_await: GCC 12 mishandles those across suspension.
  const HttpReply reply{status, text_plain, d.description + "\n"};
  co_await write_reply(stream, req, ctx, reply, false);
  co_return nullptr;
}

// Writes the FLV file header, then batches from the player until it ends or is aborted;
// `write` sends one gather list. Returns why it stopped.
template <class Write>
asio::awaitable<std::string> pump(FlvPlayer& player, FlvIo& io, Write write) {
  // Audio and video flags both set: what the stream holds is not known before it is live,
  // and readers take the tags as they come.
  const auto head = flv_file_header(true, true);
  std::vector<asio::const_buffer> bufs{asio::buffer(head)};
  if (auto ec = co_await write(bufs); ec) co_return "write failed: " + ec.message();
  for (;;) {
    auto batch = player.take();
    if (batch.aborted) co_return player.end_reason();
    if (!batch.items.empty()) {
      bufs.clear();
      flv_buffers(batch.items, bufs);
      auto ec = co_await write(bufs);
      player.written(batch.wire);
      if (ec) {
        // Cancelled by abort() (the relay dropped a slow player): say why.
        if (player.take().aborted) co_return player.end_reason();
        co_return "write failed: " + ec.message();
      }
      continue;  // more may have come meanwhile
    }
    if (batch.ended) co_return player.end_reason();
    io.timer.expires_at(asio::steady_timer::time_point::max());
    co_await io.timer.async_wait(use_tuple);
  }
}

// Waits for the peer to go away (reads and discards), then aborts the player.
template <class Read>
asio::awaitable<void> watch_peer(std::shared_ptr<FlvPlayer> player, std::shared_ptr<FlvIo> io,
                                 Read read) {
  auto ec = co_await read();
  player->abort(Error(errc::closed, "peer closed: " + ec.message()));
  io->reader_done = true;
  if (io->reader_wait) io->reader_wait->cancel();
}

asio::awaitable<void> wait_reader(FlvIo& io) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  io.reader_wait = &t;
  while (!io.reader_done) {
    t.expires_at(asio::steady_timer::time_point::max());
    co_await t.async_wait(use_tuple);
  }
  io.reader_wait = nullptr;
}

std::vector<asio::const_buffer> chunked(std::vector<asio::const_buffer>& bufs, std::string& size) {
  size = fmt::format("{:x}\r\n", asio::buffer_size(bufs));
  std::vector<asio::const_buffer> out;
  out.reserve(bufs.size() + 2);
  out.emplace_back(asio::buffer(size));
  out.insert(out.end(), bufs.begin(), bufs.end());
  out.emplace_back(asio::buffer("\r\n", 2));
  return out;
}

}  // namespace

template <class ByteStream>
asio::awaitable<void> serve_http_flv(ByteStream& stream, const HttpRequest& req,
                                     const HttpTarget& t, std::shared_ptr<HttpContext> ctx,
                                     const std::string& peer) {
  auto ex = co_await asio::this_coro::executor;
  auto io = std::make_shared<FlvIo>(ex);
  auto player = make_player(io, ex, "http-flv://" + peer);
  auto joined = co_await join(stream, req, t, *ctx, peer, "http-flv", player);
  if (!joined) co_return;
  spdlog::info("http: {}: http-flv play {}/{} session={}", peer, t.app, t.key, player->id());
  const bool use_chunks = req.version() >= 11;
  http::response<http::empty_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "rtmp-server");
  res.set(http::field::content_type, "video/x-flv");
  res.set(http::field::cache_control, "no-cache");
  if (!ctx->options.cors_origin.empty())
    res.set(http::field::access_control_allow_origin, ctx->options.cors_origin);
  res.keep_alive(false);
  if (use_chunks) res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  auto& tcp_stream = beast::get_lowest_layer(stream);
  tcp_stream.expires_after(ctx->options.request_timeout);
  auto [hec, hn] = co_await http::async_write_header(stream, sr, use_tuple);
  tcp_stream.expires_never();  // the relay's slow-player policy decides from here on
  std::string why = "write failed";
  if (!hec && req.method() != http::verb::head) {
    io->cancel_io = [&tcp_stream] { tcp_stream.socket().cancel(); };
    asio::co_spawn(ex,
                   watch_peer(player, io,
                              [&stream]() -> asio::awaitable<boost::system::error_code> {
                                std::array<char, 512> sink;
                                for (;;) {
                                  auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink),
                                                                                 use_tuple);
                                  if (ec) co_return ec;
                                }
                              }),
                   asio::detached);
    std::string size;
    auto send =
        [&](std::vector<asio::const_buffer>& bufs) -> asio::awaitable<boost::system::error_code> {
      auto out = use_chunks ? chunked(bufs, size) : bufs;
      auto [ec, n] = co_await asio::async_write(stream, out, use_tuple);
      ctx->bytes_http_flv += n;
      co_return ec;
    };
    why = co_await pump(*player, *io, send);
    if (use_chunks && !why.starts_with("write failed") && !why.starts_with("peer closed"))
      co_await asio::async_write(stream, asio::buffer("0\r\n\r\n", 5), use_tuple);
    boost::system::error_code ignored;
    tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_stream.socket().cancel(ignored);
    co_await wait_reader(*io);
    io->cancel_io = nullptr;
  }
  ctx->relay.leave(joined, player->id(), "http-flv: " + why);
  spdlog::info("http: {}: http-flv {}/{} ended: {}", peer, t.app, t.key, why);
}

template <class ByteStream>
asio::awaitable<void> serve_ws_flv(ByteStream stream, HttpRequest req, HttpTarget t,
                                   std::shared_ptr<HttpContext> ctx, std::string peer) {
  auto ex = co_await asio::this_coro::executor;
  auto io = std::make_shared<FlvIo>(ex);
  auto player = make_player(io, ex, "ws-flv://" + peer);
  auto joined = co_await join(stream, req, t, *ctx, peer, "ws-flv", player);
  if (!joined) co_return;
  beast::get_lowest_layer(stream).expires_never();
  websocket::stream<ByteStream> ws(std::move(stream));
  websocket::stream_base::timeout limits{};
  limits.handshake_timeout = ctx->options.request_timeout;
  limits.idle_timeout = websocket::stream_base::none();  // the relay watches progress
  limits.keep_alive_pings = false;
  ws.set_option(limits);
  ws.read_message_max(4096);  // a player has nothing to say
  std::string why;
  if (auto [aec] = co_await ws.async_accept(req, use_tuple); aec) {
    why = "websocket handshake failed: " + aec.message();
  } else {
    spdlog::info("http: {}: ws-flv play {}/{} session={}", peer, t.app, t.key, player->id());
    ws.binary(true);
    io->cancel_io = [&ws] {
      boost::system::error_code ignored;
      beast::get_lowest_layer(ws).socket().cancel(ignored);
    };
    asio::co_spawn(ex,
                   watch_peer(player, io,
                              [&ws]() -> asio::awaitable<boost::system::error_code> {
                                beast::flat_buffer sink;
                                for (;;) {
                                  auto [ec, n] = co_await ws.async_read(sink, use_tuple);
                                  if (ec) co_return ec;
                                  sink.consume(sink.size());
                                }
                              }),
                   asio::detached);
    auto send =
        [&](std::vector<asio::const_buffer>& bufs) -> asio::awaitable<boost::system::error_code> {
      auto [ec, n] = co_await ws.async_write(bufs, use_tuple);
      ctx->bytes_ws_flv += n;
      co_return ec;
    };
    why = co_await pump(*player, *io, send);
    if (!why.starts_with("write failed") && !why.starts_with("peer closed")) {
      beast::get_lowest_layer(ws).expires_after(ctx->options.request_timeout);
      co_await ws.async_close(websocket::close_code::normal, use_tuple);
    }
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws).socket().cancel(ignored);
    co_await wait_reader(*io);
    io->cancel_io = nullptr;
  }
  ctx->relay.leave(joined, player->id(), "ws-flv: " + why);
  spdlog::info("http: {}: ws-flv {}/{} ended: {}", peer, t.app, t.key, why);
}

template asio::awaitable<void> serve_http_flv(PlainStream&, const HttpRequest&, const HttpTarget&,
                                              std::shared_ptr<HttpContext>, const std::string&);
template asio::awaitable<void> serve_http_flv(TlsStream&, const HttpRequest&, const HttpTarget&,
                                              std::shared_ptr<HttpContext>, const std::string&);
template asio::awaitable<void> serve_ws_flv(PlainStream, HttpRequest, HttpTarget,
                                            std::shared_ptr<HttpContext>, std::string);
template asio::awaitable<void> serve_ws_flv(TlsStream, HttpRequest, HttpTarget,
                                            std::shared_ptr<HttpContext>, std::string);

}  // namespace rtmp::relay
