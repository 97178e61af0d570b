#include "relay/relay_handler.hpp"

#include <spdlog/spdlog.h>

namespace rtmp::relay {

RelayHandler::RelayHandler(Relay& relay) : relay_(relay) {
  ++relay_.connections_;
}

// The connection (and so this handler) is destroyed however it ends, also when the server
// stops before on_connect: the count never leaks.
RelayHandler::~RelayHandler() {
  std::lock_guard lock(auth_guard_->mutex);
  auth_guard_->alive = false;
  --relay_.connections_;
}

Decision RelayHandler::on_connect(const ConnectInfo& info) {
  app_ = std::string(Relay::strip_query(info.app));
  tc_url_ = info.tc_url;
  if (app_.empty()) return Decision::reject("application name missing");
  caps_ = static_cast<const ConnectCaps&>(info);
  return Decision::accept();
}

Decision RelayHandler::on_publish(const PublishInfo& info) {
  if (publishing_)
    return Decision::reject("this connection already publishes", "NetStream.Publish.BadName");
  if (const auto& auth = relay_.config().authorize) {
    auto s = session();
    RelayConfig::AuthQuery q{"publish", app_, info.key, s->remote_address(), tc_url_, s->id()};
    // The session holds the client's input until resolve(): nothing else runs meanwhile but
    // on_disconnect, which the guard excludes.
    if (auth(q, [this, guard = auth_guard_, s, info](Decision d) {
          std::lock_guard lock(guard->mutex);
          if (!guard->alive) return;
          if (d.accepted) d = publish_now(info);
          s->resolve(std::move(d));
        }))
      return Decision::defer();
  }
  return publish_now(info);
}

Decision RelayHandler::publish_now(const PublishInfo& info) {
  auto r = relay_.publish(session(), app_, info, Clock::now(), std::chrono::system_clock::now());
  if (r.decision.accepted) {
    publishing_ = std::move(r.stream);
    publish_stream_id_ = info.stream_id;
  }
  return r.decision;
}

Decision RelayHandler::on_play(const PlayInfo& info) {
  if (playing_) return Decision::reject("this connection already plays", "NetStream.Play.Failed");
  if (const auto& auth = relay_.config().authorize) {
    auto s = session();
    RelayConfig::AuthQuery q{"play", app_, info.name, s->remote_address(), tc_url_, s->id()};
    if (auth(q, [this, guard = auth_guard_, s, info](Decision d) {
          std::lock_guard lock(guard->mutex);
          if (!guard->alive) return;
          if (!d.accepted) {
            s->resolve(std::move(d));
            return;
          }
          // Play.Start first: the relay queues sequence headers and the GOP at once.
          s->resolve(Decision::accept());
          if (Decision r = play_now(info); !r.accepted) {
            s->send_status("error", r.code.empty() ? "NetStream.Play.Failed" : r.code,
                           r.description);
            s->close();
          }
        }))
      return Decision::defer();
  }
  return play_now(info);
}

Decision RelayHandler::play_now(const PlayInfo& info) {
  auto r = relay_.play(session(), app_, info, Clock::now(), &caps_);
  if (r.decision.accepted) {
    playing_ = std::move(r.stream);
    play_stream_id_ = info.stream_id;
  }
  return r.decision;
}

void RelayHandler::on_metadata(const amf::Value& data) {
  metadata_ = data;
}

void RelayHandler::on_message(const Message& m) {
  if (!publishing_ || m.stream_id != publish_stream_id_) return;
  if (metadata_ && (m.type == msg::data_amf0 || m.type == msg::data_amf3)) {
    publishing_->on_metadata(session()->id(), *metadata_, m.timestamp, Clock::now());
    metadata_.reset();
    return;
  }
  publishing_->on_message(session()->id(), m, Clock::now());
}

bool RelayHandler::on_delete_stream(std::uint32_t stream_id) {
  // A deferred play's answer may still be setting playing_ on another thread.
  std::lock_guard lock(auth_guard_->mutex);
  if (publishing_ && stream_id == publish_stream_id_) {
    relay_.unpublish(publishing_, session()->id(), Clock::now(), "stream deleted");
    publishing_.reset();
  }
  if (playing_ && stream_id == play_stream_id_) {
    relay_.leave(playing_, session()->id(), "stream deleted");
    playing_.reset();
  }
  return true;  // the client may publish or play again on this connection
}

void RelayHandler::on_disconnect(const Error& reason) {
  {
    std::lock_guard lock(auth_guard_->mutex);
    auth_guard_->alive = false;
  }
  const std::string why = reason.message();
  if (publishing_) relay_.unpublish(publishing_, session()->id(), Clock::now(), why);
  if (playing_) relay_.leave(playing_, session()->id(), why);
  publishing_.reset();
  playing_.reset();
}

}  // namespace rtmp::relay
