#include "rtmp/media.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace rtmp {
namespace {

using test::bytes;

TEST(Media, CodecNames) {
  EXPECT_STREQ(codec_name(CodecId::h264), "h264");
  EXPECT_STREQ(codec_name(CodecId::h265), "h265");
  EXPECT_STREQ(codec_name(CodecId::pcm_le), "pcm_le");
  EXPECT_STREQ(codec_name(CodecId::device_specific), "device_specific");
  EXPECT_STREQ(codec_name(static_cast<CodecId>(200)), "unknown");
  for (int i = 0; i <= static_cast<int>(CodecId::device_specific); ++i)
    EXPECT_GT(std::strlen(codec_name(static_cast<CodecId>(i))), 0u);
  EXPECT_EQ(codec_track_type(CodecId::vp8), TrackType::video);
  EXPECT_EQ(codec_track_type(CodecId::opus), TrackType::audio);
}

TEST(Media, LegacyAudioByte) {
  for (int b = 0; b < 256; ++b)
    EXPECT_EQ(LegacyAudio::from_byte(static_cast<std::uint8_t>(b)).byte(), b);
  const auto la = LegacyAudio::from_byte(0xAF);
  EXPECT_EQ(la.sound_format, 10);
  EXPECT_EQ(la.sound_rate, 3);
  EXPECT_EQ(la.sound_size, 1);
  EXPECT_EQ(la.sound_type, 1);
}

TEST(Media, SamplesFromUserData) {
  const Bytes frame = bytes({0, 0, 0, 1, 0x65});
  VideoSample v = VideoSample::from_data(CodecId::h264, 10, 50, true, frame);
  EXPECT_EQ(test::to_bytes(v.data), frame);
  EXPECT_NE(v.data.data(), frame.data());  // copied into its own owner
  EXPECT_EQ(v.data.data(), v.owner->data());
  EXPECT_EQ(v.pts, 50);

  const Bytes sps = bytes({0x67, 0x42}), idr = bytes({0x65, 0x88});
  VideoSample n = VideoSample::from_nalus(CodecId::h264, 0, 0, true, {sps, idr}, 2);
  EXPECT_EQ(test::to_bytes(n.data), bytes({0, 2, 0x67, 0x42, 0, 2, 0x65, 0x88}));
  ASSERT_EQ(n.nalus.size(), 2u);
  EXPECT_EQ(test::to_bytes(n.nalus[1]), idr);
  // A unit too large for a 1-byte prefix falls back to 4-byte prefixes.
  const Bytes big(300, 0x41);
  VideoSample b = VideoSample::from_nalus(CodecId::h264, 0, 0, false, {big}, 1);
  EXPECT_EQ(b.data.size(), 304u);
  ASSERT_EQ(b.nalus.size(), 1u);

  AudioSample a = AudioSample::from_data(CodecId::aac, 7, bytes({0x21}));
  EXPECT_EQ(a.timestamp, 7);
  EXPECT_EQ(test::to_bytes(a.data), bytes({0x21}));
}

}  // namespace
}  // namespace rtmp
