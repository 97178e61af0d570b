#include "rtmp/media/vp9_config.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;

TEST(Vp9Config, FullBoxForm) {
  // version 1, flags 0; profile 0, level 31, 8-bit 4:2:0 colocated, BT.709, no init data
  auto c = parse_vp9_config(
      bytes({0x01, 0x00, 0x00, 0x00, 0x00, 0x1F, 0x82, 0x01, 0x01, 0x01, 0x00, 0x00}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->version, 1);
  EXPECT_EQ(c->profile, 0);
  EXPECT_EQ(c->level, 31);
  EXPECT_EQ(c->bit_depth, 8);
  EXPECT_EQ(c->chroma_subsampling, 1);
  EXPECT_FALSE(c->video_full_range);
  EXPECT_EQ(c->colour_primaries, 1);
  EXPECT_EQ(c->transfer_characteristics, 1);
  EXPECT_EQ(c->matrix_coefficients, 1);
  EXPECT_TRUE(c->codec_init_data.empty());
}

TEST(Vp9Config, BareRecordForm) {
  auto c = parse_vp9_config(bytes({0x02, 0x28, 0xA5, 0x09, 0x10, 0x09, 0x00, 0x01, 0xAB}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->version, 0);
  EXPECT_EQ(c->profile, 2);
  EXPECT_EQ(c->level, 40);
  EXPECT_EQ(c->bit_depth, 10);
  EXPECT_EQ(c->chroma_subsampling, 2);
  EXPECT_TRUE(c->video_full_range);
  EXPECT_EQ(c->colour_primaries, 9);
  EXPECT_EQ(c->transfer_characteristics, 16);
  EXPECT_EQ(c->codec_init_data.size(), 1u);
}

TEST(Vp9Config, Errors) {
  auto r = parse_vp9_config(bytes({0x01, 0x00, 0x00}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::truncated);
  // init data size pointing past the end in both readings
  r = parse_vp9_config(
      bytes({0x01, 0x00, 0x00, 0x00, 0x00, 0x1F, 0x82, 0x01, 0x01, 0x01, 0x00, 0x05}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
}

}  // namespace
}  // namespace rtmp
