// The whole server session: handshake, chunk stream, commands, data and (demuxed) media.
// Input: byte 0 picks the handler's decisions (bit 0 reject connect, 1 reject publish,
// 2 reject play, 3 close on deleteStream), byte 1 the feed piece size (0 = all at once),
// the rest is what a client sends.
#include "rtmp/core/server_session.hpp"
#include "rtmp/media/demuxer.hpp"

#include <cstdlib>

namespace {

struct FuzzHandler : rtmp::ServerSessionHandler {
  std::uint8_t flags = 0;
  rtmp::Demuxer demuxer;
  std::vector<rtmp::MediaEvent> events;
  bool media_failed = false;

  rtmp::Decision on_connect(const rtmp::ConnectInfo&) override {
    return flags & 1 ? rtmp::Decision::reject("fuzz") : rtmp::Decision::accept();
  }
  rtmp::Decision on_publish(const rtmp::PublishInfo&) override {
    return flags & 2 ? rtmp::Decision::reject("fuzz") : rtmp::Decision::accept();
  }
  rtmp::Decision on_play(const rtmp::PlayInfo&) override {
    return flags & 4 ? rtmp::Decision::reject("fuzz") : rtmp::Decision::accept();
  }
  void on_media(const rtmp::Message& m) override {
    if (media_failed) return;
    events.clear();
    if (!demuxer.push(m, events)) media_failed = true;
  }
  bool on_delete_stream(std::uint32_t) override { return (flags & 8) == 0; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  FuzzHandler handler;
  handler.flags = data[0];
  std::size_t piece = data[1] ? data[1] : size;
  rtmp::SessionOptions options;
  options.random = [](std::span<std::uint8_t> out) {
    for (auto& b : out) b = 0x5A;
  };
  options.limits.max_message_length = 1 << 20;
  rtmp::ServerSession session(options, handler);
  rtmp::ByteView in(data + 2, size - 2);
  rtmp::TimePoint now{};
  while (!in.empty()) {
    auto n = std::min(piece, in.size());
    auto r = session.feed(in.first(n), now);
    in = in.subspan(n);
    // Drain output as a transport would.
    session.output().consume(session.output().size());
    if (!r) {
      if (!session.want_close()) std::abort();  // an error must close the session
      break;
    }
  }
  return 0;
}
