#include "rtmp/core/output_queue.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtmp {
namespace {

SharedBytes bytes_of(const std::string& s) {
  return make_shared_bytes(Bytes(s.begin(), s.end()));
}

std::string contents(const OutputQueue& q, std::size_t max = 1000) {
  std::vector<ByteView> views;
  q.views(views, max);
  std::string out;
  for (auto v : views) out.append(v.begin(), v.end());
  return out;
}

TEST(OutputQueue, EmptyQueueHasNoViews) {
  OutputQueue q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(contents(q), "");
  q.push(bytes_of(""));
  q.push(bytes_of("abc"), 3);
  q.push(nullptr);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.footprint(), 0u);
}

TEST(OutputQueue, PartialConsumeKeepsTheRestInOrder) {
  OutputQueue q;
  q.push(bytes_of("hello"));
  q.push(bytes_of("xxworldxx"), 2, 5);
  q.push_copy(ByteView(reinterpret_cast<const std::uint8_t*>("!"), 1));
  EXPECT_EQ(q.size(), 11u);
  EXPECT_EQ(contents(q), "helloworld!");
  q.consume(3);
  EXPECT_EQ(contents(q), "loworld!");
  q.consume(4);
  EXPECT_EQ(contents(q), "rld!");
  q.consume(100);  // more than queued: everything
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(contents(q), "");
}

// The segments live in a ring: pushing after consuming wraps around, and growing while
// wrapped must keep the order.
TEST(OutputQueue, WrapsAndGrowsInOrder) {
  OutputQueue q;
  std::string expect;
  int next = 0;
  auto push = [&](int n) {
    for (int i = 0; i < n; ++i, ++next) {
      std::string s = std::to_string(next) + ",";
      q.push(bytes_of(s));
      expect += s;
    }
  };
  push(6);
  q.consume(expect.find(',', 0) + 1 + 2);  // "0," and "1,"
  expect.erase(0, 4);
  push(5);  // wraps the first ring of 8
  EXPECT_EQ(contents(q), expect);
  push(20);  // grows while wrapped
  EXPECT_EQ(contents(q), expect);
  EXPECT_EQ(q.size(), expect.size());
  // views() honours max, oldest first.
  std::vector<ByteView> views;
  EXPECT_EQ(q.views(views, 3), 3u);
  EXPECT_EQ(std::string(views[0].begin(), views[0].end()), "2,");
  for (int round = 0; round < 50; ++round) {  // many wraps at a steady size
    q.consume(q.size() / 2);
    expect.erase(0, expect.size() / 2);
    push(7);
    ASSERT_EQ(contents(q), expect) << round;
  }
  q.clear();
  EXPECT_TRUE(q.empty());
  push(3);
  EXPECT_EQ(contents(q), expect.substr(expect.size() - contents(q).size()));
}

// A consumed segment's buffer is released at once, not when its slot is reused.
TEST(OutputQueue, ConsumedSegmentsReleaseTheirBuffers) {
  OutputQueue q;
  auto b = bytes_of("abcd");
  q.push(b);
  q.push(bytes_of("ef"));
  EXPECT_EQ(b.use_count(), 2);
  q.consume(4);
  EXPECT_EQ(b.use_count(), 1);
  q.push(b);
  q.clear();
  EXPECT_EQ(b.use_count(), 1);
}

}  // namespace
}  // namespace rtmp
