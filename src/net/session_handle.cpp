#include "net/session_handle.hpp"

#include "net/connection.hpp"
#include "net/connection_manager.hpp"
#include "rtmp/media/muxer.hpp"

namespace rtmp::net {

template <class F>
void SessionHandle::with_connection(F&& f) {
  ConnectionManager::HandleCall call(*manager_);
  if (!call.open()) return;
  if (auto c = conn_.lock()) f(*c);
}

void SessionHandle::send_codec(const Codec& codec) {
  // Legacy audio formats (MP3, PCM, G.711, ...) have no sequence header on the wire.
  if (!Muxer::has_wire_form(codec)) return;
  with_connection([&](Connection& c) {
    c.post("send_codec", [codec](Connection& k) { k.send(Muxer::mux(codec, 0)); });
  });
}

void SessionHandle::send_video(const VideoSample& sample) {
  with_connection([&](Connection& c) {
    c.post("send_video", [sample](Connection& k) { k.send(Muxer::mux(sample, 0)); });
  });
}

void SessionHandle::send_audio(const AudioSample& sample) {
  with_connection([&](Connection& c) {
    c.post("send_audio", [sample](Connection& k) { k.send(Muxer::mux(sample, 0)); });
  });
}

void SessionHandle::send_metadata(const amf::Value& metadata) {
  with_connection([&](Connection& c) {
    c.post("send_metadata", [metadata](Connection& k) {
      k.send(make_data(0, {amf::Value("onMetaData"), metadata}));
    });
  });
}

void SessionHandle::send_message(const Message& message) {
  with_connection([&](Connection& c) {
    c.post("send_message", [message](Connection& k) { k.send(message); });
  });
}

void SessionHandle::send_status(std::string_view level, std::string_view code,
                                std::string_view description) {
  with_connection([&](Connection& c) {
    c.post("send_status", [l = std::string(level), co = std::string(code),
                           d = std::string(description)](Connection& k) {
      if (auto sid = k.play_stream()) k.session().send_status(sid, l, co, d);
    });
  });
}

void SessionHandle::send_encoded(SharedBytes chunks, const Message& header) {
  with_connection([&](Connection& c) { c.push_encoded(std::move(chunks), header); });
}

std::uint32_t SessionHandle::chunk_size() const noexcept {
  return counters_->chunk_size.load();
}

std::uint32_t SessionHandle::play_stream_id() const noexcept {
  return counters_->play_stream_id.load();
}

void SessionHandle::resolve(Decision decision) {
  with_connection([&](Connection& c) {
    c.post("resolve",
           [d = std::move(decision)](Connection& k) mutable { k.resolve(std::move(d)); });
  });
}

void SessionHandle::close() {
  with_connection(
      [&](Connection& c) { c.post("close", [](Connection& k) { k.session().close(); }); });
}

void SessionHandle::abort(const Error& reason) {
  with_connection([&](Connection& c) { c.post_stop(reason); });
}

std::size_t SessionHandle::pending_output() const noexcept {
  return counters_->pending.load();
}

}  // namespace rtmp::net
