// --pull rtmp://origin/app: an edge. When a player asks for a key that is not live here,
// the stream is played from the origin (rtmp://origin/app/KEY, rtmp::Client) and published
// into the relay as if a local publisher had sent it; it stops when the origin's stream ends
// (UnpublishNotify, disconnect) or the last player leaves. Like nginx-rtmp's `pull`.
//
// Relay::stats() is polled from tick() to find waiting players; a failed pull is retried on
// a later tick after a back-off that doubles up to max_backoff.
//
// Thread safety: tick() and stop() from any thread; each pull runs on its own strand.
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

struct PullSource {
  std::string url;  // rtmp[s]://host[:port]/app; the stream key is appended
  std::string app;  // local application it serves; empty = any
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
};

class Puller {
 public:
  Puller(boost::asio::io_context& ioc, Relay& relay, std::vector<PullSource> sources);
  ~Puller();
  // Errors: invalid_argument (a URL that is not rtmp[s]://host/app).
  Result<void> init();
  void tick(TimePoint now);
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace rtmp::relay
