// A recording rtmp::Session for relay tests: what the relay sent to a player or publisher,
// with the pending-output figure under the test's control.
#pragma once

#include "rtmp/core/chunk.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/core/control.hpp"
#include "rtmp/handler.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rtmp::relay::test {

class FakeSession final : public Session {
 public:
  struct Encoded {
    SharedBytes chunks;
    Message header;
  };
  // One entry per call, in order: "media 9 40" (type, timestamp), "control 1" (user
  // control event), "status NetStream.Play.UnpublishNotify", "close", "abort".
  std::vector<std::string> log;
  std::vector<Encoded> encoded;
  std::vector<std::string> descriptions;  // of each send_status, in order
  std::atomic<std::size_t> pending{0};
  std::uint32_t chunk = 4096;
  bool closed = false, aborted = false;

  explicit FakeSession(std::uint64_t id, std::uint32_t chunk_size = 4096)
      : chunk(chunk_size), id_(id), addr_("127.0.0.1:" + std::to_string(40000 + id)) {}

  void send_codec(const Codec&) override { log.push_back("codec"); }
  void send_video(const VideoSample&) override { log.push_back("video"); }
  void send_audio(const AudioSample&) override { log.push_back("audio"); }
  void send_metadata(const amf::Value&) override { log.push_back("metadata"); }
  void send_message(const Message& m) override {
    log.push_back("message " + std::to_string(m.type));
  }
  void send_status(std::string_view, std::string_view code, std::string_view desc) override {
    std::lock_guard l(mutex_);
    log.push_back("status " + std::string(code));
    descriptions.emplace_back(desc);
  }
  void send_encoded(SharedBytes chunks, const Message& header) override {
    std::lock_guard l(mutex_);
    if (header.type == msg::user_control) {
      auto uc = control::parse_user_control(header.data());
      log.push_back("control " + std::to_string(uc ? static_cast<int>(uc->event) : -1) + " " +
                    std::to_string(uc ? uc->value : 0));
    } else {
      log.push_back("media " + std::to_string(header.type) + " " +
                    std::to_string(header.timestamp));
    }
    encoded.push_back({std::move(chunks), header});
  }
  std::uint32_t chunk_size() const noexcept override { return chunk; }
  std::uint32_t play_stream_id() const noexcept override { return 1; }
  void resolve(Decision d) override {
    log.push_back(d.accepted ? "resolve accept" : "resolve reject");
  }
  void close() override {
    log.push_back("close");
    closed = true;
  }
  void abort(const Error&) override {
    log.push_back("abort");
    aborted = true;
  }
  std::uint64_t id() const noexcept override { return id_; }
  const std::string& remote_address() const noexcept override { return addr_; }
  std::size_t pending_output() const noexcept override { return pending.load(); }

  // Log entries starting with `prefix`.
  std::vector<std::string> only(std::string_view prefix) const {
    std::vector<std::string> out;
    for (const auto& e : log)
      if (e.rfind(prefix, 0) == 0) out.push_back(e);
    return out;
  }
  std::size_t sent_bytes() const {
    std::size_t n = 0;
    for (const auto& e : encoded) n += e.chunks->size();
    return n;
  }
  void clear() {
    log.clear();
    encoded.clear();
  }
  // Decodes everything sent with send_encoded, in order, as a player's chunk decoder would
  // (after the Set Chunk Size the server sends at connect).
  std::vector<Message> decode() const {
    Bytes wire;
    ChunkEncoder enc(128);
    enc.encode(control::set_chunk_size(chunk), wire);
    for (const auto& e : encoded) wire.insert(wire.end(), e.chunks->begin(), e.chunks->end());
    ChunkDecoder dec;
    std::vector<Message> out;
    ByteView in(wire);
    while (!in.empty()) {
      auto step = dec.decode(in);
      if (!step) {
        out.clear();
        return out;
      }
      in = in.subspan(step->consumed);
      if (step->message && step->message->type != msg::set_chunk_size)
        out.push_back(*step->message);
    }
    return out;
  }

 private:
  std::mutex mutex_;
  std::uint64_t id_;
  std::string addr_;
};

}  // namespace rtmp::relay::test
