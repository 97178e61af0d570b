#include "rtmp/media/video_size.hpp"

#include "rtmp/media/av1_config.hpp"
#include "rtmp/media/avc_config.hpp"
#include "rtmp/media/hevc_config.hpp"

#include "support/bytes.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtmp {
namespace {

using test::hex;

// Parameter sets written by FFmpeg 5.1's libx264 / libx265 / libaom-av1 for lavfi testsrc2 at
// the size in the test name (`-f h264` / `-f hevc` / `-f obu` output).
const Bytes sps_1920x1080_high =
    hex("67640028acd940780227e5c044000003000400000300c83c60c658");  // crop bottom 8
const Bytes sps_642x362_baseline = hex("6742c01ed900a42fe224c044000003000400000300c83c58b920");
const Bytes sps_1280x720_high = hex("6764001facd9405005bb011000000300100000030320f1831960");
const Bytes hevc_sps_650x362 =
    hex("42010101600000030090000003000003003fa005220171c9265959a4932bc05a020000030002000003003210");
// Temporal delimiter OBU, then the sequence header OBU (426x240).
const Bytes av1_obus_426x240 = hex("12000a0b000000043ea7bcdaf90040");

TEST(VideoSize, H264SpsWithCropping) {
  EXPECT_EQ(h264_sps_size(sps_1920x1080_high).value(), (VideoSize{1920, 1080}));
  EXPECT_EQ(h264_sps_size(sps_642x362_baseline).value(), (VideoSize{642, 362}));
  EXPECT_EQ(h264_sps_size(sps_1280x720_high).value(), (VideoSize{1280, 720}));
}

TEST(VideoSize, HevcSpsWithConformanceWindow) {
  EXPECT_EQ(hevc_sps_size(hevc_sps_650x362).value(), (VideoSize{650, 362}));
}

TEST(VideoSize, HevcSpsWithSubLayers) {
  // libx265 temporal-layers=1: sps_max_sub_layers_minus1 = 1, so profile_tier_level() has
  // sub-layer flags and padding before the size fields.
  const Bytes sps =
      hex("42010201600000030090000003000003005a0000a005320179c92659594acb24995e02d01000000300100000"
          "03019080");
  EXPECT_EQ(hevc_sps_size(sps).value(), (VideoSize{658, 370}));
}

TEST(VideoSize, Av1SequenceHeaderAfterOtherObus) {
  EXPECT_EQ(av1_sequence_header_size(av1_obus_426x240).value(), (VideoSize{426, 240}));
  // The same OBU without a size field (last in the buffer) reads the same.
  Bytes bare = {0x08};
  bare.insert(bare.end(), av1_obus_426x240.begin() + 4, av1_obus_426x240.end());
  EXPECT_EQ(av1_sequence_header_size(bare).value(), (VideoSize{426, 240}));
}

TEST(VideoSize, EveryTruncationFails) {
  // Cut inside the fields before the size: never a size, never a crash.
  for (std::size_t n = 0; n < 9; ++n) {
    auto r = h264_sps_size(ByteView(sps_1920x1080_high).first(n));
    EXPECT_FALSE(r) << n;
  }
  for (std::size_t n = 2; n < 22; ++n)
    EXPECT_FALSE(hevc_sps_size(ByteView(hevc_sps_650x362).first(n))) << n;
  for (std::size_t n = 2; n < av1_obus_426x240.size(); ++n)
    EXPECT_FALSE(av1_sequence_header_size(ByteView(av1_obus_426x240).first(n))) << n;
  EXPECT_EQ(h264_sps_size(ByteView(sps_1920x1080_high).first(4)).error().code, errc::truncated);
}

TEST(VideoSize, WrongNalTypeIsMalformed) {
  EXPECT_EQ(h264_sps_size(hex("68ce3c80")).error().code, errc::malformed);  // a PPS
  EXPECT_EQ(hevc_sps_size(sps_1280x720_high).error().code, errc::malformed);
  EXPECT_EQ(av1_sequence_header_size(hex("1200")).error().code, errc::malformed);
  // An Exp-Golomb code with more than 31 leading zeros.
  EXPECT_EQ(h264_sps_size(hex("676400280000000000")).error().code, errc::malformed);
}

TEST(VideoSize, Vp9KeyFrameHeader) {
  // First bytes of a libvpx-vp9 key frame (profile 0, 322x182).
  const Bytes key = hex("824983420014100b560638241c184a000b905fc9f7fbfc9f");
  EXPECT_EQ(vp9_frame_size(key).value(), (VideoSize{322, 182}));
  for (std::size_t n = 0; n < 8; ++n)
    EXPECT_EQ(vp9_frame_size(ByteView(key).first(n)).error().code, errc::truncated) << n;
  Bytes inter = key;
  inter[0] |= 0x04;  // frame_type 1
  EXPECT_EQ(vp9_frame_size(inter).error().code, errc::unsupported);
  Bytes bad_sync = key;
  bad_sync[1] ^= 0xFF;
  EXPECT_EQ(vp9_frame_size(bad_sync).error().code, errc::malformed);
}

TEST(VideoSize, FromCodecDetails) {
  const Bytes avcc =
      hex("0164001fffe1001a6764001facd9405005bb011000000300100000030320f183196001000668ebe3cb22c0");
  Codec c;
  c.id = CodecId::h264;
  c.details = parse_avc_config(avcc).value();
  EXPECT_EQ(video_size(c).value(), (VideoSize{1280, 720}));

  const Bytes av1c = hex("81000c000a0b000000043ea7bcdaf90040");
  c.id = CodecId::av1;
  c.details = parse_av1_config(av1c).value();
  EXPECT_EQ(video_size(c).value(), (VideoSize{426, 240}));

  c.id = CodecId::vp9;
  c.details = Vp9Config{};
  EXPECT_EQ(video_size(c).error().code, errc::unsupported);
  c.id = CodecId::h264;
  c.details = AvcConfig{};
  EXPECT_EQ(video_size(c).error().code, errc::malformed);
}

}  // namespace
}  // namespace rtmp
