// The client side as rtmp::Client drives it: what a (hostile) server sends after the
// handshake, through ClientSession (chunk stream, control, commands, onStatus, data,
// aggregates) and the Demuxer for played media.
// Input: byte 0 picks the flow (bit 0: play instead of publish, bit 1: issue the stream
// command before the handshake completes), byte 1 the feed piece size (0 = all at once);
// the rest is the server's chunk stream. The handshake (S0 S1 S2) is synthesized: the
// fuzzer's bytes go where a real server's messages go.
#include "rtmp/core/client_session.hpp"
#include "rtmp/media/demuxer.hpp"

#include <array>
#include <cstdlib>

namespace {

struct FuzzHandler : rtmp::ClientSessionHandler {
  rtmp::Demuxer demuxer;
  std::vector<rtmp::MediaEvent> events;
  bool media_failed = false;
  std::uint32_t stream_id = 0;

  void on_stream_created(std::uint32_t id) override { stream_id = id; }
  void on_status(std::uint32_t, const rtmp::amf::Value& info) override {
    // What Client does with every status: read level/code/description.
    for (const char* k : {"level", "code", "description"})
      if (const auto* v = info.get(k)) (void)v->as_string();
  }
  void on_command_error(const std::string&, const rtmp::amf::Value& info) override {
    if (const auto* v = info.get("code")) (void)v->as_string();
  }
  void on_media(const rtmp::Message& m) override {
    if (media_failed) return;
    events.clear();
    if (!demuxer.push(m, events)) media_failed = true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool play = data[0] & 1, early = data[0] & 2;
  std::size_t piece = data[1] ? data[1] : size;
  FuzzHandler handler;
  rtmp::SessionOptions options;
  options.random = [](std::span<std::uint8_t> out) {
    for (auto& b : out) b = 0x5A;
  };
  options.limits.max_message_length = 1 << 20;
  rtmp::ClientSession session(options, handler);
  rtmp::TimePoint now{};
  session.start(now);
  rtmp::ConnectParams params;
  params.app = "live";
  params.tc_url = "rtmp://127.0.0.1:1935/live";
  params.player = play;
  session.connect(params);
  session.create_stream();
  auto stream_command = [&] {
    if (play)
      session.play(1, "key");
    else
      session.publish(1, "key");
  };
  if (early) stream_command();

  // S0 (version 3), S1 and S2 of zeros: a simple handshake the client accepts.
  static const std::array<std::uint8_t, 1 + 2 * 1536> handshake = [] {
    std::array<std::uint8_t, 1 + 2 * 1536> h{};
    h[0] = 3;
    return h;
  }();
  if (!session.feed(handshake, now) || !session.handshake_done()) std::abort();
  if (!early) stream_command();
  session.output().consume(session.output().size());

  rtmp::ByteView in(data + 2, size - 2);
  while (!in.empty()) {
    auto n = std::min(piece, in.size());
    auto r = session.feed(in.first(n), now);
    in = in.subspan(n);
    session.output().consume(session.output().size());
    if (!r) break;
    if (handler.stream_id != 0 && !play) {
      // Publishing after the stream exists: sends interleave with what comes in.
      session.send_message(rtmp::Message{rtmp::csid::video, rtmp::msg::video, 40, handler.stream_id,
                                         rtmp::make_shared_bytes(rtmp::Bytes{0x17, 1, 0, 0, 0})});
    }
  }
  return 0;
}
