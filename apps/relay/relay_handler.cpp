#include "relay/relay_handler.hpp"

#include <spdlog/spdlog.h>

namespace rtmp::relay {

RelayHandler::RelayHandler(Relay& relay) : relay_(relay) {
  ++relay_.connections_;
}

// The connection (and so this handler) is destroyed however it ends, also when the server
// stops before on_connect: the count never leaks.
RelayHandler::~RelayHandler() {
  --relay_.connections_;
}

Decision RelayHandler::on_connect(const ConnectInfo& info) {
  app_ = std::string(Relay::strip_query(info.app));
  if (app_.empty()) return Decision::reject("application name missing");
  caps_ = static_cast<const ConnectCaps&>(info);
  return Decision::accept();
}

Decision RelayHandler::on_publish(const PublishInfo& info) {
  if (publishing_)
    return Decision::reject("this connection already publishes", "NetStream.Publish.BadName");
  auto r = relay_.publish(session(), app_, info, Clock::now(), std::chrono::system_clock::now());
  if (r.decision.accepted) {
    publishing_ = std::move(r.stream);
    publish_stream_id_ = info.stream_id;
  }
  return r.decision;
}

Decision RelayHandler::on_play(const PlayInfo& info) {
  if (playing_) return Decision::reject("this connection already plays", "NetStream.Play.Failed");
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
  const std::string why = reason.message();
  if (publishing_) relay_.unpublish(publishing_, session()->id(), Clock::now(), why);
  if (playing_) relay_.leave(playing_, session()->id(), why);
  publishing_.reset();
  playing_.reset();
}

}  // namespace rtmp::relay
