// The relay: streams by app + key, publish auth (key file), connection limit, recording
// setup, and the rtmp::Handler factory that ties rtmp::Server sessions to it.
//
//   rtmp::relay::Relay relay(config);
//   if (auto r = relay.init(); !r) fail(r.error());     // loads the key file
//   rtmp::ServerOptions opts;
//   opts.demux = false;                                   // raw messages: relayed as received
//   opts.handler = relay.handler_factory();
//   auto server = rtmp::Server::start(std::move(opts));
//   ... every ~250 ms: relay.tick(rtmp::Clock::now());
//   ... to stop: relay.shutdown("server stopping"); wait for sessions; server->stop();
//
// Routing: a stream is "app/key" with any query string ("?token=...") cut from both, so
// rtmp://host/live/key and rtmp://host/live/key?x=1 are the same stream.
//
// Thread safety: every public member may be called from any thread. Lock order: the
// registry's mutex, then a stream's.
#pragma once

#include "relay/config.hpp"
#include "relay/key_file.hpp"
#include "relay/stats.hpp"
#include "relay/stream.hpp"
#include "rtmp/server.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::relay {

class Relay {
 public:
  explicit Relay(RelayConfig config);
  ~Relay();

  // Loads the publish key file, if configured. Errors: errc::io_error.
  Result<void> init();
  // Re-reads the key file (e.g. on SIGHUP); the old keys stay on error.
  Result<void> reload_keys();

  struct Joined {
    Decision decision;
    std::shared_ptr<Stream> stream;  // set when accepted
  };
  Joined publish(const std::shared_ptr<Session>& session, std::string_view app,
                 const PublishInfo& info, TimePoint now,
                 std::chrono::system_clock::time_point wall_now);
  // `caps`: the player's connect caps (see Stream::play; null: a relay-internal player).
  Joined play(const std::shared_ptr<Session>& session, std::string_view app, const PlayInfo& info,
              TimePoint now, const ConnectCaps* caps = nullptr);
  // The publisher / a player of `stream` is gone; forgets the stream once unused.
  void unpublish(const std::shared_ptr<Stream>& stream, std::uint64_t session_id, TimePoint now,
                 std::string_view reason);
  void leave(const std::shared_ptr<Stream>& stream, std::uint64_t session_id,
             std::string_view reason);

  void tick(TimePoint now);
  // Every player gets StreamEOF + UnpublishNotify and is closed after it is written;
  // publishers are closed; recordings are closed. New publishes and plays are refused.
  void shutdown(std::string_view reason);

  std::vector<StreamStats> stats(TimePoint now, bool with_players = true) const;
  std::size_t stream_count() const;
  // Operator kicks (see Stream::kick_publisher / kick): the publisher of app/key, or the
  // publisher or player with this session id. nullopt / false when there is none.
  std::optional<std::uint64_t> kick_publisher(std::string_view app, std::string_view key,
                                              std::string_view reason);
  bool kick_session(std::uint64_t session_id, std::string_view reason);
  const RelayConfig& config() const noexcept { return config_; }

  // Makes one RelayHandler per connection (refuses connections past max_connections).
  HandlerFactory handler_factory();
  std::size_t connections() const noexcept { return connections_.load(); }

  // "live/key" from the app and stream name as sent (query strings cut).
  static std::string stream_path(std::string_view app, std::string_view name);
  static std::string_view strip_query(std::string_view s) { return s.substr(0, s.find('?')); }

 private:
  friend class RelayHandler;
  std::shared_ptr<Stream> find_or_create(const std::string& path, std::string_view app,
                                         std::string_view key);
  void forget_if_unused(const std::shared_ptr<Stream>& stream);

  const RelayConfig config_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Stream>, std::less<>> streams_;
  std::shared_ptr<const KeyFile> keys_;  // null: no key file
  bool stopping_ = false;
  std::atomic<std::size_t> connections_{0};
};

}  // namespace rtmp::relay
