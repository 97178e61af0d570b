#include "rtmp/media/hevc_config.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;

Bytes hvcc() {
  return bytes({0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5D, 0xF0,
                0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x03,
                // VPS array (complete), SPS, PPS
                0xA0, 0x00, 0x01, 0x00, 0x04, 0x40, 0x01, 0x0C, 0x01,  //
                0x21, 0x00, 0x01, 0x00, 0x03, 0x42, 0x01, 0x01,        //
                0x22, 0x00, 0x02, 0x00, 0x02, 0x44, 0x01, 0x00, 0x01, 0x44});
}

TEST(HevcConfig, Parses) {
  const Bytes rec = hvcc();
  auto c = parse_hevc_config(rec);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->general_profile_space, 0);
  EXPECT_EQ(c->general_tier_flag, 0);
  EXPECT_EQ(c->general_profile_idc, 1);
  EXPECT_EQ(c->general_profile_compatibility_flags, 0x60000000u);
  EXPECT_EQ(c->general_constraint_indicator_flags, 0x900000000000ull);
  EXPECT_EQ(c->general_level_idc, 93);
  EXPECT_EQ(c->min_spatial_segmentation_idc, 0);
  EXPECT_EQ(c->chroma_format_idc, 1);
  EXPECT_EQ(c->bit_depth_luma, 8);
  EXPECT_EQ(c->num_temporal_layers, 1);
  EXPECT_EQ(c->temporal_id_nested, 1);
  EXPECT_EQ(c->nal_length_size, 4);
  ASSERT_EQ(c->arrays.size(), 3u);
  EXPECT_TRUE(c->arrays[0].array_completeness);
  EXPECT_EQ(c->arrays[0].nal_type, 32);
  EXPECT_EQ(test::to_bytes(c->arrays[0].nalus.at(0)), bytes({0x40, 0x01, 0x0C, 0x01}));
  EXPECT_FALSE(c->arrays[1].array_completeness);
  EXPECT_EQ(c->arrays[1].nal_type, 33);
  EXPECT_EQ(c->arrays[2].nal_type, 34);
  ASSERT_EQ(c->arrays[2].nalus.size(), 2u);
  EXPECT_EQ(test::to_bytes(c->arrays[2].nalus[1]), bytes({0x44}));
}

TEST(HevcConfig, FieldsAndNalSizes) {
  Bytes rec = hvcc();
  rec[1] = 0x62;   // profile space 1, tier 1, profile 2
  rec[21] = 0x4D;  // cfr 1, 1 layer, nested 1, length size 2
  auto c = parse_hevc_config(rec);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->general_profile_space, 1);
  EXPECT_EQ(c->general_tier_flag, 1);
  EXPECT_EQ(c->general_profile_idc, 2);
  EXPECT_EQ(c->constant_frame_rate, 1);
  EXPECT_EQ(c->nal_length_size, 2);
  rec[21] = 0x4E;  // length size 3: not allowed
  auto bad = parse_hevc_config(rec);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::malformed);
}

TEST(HevcConfig, VersionZeroAcceptedTwoRejected) {
  Bytes rec = hvcc();
  rec[0] = 0;
  EXPECT_TRUE(parse_hevc_config(rec));
  rec[0] = 2;
  auto r = parse_hevc_config(rec);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
}

TEST(HevcConfig, EveryTruncationFails) {
  const Bytes rec = hvcc();
  for (std::size_t n = 0; n < rec.size(); ++n) {
    auto r = parse_hevc_config(ByteView(rec).first(n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().code, errc::truncated) << n;
  }
}

}  // namespace
}  // namespace rtmp
