#include "rtmp/media/codec_string.hpp"

#include "rtmp/media/aac_config.hpp"
#include "rtmp/media/av1_config.hpp"
#include "rtmp/media/avc_config.hpp"
#include "rtmp/media/hevc_config.hpp"

#include "support/bytes.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtmp {
namespace {

using test::hex;

template <class Details>
Codec codec(CodecId id, Details d) {
  Codec c;
  c.id = id;
  c.type = codec_track_type(id);
  c.details = std::move(d);
  return c;
}

TEST(CodecString, AvcHighLevel31) {
  // avcC from libx264 -profile:v high -level 3.1 (1280x720).
  const Bytes avcc =
      hex("0164001fffe1001a6764001facd9405005bb011000000300100000030320f183196001000668ebe3cb22c0");
  EXPECT_EQ(codec_string(codec(CodecId::h264, parse_avc_config(avcc).value())).value(),
            "avc1.64001f");
  AvcConfig baseline;
  baseline.profile = 0x42, baseline.compatibility = 0xC0, baseline.level = 0x1E;
  EXPECT_EQ(codec_string(codec(CodecId::h264, baseline)).value(), "avc1.42c01e");
}

TEST(CodecString, HevcMainFromX265) {
  // hvcC header from libx265 (Main, level 2.1 = 63): compatibility flags 0x60000000 reverse to
  // 0x6; constraint bytes 90 00 00 00 00 00 (progressive, frame only) keep one byte.
  const Bytes hvcc = hex("0101600000009000000000003ff000fcfdf8f800000f00");
  EXPECT_EQ(codec_string(codec(CodecId::h265, parse_hevc_config(hvcc).value())).value(),
            "hvc1.1.6.L63.90");
  // ISO/IEC 14496-15 Annex E examples: Main 10 High tier level 4 (120) with B0 and 23 bytes.
  HevcConfig c;
  c.general_profile_space = 1;  // "A"
  c.general_profile_idc = 4;
  c.general_profile_compatibility_flags = 0x82000000;  // bits 0 and 6 -> reversed 0x41
  c.general_tier_flag = 1;
  c.general_level_idc = 120;
  c.general_constraint_indicator_flags = 0xB02300000000;
  EXPECT_EQ(codec_string(codec(CodecId::h265, c)).value(), "hvc1.A4.41.H120.B0.23");
  c = {};
  c.general_profile_idc = 2;
  c.general_profile_compatibility_flags = 0x20000000;
  c.general_level_idc = 93;
  EXPECT_EQ(codec_string(codec(CodecId::h265, c)).value(), "hvc1.2.4.L93");
}

TEST(CodecString, Av1) {
  // av1C from libaom: profile 0, seq_level_idx 0, Main tier, 8 bit.
  const Bytes av1c = hex("81000c000a0b000000043ea7bcdaf90040");
  EXPECT_EQ(codec_string(codec(CodecId::av1, parse_av1_config(av1c).value())).value(),
            "av01.0.00M.08");
  Av1Config c;
  c.seq_profile = 0, c.seq_level_idx_0 = 8, c.seq_tier_0 = 0, c.high_bitdepth = true;
  EXPECT_EQ(codec_string(codec(CodecId::av1, c)).value(), "av01.0.08M.10");  // AV1 spec example
}

TEST(CodecString, Audio) {
  EXPECT_EQ(codec_string(codec(CodecId::aac, parse_aac_config(hex("1190")).value())).value(),
            "mp4a.40.2");
  AacConfig he;
  he.object_type = 5;
  EXPECT_EQ(codec_string(codec(CodecId::aac, he)).value(), "mp4a.40.5");
  he.object_type = 29;
  EXPECT_EQ(codec_string(codec(CodecId::aac, he)).value(), "mp4a.40.29");
  EXPECT_EQ(codec_string(codec(CodecId::mp3, LegacyAudio{})).value(), "mp4a.40.34");
  EXPECT_EQ(codec_string(codec(CodecId::opus, OpusHead{})).value(), "opus");
}

TEST(CodecString, Vp9) {
  Vp9Config c;
  c.profile = 0, c.level = 31, c.bit_depth = 8;
  EXPECT_EQ(codec_string(codec(CodecId::vp9, c)).value(), "vp09.00.31.08");
}

TEST(CodecString, Errors) {
  EXPECT_EQ(codec_string(codec(CodecId::speex, std::monostate{})).error().code, errc::unsupported);
  EXPECT_EQ(codec_string(codec(CodecId::h264, std::monostate{})).error().code, errc::malformed);
  Codec ts = codec(CodecId::av1, std::monostate{});
  ts.mpeg2ts = true;
  EXPECT_EQ(codec_string(ts).error().code, errc::unsupported);
}

}  // namespace
}  // namespace rtmp
