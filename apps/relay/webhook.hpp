// Webhooks for the ends of things, as nginx-rtmp's on_publish_done / on_play_done /
// on_record_done: each DoneEvent is POSTed as an application/x-www-form-urlencoded form
// (DoneEvent::form()) to the URL configured for its call.
//
// Posts leave the media path at once: post() only appends to a bounded queue per call
// (a full queue drops the event, logged and counted) and wakes that queue's senders on the
// executor. A post is tried again after a connection error, a timeout or a non-2xx answer,
// waiting backoff, 2 x backoff, 4 x backoff, ... between tries. Each call has its own queue
// and senders, so a hanging or failing receiver delays only its own hooks, never media or the
// other calls' hooks; every try ends within `timeout`.
//
//   auto hooks = std::make_shared<Webhooks>(ioc.get_executor(), WebhookConfig{...});
//   if (auto r = hooks->init(); !r) fail(r.error());
//   relay_config.on_done = [hooks](DoneEvent e) { hooks->post(std::move(e)); };
//
// Thread safety: post() and the counters may be called from any thread. Senders hold a
// shared_ptr to the Webhooks: keep it in a shared_ptr, and run the executor until they end.
#pragma once

#include "relay/http_client.hpp"
#include "relay/webhook_event.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace rtmp::relay {

struct WebhookConfig {
  std::string on_publish_done = {};  // http://host[:port]/path; empty = no hook
  std::string on_play_done = {};
  std::string on_record_done = {};
  std::chrono::milliseconds timeout{5000};  // per try: connect + request + response
  unsigned retries = 3;                     // tries after the first
  std::chrono::milliseconds backoff{1000};  // before the first retry; doubles each time
  std::size_t queue_limit = 1000;           // waiting events per call
  std::size_t senders = 2;                  // posts in flight per call
};

class Webhooks : public std::enable_shared_from_this<Webhooks> {
 public:
  Webhooks(boost::asio::any_io_executor executor, WebhookConfig config);
  // Errors: invalid_argument (a URL that is not http://host[:port]/path).
  Result<void> init();
  bool wants(std::string_view call) const noexcept;
  // Queues the event for its call's URL; false when no hook is set for it or its queue is
  // full. Never blocks.
  bool post(DoneEvent event);

  // Refuses later posts, then waits up to `drain` for the queued ones to be sent (the
  // executor must be running on other threads meanwhile). Call before the executor stops.
  void stop(std::chrono::milliseconds drain);

  std::uint64_t delivered() const noexcept { return delivered_; }  // answered 2xx
  std::uint64_t failed() const noexcept { return failed_; }        // every try failed
  std::uint64_t dropped() const noexcept { return dropped_; }      // queue full

 private:
  struct Lane {
    std::string call;
    std::string url_text;
    HttpUrl url;
    std::mutex mutex;
    std::deque<DoneEvent> queue;
    std::size_t active = 0;  // senders running
  };
  Lane* lane(std::string_view call) noexcept;
  void start_sender(Lane& lane);
  // Sends the lane's events until its queue is empty. `self` keeps this alive meanwhile.
  boost::asio::awaitable<void> sender(std::shared_ptr<Webhooks> self, Lane& lane);
  boost::asio::awaitable<bool> send_one(const Lane& lane, const DoneEvent& event);

  boost::asio::any_io_executor executor_;
  WebhookConfig config_;
  std::array<Lane, 3> lanes_;
  std::atomic<std::uint64_t> delivered_{0}, failed_{0}, dropped_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace rtmp::relay
