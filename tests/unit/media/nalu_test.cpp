#include "rtmp/media/nalu.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;

TEST(Nalu, SplitsEachLengthSize) {
  for (std::uint8_t size : {1, 2, 3, 4}) {
    Bytes data;
    for (const Bytes& n : {bytes({0x65, 0x88}), bytes({0x06}), bytes({0x41, 0x9A, 0x00})}) {
      for (int i = size - 1; i >= 0; --i)
        data.push_back(static_cast<std::uint8_t>(n.size() >> (8 * i)));
      data.insert(data.end(), n.begin(), n.end());
    }
    std::vector<ByteView> out;
    ASSERT_TRUE(split_nalus(data, size, out)) << int(size);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(test::to_bytes(out[0]), bytes({0x65, 0x88}));
    EXPECT_EQ(test::to_bytes(out[1]), bytes({0x06}));
    EXPECT_EQ(test::to_bytes(out[2]), bytes({0x41, 0x9A, 0x00}));
    EXPECT_EQ(out[0].data(), data.data() + size);
  }
}

TEST(Nalu, SkipsEmptyUnitsAndAcceptsEmptyFrame) {
  std::vector<ByteView> out;
  ASSERT_TRUE(split_nalus(bytes({0, 0, 0, 0, 0, 0, 0, 1, 0x09}), 4, out));
  ASSERT_EQ(out.size(), 1u);
  out.clear();
  ASSERT_TRUE(split_nalus({}, 4, out));
  EXPECT_TRUE(out.empty());
}

TEST(Nalu, OverrunIsMalformed) {
  std::vector<ByteView> out;
  auto r = split_nalus(bytes({0, 0, 0, 5, 0x65, 0x88}), 4, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  EXPECT_NE(r.error().detail.find("overruns"), std::string::npos);
  r = split_nalus(bytes({0, 0, 0, 1, 0x65, 0, 0}), 4, out);  // dangling partial prefix
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  r = split_nalus(bytes({0x01}), 0, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
}

TEST(Nalu, AnnexB) {
  const Bytes data = bytes({0xFF, 0, 0, 0, 1, 0x67, 0x42, 0,    0,    1,    0x68, 0xCE,
                            0,    0, 0, 0, 1, 0x65, 0x88, 0x00, 0x00, 0x03, 0x01});
  std::vector<ByteView> out;
  split_annexb(data, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(test::to_bytes(out[0]), bytes({0x67, 0x42}));
  EXPECT_EQ(test::to_bytes(out[1]), bytes({0x68, 0xCE}));
  EXPECT_EQ(test::to_bytes(out[2]), bytes({0x65, 0x88, 0x00, 0x00, 0x03, 0x01}));
  out.clear();
  split_annexb(bytes({0x65, 0x88}), out);  // no start code
  EXPECT_TRUE(out.empty());
}

TEST(Nalu, AppendLengthPrefixed) {
  const Bytes a = bytes({0x67, 0x42}), b = bytes({0x68});
  Bytes out;
  ASSERT_TRUE(append_length_prefixed(out, {a, b}, 2));
  EXPECT_EQ(out, bytes({0, 2, 0x67, 0x42, 0, 1, 0x68}));
  const Bytes big(300, 0x01);
  Bytes out1;
  EXPECT_FALSE(append_length_prefixed(out1, {big}, 1));
  EXPECT_TRUE(out1.empty());
}

}  // namespace
}  // namespace rtmp
