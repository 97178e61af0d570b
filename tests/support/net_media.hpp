// Media for net tests: interleaved AVC + AAC samples with their sequence headers, and
// describe() strings that name each sample's timing, size and a hash of its bytes, so that
// a test compares what a peer received with what was sent as two string lists.
#pragma once

#include "rtmp/media.hpp"
#include "unit/media/media_test_util.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace rtmp::test {

inline std::uint32_t fnv(ByteView b) {
  std::uint32_t h = 2166136261u;
  for (auto c : b) h = (h ^ c) * 16777619u;
  return h;
}

inline std::string describe(const Codec& c) {
  return std::string("codec ") + (c.type == TrackType::video ? "video " : "audio ") +
         codec_name(c.id) + " " + std::to_string(c.config.size()) + " " +
         std::to_string(fnv(c.config));
}
inline std::string describe(const VideoSample& s) {
  return "video dts=" + std::to_string(s.dts) + " pts=" + std::to_string(s.pts) +
         " key=" + std::to_string(s.keyframe) + " size=" + std::to_string(s.data.size()) +
         " nalus=" + std::to_string(s.nalus.size()) + " h=" + std::to_string(fnv(s.data));
}
inline std::string describe(const AudioSample& s) {
  return "audio ts=" + std::to_string(s.timestamp) + " size=" + std::to_string(s.data.size()) +
         " h=" + std::to_string(fnv(s.data));
}

inline Codec avc_codec() {
  Codec c;
  c.type = TrackType::video;
  c.id = CodecId::h264;
  c.owner = make_shared_bytes(test::avcc_high());
  c.config = *c.owner;
  return c;
}
inline Codec aac_codec() {
  Codec c;
  c.type = TrackType::audio;
  c.id = CodecId::aac;
  c.owner = make_shared_bytes(test::asc_lc());
  c.config = *c.owner;
  return c;
}

// Interleaved AVC (with B-frame style composition offsets) and AAC samples from `start` ms.
struct Media {
  std::vector<Codec> codecs{avc_codec(), aac_codec()};
  std::vector<std::variant<VideoSample, AudioSample>> samples;
  std::vector<std::string> expected;  // describe() of everything, in order
};

inline Media make_media(std::int64_t start, int frames, std::size_t frame_size) {
  Media m;
  // The sequence headers carry the start time too: a receiver unwraps timestamps from the
  // first message it sees.
  for (auto& c : m.codecs) c.timestamp = start;
  for (const auto& c : m.codecs) m.expected.push_back(describe(c));
  for (int i = 0; i < frames; ++i) {
    std::int64_t dts = start + i * 33;
    Bytes nal(frame_size + static_cast<std::size_t>(i));
    for (std::size_t k = 0; k < nal.size(); ++k) nal[k] = static_cast<std::uint8_t>(k * 7 + i);
    nal[0] = i % 10 == 0 ? 0x65 : 0x41;
    Bytes sei = {0x06, 0x05, 0x01, static_cast<std::uint8_t>(i), 0x80};
    auto v = VideoSample::from_nalus(CodecId::h264, dts, dts + (i % 3) * 33, i % 10 == 0,
                                     {ByteView(sei), ByteView(nal)});
    m.expected.push_back(describe(v));
    m.samples.emplace_back(std::move(v));
    Bytes aac(200 + static_cast<std::size_t>(i % 5));
    for (std::size_t k = 0; k < aac.size(); ++k) aac[k] = static_cast<std::uint8_t>(k + 3 * i);
    auto a = AudioSample::from_data(CodecId::aac, dts + 10, aac);
    m.expected.push_back(describe(a));
    m.samples.emplace_back(std::move(a));
  }
  return m;
}

}  // namespace rtmp::test
