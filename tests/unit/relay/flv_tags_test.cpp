#include "relay/flv_tags.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rtmp::relay {
namespace {

template <std::size_t N>
std::vector<int> ints(const std::array<std::uint8_t, N>& a) {
  return {a.begin(), a.end()};
}

TEST(FlvTagsTest, FileHeader) {
  EXPECT_EQ(ints(flv_file_header(true, true)),
            (std::vector<int>{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}));
  EXPECT_EQ(flv_file_header(false, true)[4], 1);
  EXPECT_EQ(flv_file_header(true, false)[4], 4);
}

TEST(FlvTagsTest, TagHeaderBytes) {
  // Video, 0x012345 bytes, timestamp 0x89ABCDEF: the top byte goes to TimestampExtended.
  EXPECT_EQ(ints(flv_tag_header(9, 0x012345, 0x89ABCDEF)),
            (std::vector<int>{9, 0x01, 0x23, 0x45, 0xAB, 0xCD, 0xEF, 0x89, 0, 0, 0}));
  EXPECT_EQ(ints(flv_tag_header(18, 0, 0)), (std::vector<int>{18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(FlvTagsTest, PreviousTagSizeCountsTheHeader) {
  EXPECT_EQ(ints(flv_previous_tag_size(0)), (std::vector<int>{0, 0, 0, 11}));
  EXPECT_EQ(ints(flv_previous_tag_size(0xFFFFFF)), (std::vector<int>{0x01, 0x00, 0x00, 0x0A}));
}

}  // namespace
}  // namespace rtmp::relay
