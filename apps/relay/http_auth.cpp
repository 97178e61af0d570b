#include "relay/http_auth.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <charconv>

namespace rtmp::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

Result<HttpUrl> HttpUrl::parse(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme)
    return Error(errc::invalid_argument, "callback URL '" + std::string(url) + "': not http://");
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  HttpUrl u;
  if (slash != std::string_view::npos) u.target = std::string(rest.substr(slash));
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return Error(errc::invalid_argument, "callback URL '" + std::string(url) + "': bad host");
    u.host = std::string(authority.substr(1, close - 1));
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority.front() == ':') u.port = std::string(authority.substr(1));
  } else {
    auto colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) u.port = std::string(authority.substr(colon + 1));
  }
  unsigned port = 0;
  auto [p, ec] = std::from_chars(u.port.data(), u.port.data() + u.port.size(), port);
  if (u.host.empty() || ec != std::errc() || p != u.port.data() + u.port.size() || port == 0 ||
      port > 65535)
    return Error(errc::invalid_argument,
                 "callback URL '" + std::string(url) + "': bad host or port");
  return u;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  auto encode = [&](const std::string& s) {
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
  };
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    encode(k);
    out += '=';
    encode(v);
  }
  return out;
}

HttpAuth::HttpAuth(asio::any_io_executor executor, HttpCallbacks callbacks)
    : executor_(std::move(executor)), callbacks_(std::move(callbacks)) {}

Result<void> HttpAuth::init() {
  if (!callbacks_.on_publish.empty()) {
    auto u = HttpUrl::parse(callbacks_.on_publish);
    if (!u) return u.error();
    publish_url_ = *u;
  }
  if (!callbacks_.on_play.empty()) {
    auto u = HttpUrl::parse(callbacks_.on_play);
    if (!u) return u.error();
    play_url_ = *u;
  }
  return {};
}

bool HttpAuth::wants(std::string_view call) const noexcept {
  return call == "publish" ? !callbacks_.on_publish.empty() : !callbacks_.on_play.empty();
}

namespace {

// One POST; the decision, never an exception.
asio::awaitable<Decision> post_form(HttpUrl url, std::string body, std::string code,
                                    std::chrono::milliseconds timeout) {
  auto reject = [&](std::string why) { return Decision::reject(std::move(why), code); };
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  stream.expires_after(timeout);
  tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(url.host, url.port, use_tuple);
  if (rec) co_return reject("auth callback: resolve " + url.host + ": " + rec.message());
  auto [cec, ep] = co_await stream.async_connect(results, use_tuple);
  if (cec)
    co_return reject("auth callback: connect " + url.host + ":" + url.port + ": " +
                     (cec == beast::error::timeout ? "timed out" : cec.message()));
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "rtmp-server");
  req.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.body() = std::move(body);
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
  if (wec) co_return reject("auth callback: send: " + wec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  auto [rec2, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (rec2)
    co_return reject(std::string("auth callback: ") +
                     (rec2 == beast::error::timeout
                          ? "no answer within " + std::to_string(timeout.count()) + " ms"
                          : "read: " + rec2.message()));
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  const auto& res = parser.get();
  if (res.result_int() / 100 == 2) co_return Decision::accept();
  std::string why = res.body();
  while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
  if (why.empty()) why = "auth callback: HTTP " + std::to_string(res.result_int());
  co_return reject(std::move(why));
}

}  // namespace

void HttpAuth::check(AuthRequest req, std::function<void(Decision)> done) const {
  const bool publish = req.call == "publish";
  std::string code = publish ? "NetStream.Publish.BadName" : "NetStream.Play.Failed";
  if (!wants(req.call)) {
    asio::post(executor_, [done = std::move(done)] { done(Decision::accept()); });
    return;
  }
  auto body = form_encode({{"call", req.call},
                           {"app", req.app},
                           {"name", req.name},
                           {"addr", req.addr},
                           {"clientid", std::to_string(req.client_id)},
                           {"tcurl", req.tc_url},
                           {"protocol", req.protocol.empty() ? "rtmp" : req.protocol}});
  asio::co_spawn(asio::make_strand(executor_),
                 post_form(publish ? publish_url_ : play_url_, std::move(body), std::move(code),
                           callbacks_.timeout),
                 [done = std::move(done), req](std::exception_ptr e, Decision d) {
                   if (e) d = Decision::reject("auth callback failed", "NetStream.Publish.BadName");
                   spdlog::info("auth: {} app={} name={} addr={}: {}{}", req.call, req.app,
                                req.name, req.addr,
                                d.accepted ? "allowed" : "rejected: ", d.description);
                   done(std::move(d));
                 });
}

}  // namespace rtmp::relay
