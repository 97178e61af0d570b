#include "relay/hls_clients.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

using namespace std::chrono_literals;

TEST(HlsClientsTest, ViewersAreDistinctAddressesOfTheLast30Seconds) {
  HlsClients c;
  const TimePoint t0 = Clock::now();
  c.seen("live/a", "10.0.0.1", t0);
  c.seen("live/a", "10.0.0.1", t0 + 1s);  // the same client again
  c.seen("live/a", "10.0.0.2", t0 + 2s);
  c.seen("live/b", "10.0.0.1", t0);
  EXPECT_EQ(c.viewers("live/a", t0 + 3s), 2u);
  EXPECT_EQ(c.viewers("live/b", t0 + 3s), 1u);
  EXPECT_EQ(c.viewers("live/a", t0 + 31500ms), 1u);  // 10.0.0.1 last seen at 1 s
  EXPECT_EQ(c.viewers("live/a", t0 + 33s), 0u);
  EXPECT_EQ(c.viewers("live/none", t0), 0u);
}

TEST(HlsClientsTest, AllowedUntilItExpires) {
  HlsClients c;
  const TimePoint t0 = Clock::now();
  EXPECT_FALSE(c.allowed("ip live/a tok", t0));
  c.allow("ip live/a tok", t0 + 60s);
  EXPECT_TRUE(c.allowed("ip live/a tok", t0 + 59s));
  EXPECT_FALSE(c.allowed("ip live/a other", t0 + 1s));
  EXPECT_FALSE(c.allowed("ip live/a tok", t0 + 60s));
}

}  // namespace
}  // namespace rtmp::relay
