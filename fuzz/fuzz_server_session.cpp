// The whole server session: handshake, chunk stream, commands, data and (demuxed) media, with
// the handler's decisions, deferred answers, timers and sends to players chosen by the fuzzer.
// Input: byte 0 = T, then T bytes of choices (read through a FuzzedDataProvider: piece size,
// each callback's decision, the action after each piece; exhausted choices read as 0 =
// accept / nothing), then what the client sends.
#include "rtmp/core/server_session.hpp"
#include "rtmp/media/demuxer.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstdlib>

namespace {

struct FuzzHandler : rtmp::ServerSessionHandler {
  explicit FuzzHandler(FuzzedDataProvider& choices) : choices(choices) {}
  FuzzedDataProvider& choices;
  rtmp::Demuxer demuxer;
  std::vector<rtmp::MediaEvent> events;
  bool media_failed = false;

  rtmp::Decision decide() {
    switch (choices.ConsumeIntegralInRange<int>(0, 2)) {
      case 1:
        return rtmp::Decision::reject("fuzz");
      case 2:
        return rtmp::Decision::defer();
      default:
        return rtmp::Decision::accept();
    }
  }
  rtmp::Decision on_connect(const rtmp::ConnectInfo&) override { return decide(); }
  rtmp::Decision on_publish(const rtmp::PublishInfo&) override { return decide(); }
  rtmp::Decision on_play(const rtmp::PlayInfo&) override { return decide(); }
  void on_media(const rtmp::Message& m) override {
    if (media_failed) return;
    events.clear();
    if (!demuxer.push(m, events)) media_failed = true;
  }
  bool on_delete_stream(std::uint32_t) override { return !choices.ConsumeBool(); }
};

// What the application does between two pieces of input.
rtmp::Result<void> act(FuzzedDataProvider& choices, rtmp::ServerSession& session,
                       rtmp::TimePoint& now) {
  switch (choices.ConsumeIntegralInRange<int>(0, 5)) {
    case 1:  // time passes: handshake and idle timers
      now += std::chrono::milliseconds(choices.ConsumeIntegralInRange<int>(0, 120'000));
      return session.on_deadline(now);
    case 2:  // a deferred decision is answered
      if (!session.decision_pending()) return {};
      return session.resolve(choices.ConsumeBool() ? rtmp::Decision::accept()
                                                   : rtmp::Decision::reject("fuzz later"));
    case 3:  // media to the streams this session plays
      for (const auto& [id, info] : session.playing()) {
        rtmp::Message m;
        m.csid = rtmp::csid::video;
        m.type = rtmp::msg::video;
        m.stream_id = id;
        m.timestamp = choices.ConsumeIntegral<std::uint32_t>();
        m.payload = rtmp::make_shared_bytes(
            rtmp::Bytes(choices.ConsumeIntegralInRange<std::size_t>(0, 70'000), 0x17));
        session.send_message(m);
      }
      return {};
    case 4:
      session.send_status(choices.ConsumeIntegral<std::uint8_t>(), "status",
                          "NetStream.Play.UnpublishNotify", "fuzz");
      session.send_reconnect_request();
      return {};
    case 5:  // the transport writes only part of the output
      session.output().consume(
          std::min<std::size_t>(session.output().size(), choices.ConsumeIntegral<std::uint16_t>()));
      return {};
    default:
      return {};
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t t = std::min<std::size_t>(data[0], size - 1);
  FuzzedDataProvider choices(data + 1, t);
  rtmp::ByteView in(data + 1 + t, size - 1 - t);
  FuzzHandler handler(choices);
  std::size_t piece = choices.ConsumeIntegral<std::uint8_t>();
  if (piece == 0) piece = in.size() ? in.size() : 1;
  rtmp::SessionOptions options;
  options.random = [](std::span<std::uint8_t> out) {
    for (auto& b : out) b = 0x5A;
  };
  options.limits.max_message_length = 1 << 20;
  rtmp::ServerSession session(options, handler);
  rtmp::TimePoint now{};
  while (!in.empty()) {
    auto n = std::min(piece, in.size());
    auto r = session.feed(in.first(n), now);
    in = in.subspan(n);
    if (r) r = act(choices, session, now);
    if (!r) {
      if (!session.want_close()) std::abort();  // an error must close the session
      break;
    }
    // Output is bounded by what the session queued; a transport drains it eventually.
    if (session.output().size() > (8u << 20)) session.output().consume(session.output().size());
  }
  return 0;
}
