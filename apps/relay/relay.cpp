#include "relay/relay.hpp"

#include "relay/relay_handler.hpp"

#include <spdlog/spdlog.h>

namespace rtmp::relay {

Relay::Relay(RelayConfig config) : config_(std::move(config)) {}

Relay::~Relay() = default;

Result<void> Relay::init() {
  if (config_.publish_key_file.empty()) return {};
  return reload_keys();
}

Result<void> Relay::reload_keys() {
  if (config_.publish_key_file.empty()) return {};
  auto k = KeyFile::load(config_.publish_key_file);
  if (!k) return k.error();
  spdlog::info("relay: {} publish keys from {}", k->size(), config_.publish_key_file.string());
  auto shared = std::make_shared<const KeyFile>(std::move(*k));
  std::lock_guard lock(mutex_);
  keys_ = std::move(shared);
  return {};
}

std::string Relay::stream_path(std::string_view app, std::string_view name) {
  std::string path(strip_query(app));
  path += '/';
  path += strip_query(name);
  return path;
}

std::shared_ptr<Stream> Relay::find_or_create(const std::string& path, std::string_view app,
                                              std::string_view key) {
  auto it = streams_.find(path);
  if (it != streams_.end()) return it->second;
  auto s = std::make_shared<Stream>(std::string(app), std::string(key), config_);
  streams_.emplace(path, s);
  return s;
}

Relay::Joined Relay::publish(const std::shared_ptr<Session>& session, std::string_view app,
                             const PublishInfo& info, TimePoint now,
                             std::chrono::system_clock::time_point wall_now) {
  const std::string_view a = strip_query(app), key = strip_query(info.key);
  if (key.empty()) return {Decision::reject("empty stream key", "NetStream.Publish.BadName"), {}};
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return {Decision::reject("server stopping", "NetStream.Publish.BadName"), {}};
    if (keys_ && !keys_->allows(a, key)) {
      spdlog::warn("relay: publish rejected app={} key={} session={} remote={}: key not allowed", a,
                   key, session->id(), session->remote_address());
      return {Decision::reject("publish key not allowed", "NetStream.Publish.BadName"), {}};
    }
    stream = find_or_create(stream_path(a, key), a, key);
  }
  std::unique_ptr<Recorder> rec;
  if (!config_.record_dir.empty() && !stream->live()) {
    RecordOptions options = config_.record;
    options.flush = config_.record_flush;
    if (config_.on_done)
      options.on_done = [sink = config_.on_done, addr = std::string(session->remote_address()),
                         id = session->id()](const RecordDone& d) {
        sink({.call = "record_done",
              .app = d.app,
              .name = d.key,
              .addr = addr,
              .client_id = id,
              .duration_ms = d.duration_ms,
              .bytes = d.bytes,
              .frames = d.frames,
              .path = d.path.string(),
              .error = d.error});
      };
    auto r = Recorder::open(config_.record_dir, a, key, wall_now, now, std::move(options));
    if (r)
      rec = std::move(*r);
    else
      spdlog::error("relay: {}; publishing without recording", r.error().message());
  }
  Decision d = stream->publish(session, info.stream_id, now, std::move(rec));
  if (!d.accepted) {
    forget_if_unused(stream);
    return {d, {}};
  }
  return {d, stream};
}

Relay::Joined Relay::play(const std::shared_ptr<Session>& session, std::string_view app,
                          const PlayInfo& info, TimePoint now, const ConnectCaps* caps) {
  const std::string_view a = strip_query(app), key = strip_query(info.name);
  if (key.empty())
    return {Decision::reject("empty stream name", "NetStream.Play.StreamNotFound"), {}};
  std::lock_guard lock(mutex_);
  if (stopping_) return {Decision::reject("server stopping", "NetStream.Play.StreamNotFound"), {}};
  auto stream = find_or_create(stream_path(a, key), a, key);
  // Under the registry lock, so the stream cannot be forgotten between lookup and join.
  Decision d =
      stream->play(session, info.stream_id, now, config_.enforce_player_caps ? caps : nullptr);
  if (!d.accepted) {
    if (stream->unused()) streams_.erase(stream_path(a, key));
    return {d, {}};
  }
  return {d, stream};
}

void Relay::forget_if_unused(const std::shared_ptr<Stream>& stream) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream_path(stream->app(), stream->key()));
  if (it != streams_.end() && it->second == stream && stream->unused()) streams_.erase(it);
}

void Relay::unpublish(const std::shared_ptr<Stream>& stream, std::uint64_t session_id,
                      TimePoint now, std::string_view reason) {
  stream->unpublish(session_id, now, reason);
  forget_if_unused(stream);
}

void Relay::leave(const std::shared_ptr<Stream>& stream, std::uint64_t session_id,
                  std::string_view reason) {
  stream->leave(session_id, reason);
  forget_if_unused(stream);
}

void Relay::tick(TimePoint now) {
  std::vector<std::shared_ptr<Stream>> all;
  {
    std::lock_guard lock(mutex_);
    all.reserve(streams_.size());
    for (auto& [path, s] : streams_) all.push_back(s);
  }
  for (auto& s : all) {
    s->tick(now);
    if (s->unused()) forget_if_unused(s);
  }
}

void Relay::shutdown(std::string_view reason) {
  std::vector<std::shared_ptr<Stream>> all;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [path, s] : streams_) all.push_back(s);
    streams_.clear();
  }
  for (auto& s : all) s->shutdown(reason);
}

std::vector<StreamStats> Relay::stats(TimePoint now, bool with_players) const {
  std::vector<std::shared_ptr<Stream>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [path, s] : streams_) all.push_back(s);
  }
  std::vector<StreamStats> out;
  out.reserve(all.size());
  for (auto& s : all) out.push_back(s->stats(now, with_players));
  return out;
}

std::optional<std::uint64_t> Relay::kick_publisher(std::string_view app, std::string_view key,
                                                   std::string_view reason) {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard lock(mutex_);
    auto it = streams_.find(stream_path(app, key));
    if (it == streams_.end()) return std::nullopt;
    stream = it->second;
  }
  const std::uint64_t id = stream->kick_publisher(reason);
  return id ? std::optional(id) : std::nullopt;
}

bool Relay::kick_session(std::uint64_t session_id, std::string_view reason) {
  std::vector<std::shared_ptr<Stream>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [path, s] : streams_) all.push_back(s);
  }
  for (auto& s : all)
    if (s->kick(session_id, reason)) return true;
  return false;
}

std::size_t Relay::stream_count() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

HandlerFactory Relay::handler_factory() {
  return [this](const std::any&) -> std::unique_ptr<Handler> {
    if (config_.max_connections > 0 && connections_.load() >= config_.max_connections) {
      spdlog::warn("relay: connection refused: max-connections {} reached",
                   config_.max_connections);
      return nullptr;
    }
    return std::make_unique<RelayHandler>(*this);
  };
}

}  // namespace rtmp::relay
