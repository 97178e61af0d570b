#include "rtmp/media/av1_config.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;

TEST(Av1Config, Parses) {
  // Main profile, level 4.0 (idx 8), 8-bit 4:2:0, a sequence header OBU.
  const Bytes rec = bytes({0x81, 0x08, 0x0C, 0x00, 0x0A, 0x0B, 0x00, 0x00, 0x00, 0x24});
  auto c = parse_av1_config(rec);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->seq_profile, 0);
  EXPECT_EQ(c->seq_level_idx_0, 8);
  EXPECT_EQ(c->seq_tier_0, 0);
  EXPECT_FALSE(c->high_bitdepth);
  EXPECT_FALSE(c->monochrome);
  EXPECT_EQ(c->chroma_subsampling_x, 1);
  EXPECT_EQ(c->chroma_subsampling_y, 1);
  EXPECT_FALSE(c->initial_presentation_delay_present);
  EXPECT_EQ(c->config_obus.size(), 6u);
  EXPECT_EQ(c->config_obus.data(), rec.data() + 4);
}

TEST(Av1Config, AllBits) {
  auto c = parse_av1_config(bytes({0x81, 0x4D, 0xF3, 0x1A}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->seq_profile, 2);
  EXPECT_EQ(c->seq_level_idx_0, 13);
  EXPECT_EQ(c->seq_tier_0, 1);
  EXPECT_TRUE(c->high_bitdepth);
  EXPECT_TRUE(c->twelve_bit);
  EXPECT_TRUE(c->monochrome);
  EXPECT_EQ(c->chroma_subsampling_x, 0);
  EXPECT_EQ(c->chroma_subsampling_y, 0);
  EXPECT_EQ(c->chroma_sample_position, 3);
  EXPECT_TRUE(c->initial_presentation_delay_present);
  EXPECT_EQ(c->initial_presentation_delay_minus_one, 10);
  EXPECT_TRUE(c->config_obus.empty());
}

TEST(Av1Config, Errors) {
  auto r = parse_av1_config(bytes({0x81, 0x08, 0x0C}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::truncated);
  r = parse_av1_config(bytes({0x01, 0x08, 0x0C, 0x00}));  // marker 0
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  r = parse_av1_config(bytes({0x82, 0x08, 0x0C, 0x00}));  // version 2
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
}

}  // namespace
}  // namespace rtmp
