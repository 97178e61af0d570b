// The ServerSessionHandler side of a server Connection: session events go to the
// application's Handler (through the guard that turns a throw into a closed session), and
// publishers' media through the demuxer when demux is on.
#include "net/connection.hpp"
#include "net/log.hpp"

namespace rtmp::net {

namespace {
const Decision kHandlerFailed = Decision::reject("handler error");
}  // namespace

Decision Connection::on_connect(const ConnectInfo& info) {
  Decision d =
      call_handler_or("on_connect", kHandlerFailed, [&] { return handler_->on_connect(info); });
  if (guard_.failed()) return d;
  logging::info("session {} {}: connect app={} tcUrl={} flashVer={}{}", id_, remote_, info.app,
                info.tc_url, info.flash_ver, d.accepted ? "" : " rejected: " + d.description);
  if (!d.accepted && !d.deferred) close_reason_ = "connect rejected: " + d.description;
  return d;
}

Decision Connection::on_publish(const PublishInfo& info) {
  Decision d =
      call_handler_or("on_publish", kHandlerFailed, [&] { return handler_->on_publish(info); });
  // A new publish starts from fresh codec state and timestamps, as a new connection would.
  if (d.accepted) demuxer_.reset();
  if (guard_.failed()) return d;
  logging::info("session {} {}: publish key={} type={}{}", id_, remote_, info.key, info.type,
                d.accepted ? "" : " rejected: " + d.description);
  return d;
}

Decision Connection::on_play(const PlayInfo& info) {
  Decision d = call_handler_or("on_play", kHandlerFailed, [&] { return handler_->on_play(info); });
  if (d.accepted && !d.deferred && counters_->play_stream_id.load() == 0)
    counters_->play_stream_id.store(info.stream_id);
  if (guard_.failed()) return d;
  logging::info("session {} {}: play name={}{}", id_, remote_, info.name,
                d.accepted ? "" : " rejected: " + d.description);
  return d;
}

void Connection::on_metadata(std::uint32_t, const amf::Value& data, const Message& raw) {
  call_handler("on_metadata", [&] { handler_->on_metadata(data); });
  if (!demux_) call_handler("on_message", [&] { handler_->on_message(raw); });
}

void Connection::on_data(const Message& m, const std::vector<amf::Value>&) {
  if (!demux_) call_handler("on_message", [&] { handler_->on_message(m); });
}

void Connection::on_media(const Message& m) {
  if (!demux_) {
    call_handler("on_message", [&] { handler_->on_message(m); });
    return;
  }
  if (media_error_.code != errc::ok) return;
  if (!demuxer_) demuxer_ = std::make_unique<Demuxer>();
  demuxer_->recycle(events_);
  if (auto r = demuxer_->push(m, events_); !r) {
    // Closes this session after the current feed; what came before stays delivered.
    media_error_ = r.error();
    session_.close();
    return;
  }
  for (auto& e : events_) {
    if (auto* c = std::get_if<Codec>(&e))
      call_handler("on_codec", [&] { handler_->on_codec(*c); });
    else if (auto* v = std::get_if<VideoSample>(&e))
      call_handler("on_video", [&] { handler_->on_video(*v); });
    else if (auto* a = std::get_if<AudioSample>(&e))
      call_handler("on_audio", [&] { handler_->on_audio(*a); });
    else
      call_handler("on_media_event", [&] { handler_->on_media_event(e); });
  }
}

bool Connection::on_delete_stream(std::uint32_t stream_id) {
  logging::info("session {} {}: delete stream {}", id_, remote_, stream_id);
  bool keep = call_handler_or("on_delete_stream", true,
                              [&] { return handler_->on_delete_stream(stream_id); });
  if (stream_id == counters_->play_stream_id.load()) counters_->play_stream_id.store(0);
  if (!keep) close_reason_ = "stream deleted";
  return keep;
}

}  // namespace rtmp::net
