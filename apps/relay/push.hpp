// --push rtmp://other/app: re-publishes every live stream (or those whose "app/key" matches
// a regex) to another RTMP server as rtmp://other/app/KEY, with reconnect and exponential
// back-off, using rtmp::Client. Origin–edge scale-out as nginx-rtmp's `push`.
//
// A push joins the relay as one more player (a Session that forwards what the relay queues
// for it to the client), so it gets metadata + sequence headers + the cached GOP first and
// falls under the relay's slow-player rules like any player. Relay::stats() is polled from
// tick() to find streams that went live; a push ends when its stream unpublishes and starts
// again on the next publish.
//
// Thread safety: tick() and stop() from any thread; each push runs on its own strand.
#pragma once

#include "relay/relay.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace rtmp::relay {

struct PushTarget {
  std::string url;      // rtmp[s]://host[:port]/app; the stream key is appended
  std::string pattern;  // ECMAScript regex matched against "app/key"; empty = every stream
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
};

class Pusher {
 public:
  Pusher(boost::asio::io_context& ioc, Relay& relay, std::vector<PushTarget> targets);
  ~Pusher();
  // Errors: invalid_argument (a URL that is not rtmp[s]://host/app, a bad regex).
  Result<void> init();
  void tick(TimePoint now);
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace rtmp::relay
