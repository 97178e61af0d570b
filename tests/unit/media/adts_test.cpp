#include "media/adts.hpp"

#include "rtmp/media/aac_config.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp::ts {
namespace {

// Reads the header back field by field (ISO/IEC 13818-7 Table 5 / 14496-3 Table 1.A.5).
struct Fields {
  std::uint32_t sync, id, layer, protection_absent, profile, sf_index, private_bit, channels,
      original, home, copyright_bit, copyright_start, frame_length, fullness, blocks;
};

Fields read_fields(const std::array<std::uint8_t, adts_header_size>& h) {
  std::uint64_t v = 0;
  for (auto b : h) v = v << 8 | b;
  int left = 56;
  auto take = [&](int n) {
    left -= n;
    return static_cast<std::uint32_t>(v >> left & ((1u << n) - 1));
  };
  Fields f{};
  f.sync = take(12);
  f.id = take(1);
  f.layer = take(2);
  f.protection_absent = take(1);
  f.profile = take(2);
  f.sf_index = take(4);
  f.private_bit = take(1);
  f.channels = take(3);
  f.original = take(1);
  f.home = take(1);
  f.copyright_bit = take(1);
  f.copyright_start = take(1);
  f.frame_length = take(13);
  f.fullness = take(11);
  f.blocks = take(2);
  EXPECT_EQ(left, 0);
  return f;
}

TEST(Adts, LcStereo44k) {
  auto cfg = parse_aac_config(test::asc_lc());  // LC, 44.1 kHz, stereo
  ASSERT_TRUE(cfg);
  auto p = adts_params(*cfg);
  ASSERT_TRUE(p) << p.error().message();
  auto h = adts_header(*p, 371);
  ASSERT_TRUE(h);
  const Fields f = read_fields(*h);
  EXPECT_EQ(f.sync, 0xFFFu);
  EXPECT_EQ(f.id, 0u);
  EXPECT_EQ(f.layer, 0u);
  EXPECT_EQ(f.protection_absent, 1u);
  EXPECT_EQ(f.profile, 1u);  // object type 2 (LC) - 1
  EXPECT_EQ(f.sf_index, 4u);
  EXPECT_EQ(f.private_bit + f.original + f.home + f.copyright_bit + f.copyright_start, 0u);
  EXPECT_EQ(f.channels, 2u);
  EXPECT_EQ(f.frame_length, 371u + 7);
  EXPECT_EQ(f.fullness, 0x7FFu);
  EXPECT_EQ(f.blocks, 0u);
}

TEST(Adts, FieldsAtTheirLimits) {
  // Channel configuration 7 sets the bit that spills into byte 2; 8184 bytes fill 13 bits.
  auto cfg = make_aac_config(1, 7350, 7);
  ASSERT_TRUE(cfg);
  auto parsed = parse_aac_config(*cfg);
  ASSERT_TRUE(parsed);
  auto p = adts_params(*parsed);
  ASSERT_TRUE(p);
  auto h = adts_header(*p, 8184);
  ASSERT_TRUE(h);
  const Fields f = read_fields(*h);
  EXPECT_EQ(f.profile, 0u);
  EXPECT_EQ(f.sf_index, 12u);
  EXPECT_EQ(f.channels, 7u);
  EXPECT_EQ(f.frame_length, 8191u);
  auto big = adts_header(*p, 8185);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, errc::invalid_argument);
}

TEST(Adts, ExplicitSbrUsesTheCore) {
  AacConfig c;
  c.object_type = 5;
  c.core_object_type = 2;
  c.sampling_index = 6;  // 24 kHz core, 48 kHz with SBR
  c.sample_rate = 24000;
  c.extension_sample_rate = 48000;
  c.channel_config = 2;
  auto p = adts_params(c);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->profile, 1);
  EXPECT_EQ(p->sampling_index, 6);
}

TEST(Adts, ExplicitRateInTheTable) {
  AacConfig c;
  c.object_type = 2;
  c.sampling_index = 15;
  c.sample_rate = 22050;
  c.channel_config = 1;
  auto p = adts_params(c);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sampling_index, 7);
  c.sample_rate = 23000;
  EXPECT_EQ(adts_params(c).error().code, errc::unsupported);
}

TEST(Adts, WhatAdtsCannotCarry) {
  AacConfig c;
  c.object_type = 2;
  c.sampling_index = 3;
  c.sample_rate = 48000;
  c.channel_config = 0;  // program_config_element
  EXPECT_EQ(adts_params(c).error().code, errc::unsupported);
  c.channel_config = 2;
  c.object_type = 42;  // USAC
  EXPECT_EQ(adts_params(c).error().code, errc::unsupported);
  c.object_type = 5;  // SBR without a core object type
  EXPECT_EQ(adts_params(c).error().code, errc::unsupported);
}

}  // namespace
}  // namespace rtmp::ts
