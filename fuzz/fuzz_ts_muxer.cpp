// rtmp::ts::Muxer fed arbitrary codec configs and samples, then its output re-parsed by a
// small TS walker: whole 188-byte packets with the sync byte, known PIDs, adaptation fields
// that fit, continuity counters +1 mod 16 per PID on payload packets (repeated on PCR-only
// ones), PAT/PMT CRCs that check, and every PES starting with a start code. Any violation
// aborts.
#include "media/ts_packetizer.hpp"
#include "rtmp/media/ts_muxer.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>

namespace {

using rtmp::Bytes;
using rtmp::ByteView;
using rtmp::CodecId;

void check(bool ok) {
  if (!ok) std::abort();
}

// Bytes that live as long as the run: configs and samples point into them.
struct Arena {
  std::vector<Bytes> blocks;
  ByteView take(FuzzedDataProvider& in, std::size_t max) {
    blocks.push_back(in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, max)));
    return blocks.back();
  }
};

rtmp::Codec video_codec(FuzzedDataProvider& in, Arena& arena) {
  rtmp::Codec c;
  c.type = rtmp::TrackType::video;
  c.id = in.PickValueInArray({CodecId::h264, CodecId::h265, CodecId::av1});
  const auto nal_length = in.PickValueInArray<std::uint8_t>({1, 2, 3, 4, 0, 5});
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0:  // a raw record for set_codec to parse
      c.config = arena.take(in, 64);
      break;
    case 1:
      if (c.id == CodecId::h264) {
        rtmp::AvcConfig a;
        a.nal_length_size = nal_length;
        for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
          a.sps.push_back(arena.take(in, 40));
        for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
          a.pps.push_back(arena.take(in, 16));
        c.details = a;
      } else {
        rtmp::HevcConfig h;
        h.nal_length_size = nal_length;
        for (int n = in.ConsumeIntegralInRange(0, 4); n > 0; --n)
          h.arrays.push_back({true, in.ConsumeIntegral<std::uint8_t>(), {arena.take(in, 40)}});
        c.details = h;
      }
      break;
    default:
      break;  // no details, no config
  }
  return c;
}

rtmp::Codec audio_codec(FuzzedDataProvider& in, Arena& arena) {
  rtmp::Codec c;
  c.type = rtmp::TrackType::audio;
  c.id = in.PickValueInArray({CodecId::aac, CodecId::mp3, CodecId::mp3_8k, CodecId::opus});
  if (c.id == CodecId::aac && in.ConsumeBool()) {
    rtmp::AacConfig a;
    a.object_type = in.ConsumeIntegralInRange<std::uint8_t>(0, 45);
    a.core_object_type = in.ConsumeIntegralInRange<std::uint8_t>(0, 5);
    a.sampling_index = in.ConsumeIntegralInRange<std::uint8_t>(0, 15);
    a.sample_rate = in.PickValueInArray<std::uint32_t>({0, 7350, 22050, 44100, 48000, 12345});
    a.channel_config = in.ConsumeIntegralInRange<std::uint8_t>(0, 8);
    c.details = a;
  } else if (c.id == CodecId::aac) {
    c.config = arena.take(in, 8);
  } else {
    c.details = rtmp::LegacyAudio::from_byte(in.ConsumeIntegral<std::uint8_t>());
  }
  return c;
}

// Walks the output; `cc` keeps each PID's last continuity counter across calls.
struct Walker {
  std::array<std::optional<std::uint8_t>, 8192> cc{};

  void section(const std::uint8_t* payload, std::size_t size) {
    check(size > 1 && payload[0] == 0);  // pointer_field
    const std::uint8_t* s = payload + 1;
    const std::size_t len = std::size_t(s[1] & 0x0F) << 8 | s[2];
    check(len >= 9 && 3 + len <= size - 1);
    check(rtmp::ts::crc32_mpeg(ByteView(s, 3 + len)) == 0);
  }

  void walk(const Bytes& out) {
    check(out.size() % rtmp::ts::packet_size == 0);
    for (std::size_t off = 0; off < out.size(); off += rtmp::ts::packet_size) {
      const std::uint8_t* p = out.data() + off;
      check(p[0] == rtmp::ts::sync_byte);
      const bool start = p[1] & 0x40;
      const std::uint16_t pid = static_cast<std::uint16_t>((p[1] & 0x1F) << 8 | p[2]);
      check(pid == rtmp::ts::pat_pid || pid == rtmp::ts::pmt_pid || pid == rtmp::ts::video_pid ||
            pid == rtmp::ts::audio_pid);
      const int afc = p[3] >> 4 & 3;
      check(afc != 0);
      const std::uint8_t counter = p[3] & 0x0F;
      // Only packets with payload advance the counter; the others repeat it.
      if (cc[pid]) check(counter == ((*cc[pid] + ((afc & 1) ? 1 : 0)) & 0x0F));
      cc[pid] = counter;
      if (afc == 2) {  // only PCR-only packets on the video PID come without payload
        check(pid == rtmp::ts::video_pid && !start && p[4] == 183 && (p[5] & 0x10));
        continue;
      }
      std::size_t pos = 4;
      if (afc & 2) {
        check(p[4] <= 182);  // leaves at least one payload byte
        pos = 5 + p[4];
      }
      const std::uint8_t* payload = p + pos;
      const std::size_t size = rtmp::ts::packet_size - pos;
      if (pid == rtmp::ts::pat_pid || pid == rtmp::ts::pmt_pid) {
        check(start);
        section(payload, size);
      } else if (start) {
        check(size >= 3 && payload[0] == 0 && payload[1] == 0 && payload[2] == 1);
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Arena arena;
  // Views into blocks must not move; 256 events per input keep the run fast.
  arena.blocks.reserve(256);
  rtmp::ts::Muxer mux;
  Walker walker;
  Bytes out;
  CodecId video = CodecId::unknown, audio = CodecId::unknown;
  while (in.remaining_bytes() > 0 && arena.blocks.size() + 16 < arena.blocks.capacity()) {
    out.clear();
    switch (in.ConsumeIntegralInRange(0, 5)) {
      case 0:
        if (auto c = video_codec(in, arena); mux.set_codec(c)) video = c.id;
        break;
      case 1:
        if (auto c = audio_codec(in, arena); mux.set_codec(c)) audio = c.id;
        break;
      case 2:
        mux.write_tables(out);
        break;
      case 3: {
        rtmp::VideoSample s;
        s.codec = in.ConsumeBool() ? video : CodecId::h264;
        s.dts = in.ConsumeIntegral<std::int64_t>();
        s.pts = in.ConsumeBool() ? s.dts : in.ConsumeIntegral<std::int64_t>();
        s.keyframe = in.ConsumeBool();
        s.data = arena.take(in, 3000);
        mux.write_video(s, out);
        break;
      }
      case 4: {
        rtmp::AudioSample s;
        s.codec = audio;
        s.timestamp = in.ConsumeIntegral<std::int64_t>();
        s.data = arena.take(in, in.ConsumeBool() ? 9000 : 400);
        mux.write_audio(s, out);
        break;
      }
      default:
        mux.clear_track(in.ConsumeBool() ? rtmp::TrackType::video : rtmp::TrackType::audio);
        break;
    }
    walker.walk(out);
  }
  return 0;
}
