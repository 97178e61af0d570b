#include "relay/webhook.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>

#include <cstdio>
#include <thread>

namespace rtmp::relay {

namespace asio = boost::asio;

std::vector<std::pair<std::string, std::string>> DoneEvent::form() const {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%llu.%03llu",
                static_cast<unsigned long long>(duration_ms / 1000),
                static_cast<unsigned long long>(duration_ms % 1000));
  std::vector<std::pair<std::string, std::string>> f{{"call", call},
                                                     {"app", app},
                                                     {"name", name},
                                                     {"addr", addr},
                                                     {"clientid", std::to_string(client_id)},
                                                     {"duration", seconds},
                                                     {"bytes", std::to_string(bytes)},
                                                     {"frames", std::to_string(frames)}};
  if (call == "record_done") {
    f.emplace_back("path", path);
    if (!error.empty()) f.emplace_back("error", error);
  }
  return f;
}

Webhooks::Webhooks(asio::any_io_executor executor, WebhookConfig config)
    : executor_(std::move(executor)), config_(std::move(config)) {
  lanes_[0].call = "publish_done";
  lanes_[0].url_text = config_.on_publish_done;
  lanes_[1].call = "play_done";
  lanes_[1].url_text = config_.on_play_done;
  lanes_[2].call = "record_done";
  lanes_[2].url_text = config_.on_record_done;
}

Result<void> Webhooks::init() {
  for (auto& l : lanes_) {
    if (l.url_text.empty()) continue;
    auto u = HttpUrl::parse(l.url_text);
    if (!u) return u.error();
    l.url = *u;
  }
  return {};
}

Webhooks::Lane* Webhooks::lane(std::string_view call) noexcept {
  for (auto& l : lanes_)
    if (l.call == call) return &l;
  return nullptr;
}

bool Webhooks::wants(std::string_view call) const noexcept {
  for (const auto& l : lanes_)
    if (l.call == call) return !l.url_text.empty();
  return false;
}

bool Webhooks::post(DoneEvent event) {
  Lane* l = lane(event.call);
  if (!l || l->url_text.empty() || stopped_) return false;
  {
    std::lock_guard lock(l->mutex);
    if (l->queue.size() >= config_.queue_limit) {
      ++dropped_;
      spdlog::warn("webhook: {} queue full ({} waiting): dropped app={} name={}", l->call,
                   l->queue.size(), event.app, event.name);
      return false;
    }
    l->queue.push_back(std::move(event));
    if (l->active >= std::max<std::size_t>(1, config_.senders)) return true;
    ++l->active;
  }
  start_sender(*l);
  return true;
}

void Webhooks::stop(std::chrono::milliseconds drain) {
  stopped_ = true;
  const auto until = std::chrono::steady_clock::now() + drain;
  for (auto& l : lanes_) {
    for (;;) {
      {
        std::lock_guard lock(l.mutex);
        if (l.queue.empty() && l.active == 0) break;
      }
      if (std::chrono::steady_clock::now() >= until) {
        spdlog::warn("webhook: {}: stopping with posts unsent", l.call);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

void Webhooks::start_sender(Lane& l) {
  // Posted, not spawned here: co_spawn may start the coroutine inline, and the caller holds
  // the relay's locks.
  asio::post(executor_, [self = shared_from_this(), &l] {
    asio::co_spawn(asio::make_strand(self->executor_), self->sender(self, l), asio::detached);
  });
}

asio::awaitable<void> Webhooks::sender(std::shared_ptr<Webhooks>, Lane& l) {
  for (;;) {
    DoneEvent event;
    {
      std::lock_guard lock(l.mutex);
      if (l.queue.empty()) {
        --l.active;
        co_return;
      }
      event = std::move(l.queue.front());
      l.queue.pop_front();
    }
    if (co_await send_one(l, event))
      ++delivered_;
    else
      ++failed_;
  }
}

asio::awaitable<bool> Webhooks::send_one(const Lane& l, const DoneEvent& event) {
  const std::string body = form_encode(event.form());
  auto wait = config_.backoff;
  for (unsigned attempt = 0;; ++attempt) {
    auto r = co_await http_post_form(l.url, body, config_.timeout);
    if (r && r->status / 100 == 2) {
      spdlog::info("webhook: {} app={} name={} delivered to {} (HTTP {}, try {})", l.call,
                   event.app, event.name, l.url_text, r->status, attempt + 1);
      co_return true;
    }
    const std::string why = r ? "HTTP " + std::to_string(r->status) : r.error().message();
    if (attempt >= config_.retries) {
      spdlog::error("webhook: {} app={} name={} to {} failed after {} tries: {}", l.call, event.app,
                    event.name, l.url_text, attempt + 1, why);
      co_return false;
    }
    spdlog::warn("webhook: {} app={} name={} to {}: {}; retry in {} ms", l.call, event.app,
                 event.name, l.url_text, why, wait.count());
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    wait *= 2;
  }
}

}  // namespace rtmp::relay
