#include "relay/http_auth.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>

namespace rtmp::relay {

namespace asio = boost::asio;

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
  auto res = co_await http_post_form(std::move(url), std::move(body), timeout);
  if (!res) co_return Decision::reject("auth callback: " + res.error().message(), code);
  if (res->status / 100 == 2) co_return Decision::accept();
  std::string why = std::move(res->body);
  while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
  if (why.empty()) why = "auth callback: HTTP " + std::to_string(res->status);
  co_return Decision::reject(std::move(why), code);
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
