#include "relay/http_client.hpp"

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

asio::awaitable<Result<HttpResponse>> http_post_form(HttpUrl url, std::string body,
                                                     std::chrono::milliseconds timeout) {
  auto failed = [&](std::string step, const boost::system::error_code& ec) {
    const bool late = ec == beast::error::timeout;
    return Error(
        late ? errc::timeout : errc::io_error,
        step + " " + url.host + ":" + url.port + ": " +
            (late ? "no answer within " + std::to_string(timeout.count()) + " ms" : ec.message()));
  };
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  stream.expires_after(timeout);
  tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(url.host, url.port, use_tuple);
  if (rec) co_return failed("resolve", rec);
  auto [cec, ep] = co_await stream.async_connect(results, use_tuple);
  if (cec) co_return failed("connect", cec);
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "rtmp-server");
  req.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.body() = std::move(body);
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
  if (wec) co_return failed("send to", wec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  auto [rec2, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (rec2) co_return failed("read from", rec2);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  auto& res = parser.get();
  co_return HttpResponse{res.result_int(), std::move(res.body())};
}

}  // namespace rtmp::relay
