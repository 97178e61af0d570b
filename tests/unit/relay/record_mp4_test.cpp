#include "relay/record_mp4.hpp"

#include "unit/relay/recorder_media.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rtmp::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;

std::uint64_t be(ByteView b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | b[at + i];
  return v;
}

// Top-level box types, in order.
std::vector<std::string> boxes(ByteView b) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at + 8 <= b.size();) {
    const auto size = static_cast<std::size_t>(be(b, at, 4));
    out.emplace_back(reinterpret_cast<const char*>(b.data() + at + 4), 4);
    if (size < 8) break;
    at += size;
  }
  return out;
}

// Every tfdt (version 1) base decode time in a fragment, in track order.
std::vector<std::uint64_t> tfdts(ByteView b) {
  std::vector<std::uint64_t> out;
  const std::string s(b.begin(), b.end());
  for (auto at = s.find("tfdt"); at != std::string::npos; at = s.find("tfdt", at + 4))
    out.push_back(be(b, at + 8, 8));
  return out;
}

struct Fixture {
  Mp4Fragmenter f{1000ms};
  std::vector<Mp4Fragment> ready;
  void push(const Message& m) { ASSERT_TRUE(f.push(m, ready).has_value()); }
};

TEST(Mp4Fragmenter, OneFragmentPerGopTheFirstWithTheInitSegment) {
  Fixture x;
  x.push(avc_config_720p());
  x.push(aac_config());
  EXPECT_FALSE(x.f.has_tracks());
  for (std::uint32_t t = 0; t < 1200; t += 40) {
    x.push(avc_frame(t, t % 400 == 0));  // a GOP every 400 ms
    x.push(aac_frame(t + 5));
  }
  EXPECT_TRUE(x.f.has_tracks());
  x.f.finish(x.ready);
  ASSERT_EQ(x.ready.size(), 3u);
  ASSERT_TRUE(x.ready[0].init);
  EXPECT_EQ(boxes(*x.ready[0].init), (std::vector<std::string>{"ftyp", "moov"}));
  std::uint64_t frames = 0;
  for (std::size_t i = 0; i < x.ready.size(); ++i) {
    const auto& fr = x.ready[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(i == 0, fr.init != nullptr);
    EXPECT_TRUE(fr.keyframe_start);
    EXPECT_EQ(boxes(fr.bytes), (std::vector<std::string>{"moof", "mdat"}));
    // Times are the RTMP clock's (timescale 1000): video from the keyframe, audio after it.
    EXPECT_EQ(tfdts(fr.bytes), (std::vector<std::uint64_t>{400 * i, 400 * i + 5}));
    EXPECT_EQ(fr.start_ms, static_cast<std::int64_t>(400 * i));
    frames += fr.frames;
  }
  EXPECT_EQ(frames, 60u);
  EXPECT_EQ(x.ready[2].end_ms, 1165 + 40);  // last sample's duration: its predecessor's
}

TEST(Mp4Fragmenter, LongGopIsCutAtTheMaximumSpan) {
  Fixture x;
  x.push(avc_config_720p());
  for (std::uint32_t t = 0; t < 2500; t += 100) x.push(avc_frame(t, t == 0));
  x.f.finish(x.ready);
  ASSERT_EQ(x.ready.size(), 3u);  // 0-900, 1000-1900, 2000-2400
  EXPECT_TRUE(x.ready[0].keyframe_start);
  EXPECT_FALSE(x.ready[1].keyframe_start);  // no new file may start there
  EXPECT_EQ(x.ready[1].start_ms, 1000);
  EXPECT_EQ(x.ready[0].frames + x.ready[1].frames + x.ready[2].frames, 25u);
}

TEST(Mp4Fragmenter, AudioOnlyFragmentsMayEachStartAFile) {
  Fixture x;
  x.push(aac_config());
  for (std::uint32_t t = 0; t < 3000; t += 23) x.push(aac_frame(t));
  x.f.finish(x.ready);
  ASSERT_GE(x.ready.size(), 3u);
  for (const auto& fr : x.ready) EXPECT_TRUE(fr.keyframe_start);
  EXPECT_EQ(boxes(*x.ready[0].init), (std::vector<std::string>{"ftyp", "moov"}));
}

TEST(Mp4Fragmenter, ACodecChangeBringsANewInitSegment) {
  Fixture x;
  x.push(avc_config_720p());
  x.push(avc_frame(0, true));
  x.push(avc_config_720p(40));  // the same config again: nothing changes
  x.push(avc_frame(40, true));
  x.push(aac_config(60));  // a track appears
  x.push(avc_frame(80, true));
  x.push(aac_frame(85));
  x.f.finish(x.ready);
  ASSERT_EQ(x.ready.size(), 3u);
  EXPECT_TRUE(x.ready[0].init);
  EXPECT_FALSE(x.ready[1].init);
  ASSERT_TRUE(x.ready[2].init);
  EXPECT_GT(x.ready[2].init->size(), x.ready[0].init->size());  // two traks now
  EXPECT_EQ(x.ready[2].frames, 2u);
}

TEST(Mp4Fragmenter, ANewConfigOfTheSameCodecBringsANewInitSegment) {
  Fixture x;
  x.push(avc_config_720p());
  x.push(avc_frame(0, true));
  x.push(avc_config_720p(40, 0xc1));
  x.push(avc_frame(40, true));
  x.f.finish(x.ready);
  ASSERT_EQ(x.ready.size(), 2u);
  ASSERT_TRUE(x.ready[0].init && x.ready[1].init);
  EXPECT_NE(*x.ready[0].init, *x.ready[1].init);
}

TEST(Mp4Fragmenter, FramesBeforeTheirSequenceHeaderAndOtherTypesAreLeftOut) {
  Fixture x;
  x.push(avc_frame(0, true));  // no config yet: the demuxer drops it
  Message data = media(msg::data_amf0, 0, {0x02, 0x00, 0x00});
  x.push(data);
  x.f.finish(x.ready);
  EXPECT_TRUE(x.ready.empty());
  EXPECT_FALSE(x.f.has_tracks());
}

}  // namespace
}  // namespace rtmp::relay
