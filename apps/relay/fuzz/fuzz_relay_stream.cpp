// Drives a relay Stream with a byte-coded script of publishes, plays, leaves, messages
// (well-formed and garbage), metadata, pending-output figures, ticks, unpublishes and a
// shutdown, with fake sessions. Checks that nothing crashes and that what every player
// received decodes as a well-formed chunk stream of audio/video/data/user-control messages.
//
// Script: byte 0 and 1 pick the config, then one op per byte, each followed by its
// argument bytes (missing bytes read as 0):
//   0 publish P | 1 play S C | 2 leave I | 3 message K SIZE DT P | 4 metadata P |
//   5 pending I HI LO | 6 tick T | 7 unpublish P | 8 shutdown
#include "relay/stream.hpp"

#include "unit/relay/fake_session.hpp"
#include "unit/relay/media_builder.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace {

using namespace rtmp;
using namespace rtmp::relay;
using rtmp::relay::test::FakeSession;

struct Script {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos = 0;
  bool done() const { return pos >= size; }
  std::uint8_t next() { return pos < size ? data[pos++] : 0; }
};

void check_player(const FakeSession& s) {
  Bytes wire;
  ChunkEncoder enc(128);
  enc.encode(control::set_chunk_size(s.chunk), wire);
  for (const auto& e : s.encoded) wire.insert(wire.end(), e.chunks->begin(), e.chunks->end());
  ChunkDecoder dec;
  ByteView in(wire);
  while (!in.empty()) {
    auto step = dec.decode(in);
    if (!step) std::abort();  // the relay sent a malformed chunk stream
    in = in.subspan(step->consumed);
    if (step->message) {
      auto t = step->message->type;
      if (t != msg::set_chunk_size && t != msg::user_control && t != msg::audio &&
          t != msg::video && t != msg::data_amf0)
        std::abort();
    }
  }
}

Message make_message(std::uint8_t kind, std::uint8_t size, std::uint32_t ts, Script& sc) {
  namespace t = rtmp::relay::test;
  std::size_t n = std::size_t(size) * 16 + 1;
  switch (kind % 9) {
    case 0:
      return t::avc_config(ts);
    case 1:
      return t::avc_frame(ts, true, n);
    case 2:
      return t::avc_frame(ts, false, n);
    case 3:
      return t::aac_config(ts);
    case 4:
      return t::aac_frame(ts, n);
    case 5:
      return t::mp3_frame(ts, n);
    case 6:
      return make_data(
          1, {amf::Value("onTextData"), amf::Value::object({{"text", amf::Value("x")}})}, ts);
    default: {  // garbage audio or video bytes taken from the script
      Bytes body;
      for (std::size_t i = 0; i < size % 24; ++i) body.push_back(sc.next());
      return t::media(kind % 2 ? msg::video : msg::audio, ts, std::move(body));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  spdlog::set_level(spdlog::level::off);
  Script sc{data, size};
  RelayConfig config;
  std::uint8_t c0 = sc.next(), c1 = sc.next();
  config.gop.enabled = c0 & 1;
  config.gop.max_bytes = 2000 + std::size_t(c1) * 100;
  config.gop.max_ms = 500 + std::uint32_t(c1) * 10;
  static const std::optional<std::chrono::milliseconds> waits[] = {
      std::nullopt, std::chrono::milliseconds(0), std::chrono::milliseconds(500),
      std::chrono::milliseconds(5000)};
  config.wait_for_publisher = waits[(c0 >> 1) & 3];
  config.player_queue_bytes = 1000 + std::size_t(c1) * 1000;
  config.player_queue_ms = 100 + std::uint32_t(c1) * 20;
  config.slow_player_timeout = std::chrono::milliseconds(200 + (c0 >> 3) * 100);

  Stream stream("live", "key", config);
  std::vector<std::shared_ptr<FakeSession>> publishers, players;
  for (std::uint64_t i = 0; i < 3; ++i)
    publishers.push_back(std::make_shared<FakeSession>(100 + i));
  TimePoint now{};
  std::uint32_t ts = 0;
  std::uint64_t next_id = 1;
  bool stopped = false;
  while (!sc.done() && !stopped) {
    switch (sc.next() % 9) {
      case 0:
        stream.publish(publishers[sc.next() % 3], 1, now, nullptr);
        break;
      case 1: {
        std::uint32_t sid = 1 + sc.next() % 3;
        static const std::uint32_t chunks[] = {128, 4096, 65536, 200};
        auto p = std::make_shared<FakeSession>(next_id++, chunks[sc.next() % 4]);
        if (stream.play(p, sid, now).accepted) players.push_back(p);
        break;
      }
      case 2:
        if (!players.empty()) stream.leave(players[sc.next() % players.size()]->id(), "fuzz");
        break;
      case 3: {
        std::uint8_t kind = sc.next(), sz = sc.next(), dt = sc.next(), pub = sc.next();
        ts += dt == 255 ? 0xFFFFFF00u : dt * 10u;  // 255: a jump across the 2^32 wrap
        stream.on_message(publishers[pub % 3]->id(), make_message(kind, sz, ts, sc), now);
        break;
      }
      case 4:
        stream.on_metadata(publishers[sc.next() % 3]->id(), rtmp::relay::test::metadata(), ts, now);
        break;
      case 5:
        if (!players.empty()) {
          auto& p = players[sc.next() % players.size()];
          std::size_t hi = sc.next(), lo = sc.next();
          p->pending = hi << 16 | lo << 8;
        }
        break;
      case 6:
        now += std::chrono::milliseconds(sc.next() * 50);
        stream.tick(now);
        break;
      case 7:
        stream.unpublish(publishers[sc.next() % 3]->id(), now, "fuzz");
        break;
      case 8:
        stream.shutdown("fuzz");
        stopped = true;
        break;
    }
  }
  (void)stream.stats(now);
  for (const auto& p : players) check_player(*p);
  return 0;
}
