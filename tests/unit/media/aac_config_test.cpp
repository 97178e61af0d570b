#include "rtmp/media/aac_config.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;

TEST(AacConfig, LcStereo44k) {
  auto c = parse_aac_config(test::asc_lc());
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->object_type, 2);
  EXPECT_EQ(c->sampling_index, 4);
  EXPECT_EQ(c->sample_rate, 44100u);
  EXPECT_EQ(c->channel_config, 2);
  EXPECT_EQ(c->channels, 2);
}

TEST(AacConfig, ObjectTypeEscape) {
  // audioObjectType 31 + 6 bits (10) = 42, 44.1 kHz, stereo
  auto c = parse_aac_config(bytes({0xF9, 0x48, 0x40}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->object_type, 42);
  EXPECT_EQ(c->sample_rate, 44100u);
  EXPECT_EQ(c->channels, 2);
}

TEST(AacConfig, ExplicitSampleRate) {
  // samplingFrequencyIndex 15 + 24-bit 24000, mono
  auto c = parse_aac_config(bytes({0x17, 0x80, 0x2E, 0xE0, 0x08}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->object_type, 2);
  EXPECT_EQ(c->sampling_index, 15);
  EXPECT_EQ(c->sample_rate, 24000u);
  EXPECT_EQ(c->channels, 1);
}

TEST(AacConfig, ExplicitSbr) {
  // HE-AAC: object 5, 24 kHz core, stereo, extension 48 kHz, core object 2
  auto c = parse_aac_config(bytes({0x2B, 0x11, 0x88}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->object_type, 5);
  EXPECT_EQ(c->sample_rate, 24000u);
  EXPECT_EQ(c->extension_sample_rate, 48000u);
  EXPECT_EQ(c->core_object_type, 2);
  // with an explicit extension rate (96 kHz) and an escaped core type (32 + 1)
  c = parse_aac_config(bytes({0x2B, 0x17, 0x80, 0xBB, 0x80, 0x7C, 0x10}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->extension_sample_rate, 96000u);
  EXPECT_EQ(c->core_object_type, 33);
}

TEST(AacConfig, ChannelConfigurations) {
  // 7 -> 8 channels (7.1); 0 -> defined by a PCE
  auto c = parse_aac_config(bytes({0x12, 0x38}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->channel_config, 7);
  EXPECT_EQ(c->channels, 8);
  c = parse_aac_config(bytes({0x12, 0x00}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->channels, 0);
}

TEST(AacConfig, Errors) {
  auto expect = [](Bytes b, errc code) {
    auto r = parse_aac_config(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, code) << r.error().detail;
  };
  expect(bytes({0x12}), errc::truncated);
  expect(bytes({}), errc::truncated);
  expect(bytes({0x06, 0x90}), errc::malformed);                    // object type 0
  expect(bytes({0x16, 0x90}), errc::malformed);                    // frequency index 13
  expect(bytes({0x12, 0x40}), errc::malformed);                    // channel config 8
  expect(bytes({0x17, 0x80, 0x00, 0x00, 0x08}), errc::malformed);  // explicit rate 0
  expect(bytes({0x17, 0x80, 0x2E}), errc::truncated);              // explicit rate cut short
  expect(bytes({0xF8}), errc::truncated);                          // escape cut short
}

TEST(AacConfig, Make) {
  auto b = make_aac_config(2, 44100, 2);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, test::asc_lc());
  b = make_aac_config(2, 48000, 1);
  ASSERT_TRUE(b);
  auto c = parse_aac_config(*b);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->sample_rate, 48000u);
  EXPECT_EQ(c->channels, 1);
  EXPECT_FALSE(make_aac_config(2, 44000, 2));
  EXPECT_FALSE(make_aac_config(0, 44100, 2));
}

}  // namespace
}  // namespace rtmp
