#include "media/annexb.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp::ts {
namespace {

using test::bytes;
using test::cat;

const Bytes sc = bytes({0, 0, 0, 1});

// The same three NAL units (an SEI, an IDR slice, a zero-length unit) with each length size.
Bytes framed(std::uint8_t length_size) {
  const std::vector<Bytes> units{bytes({0x06, 0x05, 0x01}), bytes({0x65, 0x88, 0x84, 0x00}),
                                 Bytes{}};
  Bytes out;
  for (const auto& u : units) {
    for (int i = length_size - 1; i >= 0; --i)
      out.push_back(static_cast<std::uint8_t>(u.size() >> (8 * i)));
    out.insert(out.end(), u.begin(), u.end());
  }
  return out;
}

class AnnexbLengthSize : public ::testing::TestWithParam<int> {};

TEST_P(AnnexbLengthSize, StartCodesReplaceLengths) {
  Bytes out = bytes({0xAA});  // appends: what was there stays
  const auto size = static_cast<std::uint8_t>(GetParam());
  ASSERT_TRUE(append_annexb(CodecId::h264, framed(size), size, out));
  EXPECT_EQ(out, cat({bytes({0xAA}), sc, bytes({0x06, 0x05, 0x01}), sc,
                      bytes({0x65, 0x88, 0x84, 0x00})}));
}

INSTANTIATE_TEST_SUITE_P(Sizes, AnnexbLengthSize, ::testing::Values(1, 2, 3, 4));

TEST(Annexb, DropsAccessUnitDelimitersInTheFrame) {
  Bytes out;
  // H.264 AUD (type 9) then a non-IDR slice (type 1).
  ASSERT_TRUE(append_annexb(CodecId::h264, bytes({0, 2, 0x09, 0x10, 0, 2, 0x41, 0x9A}), 2, out));
  EXPECT_EQ(out, cat({sc, bytes({0x41, 0x9A})}));
  out.clear();
  // HEVC AUD (type 35: 0x46) then a TRAIL_R slice (type 1: 0x02).
  ASSERT_TRUE(append_annexb(CodecId::h265, bytes({0, 3, 0x46, 0x01, 0x50, 0, 3, 0x02, 0x01, 0xD0}),
                            2, out));
  EXPECT_EQ(out, cat({sc, bytes({0x02, 0x01, 0xD0})}));
}

TEST(Annexb, OverrunKeepsTheUnitsBefore) {
  Bytes out;
  auto r = append_annexb(CodecId::h264, bytes({0, 0, 0, 1, 0x41, 0, 0, 0, 9, 0x41}), 4, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  EXPECT_EQ(out, cat({sc, bytes({0x41})}));
  out.clear();
  r = append_annexb(CodecId::h264, bytes({0, 1, 0x41, 0}), 2, out);  // half a length left
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  EXPECT_EQ(out, cat({sc, bytes({0x41})}));
}

TEST(Annexb, RejectsBadArguments) {
  Bytes out;
  EXPECT_EQ(append_annexb(CodecId::h264, bytes({0x41}), 0, out).error().code,
            errc::invalid_argument);
  EXPECT_EQ(append_annexb(CodecId::h264, bytes({0x41}), 5, out).error().code,
            errc::invalid_argument);
  EXPECT_EQ(append_annexb(CodecId::av1, bytes({0x41}), 4, out).error().code,
            errc::invalid_argument);
  EXPECT_EQ(append_aud(CodecId::vp9, out).error().code, errc::invalid_argument);
  EXPECT_TRUE(out.empty());
}

TEST(Annexb, AccessUnitDelimiters) {
  Bytes out;
  ASSERT_TRUE(append_aud(CodecId::h264, out));
  // nal_unit_type 9 with nal_ref_idc 0; primary_pic_type 7 then the stop bit.
  EXPECT_EQ(out, cat({sc, bytes({0x09, 0xF0})}));
  out.clear();
  ASSERT_TRUE(append_aud(CodecId::h265, out));
  // forbidden 0, type 35, layer 0, TemporalId+1 = 1; pic_type 2 then the stop bit.
  EXPECT_EQ(out, cat({sc, bytes({0x46, 0x01, 0x50})}));
}

TEST(Annexb, AvcParameterSetsInRecordOrder) {
  const Bytes sps = bytes({0x67, 0x64, 0x00, 0x1F}), ext = bytes({0x6D, 0x01}),
              pps1 = bytes({0x68, 0xEE}), pps2 = bytes({0x68, 0xCE});
  AvcConfig c;
  c.sps = {sps};
  c.sps_ext = {ext};
  c.pps = {pps1, pps2};
  Bytes out;
  append_parameter_sets(c, out);
  EXPECT_EQ(out, cat({sc, sps, sc, ext, sc, pps1, sc, pps2}));
}

TEST(Annexb, HevcParameterSetsInRecordOrder) {
  const Bytes vps = bytes({0x40, 0x01, 0x0C}), sps = bytes({0x42, 0x01, 0x01}),
              pps = bytes({0x44, 0x01, 0xC1});
  HevcConfig c;
  c.arrays = {{true, 32, {vps}}, {true, 33, {sps}}, {true, 34, {pps}}};
  Bytes out;
  append_parameter_sets(c, out);
  EXPECT_EQ(out, cat({sc, vps, sc, sps, sc, pps}));
}

}  // namespace
}  // namespace rtmp::ts
