// HTTP auth callbacks, as nginx-rtmp's on_publish / on_play: before a publish or play is
// accepted, POST an application/x-www-form-urlencoded form (call, app, name, addr, clientid,
// tcurl — nginx-rtmp's field names — and protocol: rtmp, http-flv, ws-flv or hls) to a URL.
// A 2xx answer allows; any other status rejects with the response body as the description;
// no answer within the timeout, or a connection error, rejects too. Meant to answer a
// Handler's Decision::defer() through Session::resolve().
//
//   HttpAuth auth(ioc.get_executor(), {.on_publish = "http://127.0.0.1:8080/auth"});
//   if (auto r = auth.init(); !r) fail(r.error());
//   auth.check({"publish", "live", "key", "1.2.3.4:5678", "rtmp://h/live", 7},
//              [session](Decision d) { session->resolve(d); });
#pragma once

#include "relay/http_client.hpp"
#include "rtmp/core/session.hpp"
#include "rtmp/error.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtmp::relay {

struct HttpCallbacks {
  std::string on_publish;  // http://host[:port]/path; empty = no callback
  std::string on_play;
  std::chrono::milliseconds timeout{5000};  // connect + request + response
};

struct AuthRequest {
  std::string call;  // "publish" or "play"
  std::string app;
  std::string name;  // stream key as sent (query string kept)
  std::string addr;  // client address
  std::string tc_url;
  std::uint64_t client_id = 0;
  std::string protocol = {};  // "rtmp" when empty; "http-flv", "ws-flv", "hls"
};

class HttpAuth {
 public:
  HttpAuth(boost::asio::any_io_executor executor, HttpCallbacks callbacks);
  // Errors: invalid_argument (a URL that is not http://host[:port]/path).
  Result<void> init();
  // Whether a callback is configured for "publish" / "play".
  bool wants(std::string_view call) const noexcept;
  // Runs the callback for req.call; `done` gets the decision on the executor, exactly once.
  // Rejections carry the code NetStream.Publish.BadName (publish) or NetStream.Play.Failed.
  void check(AuthRequest req, std::function<void(Decision)> done) const;

 private:
  boost::asio::any_io_executor executor_;
  HttpCallbacks callbacks_;
  HttpUrl publish_url_, play_url_;
};

}  // namespace rtmp::relay
