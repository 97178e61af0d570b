#include "rtmp/media/avc_config.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;

TEST(AvcConfig, ParsesHighProfileWithExtension) {
  const Bytes rec = test::avcc_high();
  auto c = parse_avc_config(rec);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->profile, 100);
  EXPECT_EQ(c->compatibility, 0);
  EXPECT_EQ(c->level, 31);
  EXPECT_EQ(c->nal_length_size, 4);
  ASSERT_EQ(c->sps.size(), 1u);
  EXPECT_EQ(test::to_bytes(c->sps[0]), bytes({0x67, 0x64, 0x00, 0x1F}));
  ASSERT_EQ(c->pps.size(), 1u);
  EXPECT_EQ(test::to_bytes(c->pps[0]), bytes({0x68, 0xEE}));
  EXPECT_EQ(c->sps[0].data(), rec.data() + 8);  // views into the record, no copy
  EXPECT_TRUE(c->has_ext);
  EXPECT_EQ(c->chroma_format, 1);
  EXPECT_EQ(c->bit_depth_luma, 8);
  EXPECT_EQ(c->bit_depth_chroma, 8);
  EXPECT_TRUE(c->sps_ext.empty());
}

TEST(AvcConfig, HighProfileWithoutExtensionIsAccepted) {
  Bytes rec = test::avcc_high();
  rec.resize(rec.size() - 4);
  auto c = parse_avc_config(rec);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->has_ext);
}

TEST(AvcConfig, ExtensionWithSpsExt10Bit) {
  Bytes rec = test::avcc_high();
  rec.resize(rec.size() - 4);
  const Bytes ext = bytes({0xFE, 0xFA, 0xFA, 0x01, 0x00, 0x02, 0x6D, 0x01});  // 4:2:2, 10 bit
  rec.insert(rec.end(), ext.begin(), ext.end());
  auto c = parse_avc_config(rec);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->chroma_format, 2);
  EXPECT_EQ(c->bit_depth_luma, 10);
  EXPECT_EQ(c->bit_depth_chroma, 10);
  ASSERT_EQ(c->sps_ext.size(), 1u);
  EXPECT_EQ(test::to_bytes(c->sps_ext[0]), bytes({0x6D, 0x01}));
}

TEST(AvcConfig, NalLengthSizes) {
  for (auto [bits, size] : {std::pair{0xFC, 1}, {0xFD, 2}, {0xFF, 4}}) {
    Bytes rec = bytes({0x01, 0x42, 0xC0, 0x1E, bits, 0xE0, 0x00});  // baseline, no sets
    auto c = parse_avc_config(rec);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->nal_length_size, size);
    EXPECT_TRUE(c->sps.empty());
    EXPECT_TRUE(c->pps.empty());
    EXPECT_FALSE(c->has_ext);
  }
}

TEST(AvcConfig, Errors) {
  // 3-byte lengths are not allowed.
  auto r = parse_avc_config(bytes({0x01, 0x42, 0xC0, 0x1E, 0xFE, 0xE0, 0x00}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  // Wrong version.
  r = parse_avc_config(bytes({0x00, 0x42, 0xC0, 0x1E, 0xFF, 0xE0, 0x00}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  // Too short.
  r = parse_avc_config(bytes({0x01, 0x42, 0xC0}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::truncated);
  // SPS length past the end.
  r = parse_avc_config(bytes({0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x09, 0x67, 0x64}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::truncated);
  EXPECT_NE(r.error().detail.find("SPS 0"), std::string::npos) << r.error().detail;
  // PPS count missing.
  r = parse_avc_config(bytes({0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x01, 0x67}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::truncated);
  // Every truncation of a valid record fails cleanly (never reads past the end).
  const Bytes full = test::avcc_high();
  for (std::size_t n = 0; n < full.size() - 4; ++n)
    EXPECT_FALSE(parse_avc_config(ByteView(full).first(n))) << n;
}

TEST(AvcConfig, MakeRoundTrips) {
  const Bytes sps = bytes({0x67, 0x64, 0x00, 0x1F, 0xAC});
  const Bytes pps = bytes({0x68, 0xEE, 0x3C});
  auto rec = make_avc_config({sps}, {pps}, 2);
  ASSERT_TRUE(rec);
  auto c = parse_avc_config(*rec);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->profile, 100);
  EXPECT_EQ(c->level, 31);
  EXPECT_EQ(c->nal_length_size, 2);
  EXPECT_EQ(test::to_bytes(c->sps.at(0)), sps);
  EXPECT_EQ(test::to_bytes(c->pps.at(0)), pps);
  EXPECT_FALSE(make_avc_config({}, {pps}));
  EXPECT_FALSE(make_avc_config({sps}, {pps}, 3));
}

}  // namespace
}  // namespace rtmp
