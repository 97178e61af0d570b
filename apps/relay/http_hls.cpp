#include "relay/http_hls.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace rtmp::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* text_plain = "text/plain; charset=utf-8";
constexpr auto allow_for = std::chrono::seconds(60);

std::string client_ip(const std::string& peer) {
  return peer.substr(0, peer.rfind(':'));
}

// Waits until the stream's answer to file?query is no longer "wait", or the deadline (then
// the answer stays "wait": the caller says 503). No thread is held: the stream's subscriber
// only cancels this request's timer on its strand.
asio::awaitable<HlsStream::Answer> answer_when_ready(const std::shared_ptr<HlsStream>& s,
                                                     const HttpTarget& t) {
  auto ex = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(ex);
  const auto waits = std::max<std::int64_t>(1, s->target_duration_s()) * 3;
  const auto deadline = asio::steady_timer::clock_type::now() + std::chrono::seconds(waits);
  const auto handle = s->subscribe([timer, ex] { asio::post(ex, [timer] { timer->cancel(); }); });
  HlsStream::Answer a = s->get(t.file, t.query);
  while (a.kind == HlsStream::Answer::Kind::wait && !s->ended()) {
    timer->expires_at(deadline);
    auto [ec] = co_await timer->async_wait(use_tuple);
    a = s->get(t.file, t.query);
    if (!ec) break;  // the deadline passed
  }
  s->unsubscribe(handle);
  co_return a;
}

// The play check once per client and stream (see the header). False: refused (answered).
template <class Stream>
asio::awaitable<bool> check_access(Stream& stream, const HttpRequest& req, const HttpTarget& t,
                                   HttpContext& ctx, const std::string& peer) {
  if (!ctx.relay.config().authorize) co_return true;
  const std::string who = client_ip(peer) + " " + t.app + "/" + t.key + " " +
                          query_param(t.query, "token").value_or("");
  const auto now = Clock::now();
  if (ctx.hls_clients.allowed(who, now)) co_return true;
  if (!t.file.ends_with(".m3u8")) {
    const HttpReply reply{403, text_plain, "load the playlist first\n"};
    co_await write_reply(stream, req, ctx, reply);
    co_return false;
  }
  Decision d = co_await authorize_play(ctx, req, t, peer, "hls", 0);
  if (d.accepted) {
    ctx.hls_clients.allow(who, now + allow_for);
    co_return true;
  }
  spdlog::info("http: {}: hls {}/{} refused: {}", peer, t.app, t.key, d.description);
  const HttpReply reply{403, text_plain, d.description + "\n"};
  co_await write_reply(stream, req, ctx, reply);
  co_return false;
}

// The buffers of body[first..last] (inclusive byte offsets over the concatenation).
std::vector<asio::const_buffer> slice(const std::vector<SharedBytes>& body, std::uint64_t first,
                                      std::uint64_t last) {
  std::vector<asio::const_buffer> out;
  std::uint64_t at = 0;
  for (const auto& b : body) {
    const std::uint64_t size = b ? b->size() : 0, end = at + size;
    if (end > first && at <= last) {
      const std::uint64_t from = std::max(first, at) - at, to = std::min(last + 1, end) - at;
      out.emplace_back(b->data() + from, to - from);
    }
    at = end;
  }
  return out;
}

}  // namespace

template <class Stream>
asio::awaitable<bool> serve_hls(Stream& stream, const HttpRequest& req, const HttpTarget& t,
                                std::shared_ptr<HttpContext> ctx, const std::string& peer) {
  auto s = ctx->hls ? ctx->hls->find(t.app, t.key) : nullptr;
  // Replies are named, never temporaries inside co_await: GCC 12 mishandles those.
  if (!s) {
    const HttpReply reply{404, text_plain, "no such stream\n"};
    co_return co_await write_reply(stream, req, *ctx, reply);
  }
  if (!co_await check_access(stream, req, t, *ctx, peer)) co_return req.keep_alive();
  ctx->hls_clients.seen(t.app + "/" + t.key, client_ip(peer), Clock::now());
  auto a = co_await answer_when_ready(s, t);
  if (a.kind == HlsStream::Answer::Kind::wait) {
    const HttpReply reply{503, text_plain, "not ready\n"};
    co_return co_await write_reply(stream, req, *ctx, reply);
  }
  if (a.kind != HlsStream::Answer::Kind::ok) {
    if (a.kind == HlsStream::Answer::Kind::bad_request)
      spdlog::info("http: {}: hls {}/{}/{}?{}: bad request", peer, t.app, t.key, t.file, t.query);
    const HttpReply reply{
        static_cast<unsigned>(a.status()), text_plain,
        a.kind == HlsStream::Answer::Kind::bad_request ? "bad request\n" : "not found\n"};
    co_return co_await write_reply(stream, req, *ctx, reply);
  }
  // The body as buffers over the shared storage (a.text / a.body stay alive until written).
  const bool media = !a.text;
  std::uint64_t size = media ? a.size() : a.text->size();
  RangeRequest range;
  if (media) range = parse_range(std::string_view(req[http::field::range]), size);
  http::response<http::empty_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "rtmp-server");
  // CMAF media segments and parts: video/iso.segment (the HLS spec's type for them).
  res.set(http::field::content_type,
          t.file.ends_with(".m4s") ? "video/iso.segment" : std::string(a.content_type));
  res.set(http::field::cache_control, std::string(a.cache_control));
  if (!ctx->options.cors_origin.empty())
    res.set(http::field::access_control_allow_origin, ctx->options.cors_origin);
  if (media) res.set(http::field::accept_ranges, "bytes");
  std::uint64_t first = 0, last = size ? size - 1 : 0;
  if (range.kind == RangeRequest::Kind::unsatisfiable) {
    res.result(http::status::range_not_satisfiable);
    res.set(http::field::content_range, fmt::format("bytes */{}", size));
    size = 0;
  } else if (range.kind == RangeRequest::Kind::partial) {
    res.result(http::status::partial_content);
    res.set(http::field::content_range,
            fmt::format("bytes {}-{}/{}", range.first, range.last, size));
    first = range.first;
    last = range.last;
    size = last - first + 1;
  }
  res.content_length(size);
  res.keep_alive(req.keep_alive() && !ctx->stopped);
  http::response_serializer<http::empty_body> sr{res};
  beast::get_lowest_layer(stream).expires_after(ctx->options.request_timeout *
                                                6);  // a segment over a slow link
  auto [ec, n] = co_await http::async_write_header(stream, sr, use_tuple);
  if (!ec && size > 0 && req.method() != http::verb::head) {
    auto bufs =
        media ? slice(a.body, first, last) : std::vector<asio::const_buffer>{asio::buffer(*a.text)};
    auto [wec, wn] = co_await asio::async_write(stream, bufs, use_tuple);
    ctx->bytes_hls += wn;
    ctx->hls_clients.served(t.app + "/" + t.key, wn);
    if (wec)
      spdlog::info("http: {}: hls {}/{}/{}: closed after {} of {} bytes: {}", peer, t.app, t.key,
                   t.file, wn, size, wec.message());
    ec = wec;
  }
  co_return !ec && res.keep_alive();
}

template asio::awaitable<bool> serve_hls(PlainStream&, const HttpRequest&, const HttpTarget&,
                                         std::shared_ptr<HttpContext>, const std::string&);
template asio::awaitable<bool> serve_hls(TlsStream&, const HttpRequest&, const HttpTarget&,
                                         std::shared_ptr<HttpContext>, const std::string&);

}  // namespace rtmp::relay
