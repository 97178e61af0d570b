#include "rtmp/media/opus_head.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;

Bytes head() {
  return test::cat({test::str("OpusHead"),
                    bytes({0x01, 0x02, 0x38, 0x01, 0x80, 0xBB, 0x00, 0x00, 0x00, 0xFF, 0x00})});
}

TEST(OpusHead, Parses) {
  Bytes h = head();
  h[17] = 0xFF;  // output gain -256 (Q7.8 dB)
  auto r = parse_opus_head(h);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->channels, 2);
  EXPECT_EQ(r->pre_skip, 312);
  EXPECT_EQ(r->input_sample_rate, 48000u);
  EXPECT_EQ(r->output_gain, -256);
  EXPECT_EQ(r->mapping_family, 0);
}

TEST(OpusHead, MappingFamily1) {
  Bytes h = head();
  h[9] = 6;   // 5.1
  h[18] = 1;  // family 1
  const Bytes table = bytes({4, 2, 0, 4, 1, 2, 3, 5});
  h.insert(h.end(), table.begin(), table.end());
  auto r = parse_opus_head(h);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->channels, 6);
  EXPECT_EQ(r->mapping_family, 1);
  h.pop_back();
  auto bad = parse_opus_head(h);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::truncated);
}

TEST(OpusHead, Errors) {
  Bytes h = head();
  auto expect = [](Bytes b, errc code) {
    auto r = parse_opus_head(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, code) << r.error().detail;
  };
  expect(Bytes(h.begin(), h.end() - 1), errc::truncated);
  Bytes m = h;
  m[0] = 'o';
  expect(m, errc::malformed);
  m = h;
  m[9] = 0;
  expect(m, errc::malformed);  // no channels
  m = h;
  m[9] = 3;
  expect(m, errc::malformed);  // family 0 with 3 channels
  m = h;
  m[8] = 0x10;
  expect(m, errc::unsupported);  // major version 1
}

}  // namespace
}  // namespace rtmp
