// The small HTTP/1.1 client behind the relay's callbacks (--on-publish / --on-play auth,
// the *-done webhooks): one POST of an application/x-www-form-urlencoded form per connection,
// over Boost.Beast, with one deadline for resolve + connect + request + response.
//
//   auto url = HttpUrl::parse("http://127.0.0.1:8080/hook");           // Result<HttpUrl>
//   auto r = co_await http_post_form(*url, form_encode({{"call", "x"}}), 5s);
//   if (r) r->status, r->body;  else r.error().message()  // resolve/connect/read/timeout
#pragma once

#include "rtmp/error.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtmp::relay {

// http://host[:port]/target (no https: callbacks go to a local or trusted service).
struct HttpUrl {
  std::string host;
  std::string port = "80";
  std::string target = "/";
  static Result<HttpUrl> parse(std::string_view url);  // errc::invalid_argument
};

// name=value&... with RFC 3986 unreserved characters kept, ' ' as '+', the rest %XX.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

struct HttpResponse {
  unsigned status = 0;
  std::string body;  // at most 64 KiB (a longer body is an error)
};

// POSTs `body` as a form to `url` and reads the answer; never throws.
// Errors: errc::timeout (no complete answer within `timeout`), errc::io_error (resolve,
// connect, send or read failed, or an answer that is not HTTP), each with a detail naming the
// step and host.
boost::asio::awaitable<Result<HttpResponse>> http_post_form(HttpUrl url, std::string body,
                                                            std::chrono::milliseconds timeout);

}  // namespace rtmp::relay
