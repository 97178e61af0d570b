#include "relay/backlog.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

TEST(Backlog, TracksBytesAndDurationOfUnwrittenMessages) {
  Backlog b;
  b.sent(100, 1000);
  b.sent(200, 1040);
  b.sent(300, 1080);
  b.update(600);  // nothing written
  EXPECT_EQ(b.bytes(), 600u);
  EXPECT_EQ(b.duration_ms(), 80u);
  b.update(550);  // part of the first message written: it is still the oldest
  EXPECT_EQ(b.duration_ms(), 80u);
  b.update(300);  // first two written
  EXPECT_EQ(b.duration_ms(), 0u);
  EXPECT_EQ(b.entries(), 1u);
  b.update(0);
  EXPECT_EQ(b.entries(), 0u);
  EXPECT_EQ(b.bytes(), 0u);
}

TEST(Backlog, SequenceHeadersOfAFastStartDoNotDateIt) {
  // A joiner of a stream 60 s old gets the sequence headers (ts 0) then the cached GOP; with
  // that burst unwritten, the backlog spans the GOP, not the stream's age.
  Backlog b;
  b.sent(40, 0, false);  // AVC sequence header
  b.sent(7, 0, false);   // AAC sequence header
  EXPECT_EQ(b.duration_ms(), 0u);
  b.sent(30000, 60000);
  b.sent(8000, 60033);
  b.sent(8000, 60066);
  b.update(b.total_sent());
  EXPECT_EQ(b.duration_ms(), 66u);
  EXPECT_EQ(b.bytes(), 46047u);
}

TEST(Backlog, PendingIncludingOtherOutputIsCappedAtWhatWasSent) {
  Backlog b;
  b.sent(100, 0);
  b.update(150);  // e.g. a status message queued by the session itself
  EXPECT_EQ(b.bytes(), 100u);
  EXPECT_EQ(b.entries(), 1u);
}

TEST(Backlog, DurationAcrossTimestampWrap) {
  Backlog b;
  b.sent(10, 0xFFFFFFF0u);
  b.sent(10, 0x00000010u);
  b.update(20);
  EXPECT_EQ(b.duration_ms(), 0x20u);
}

TEST(Backlog, TimestampsGoingBackIsNotABacklog) {
  Backlog b;
  b.sent(10, 50000);
  b.sent(10, 0);  // republish starting at 0
  b.update(20);
  EXPECT_EQ(b.duration_ms(), 0u);
}

TEST(Backlog, GrowsThenSaturatesKeepingTheOldest) {
  Backlog b(128);
  for (std::uint32_t i = 0; i < 1000; ++i) b.sent(1, i * 10);
  b.update(1000);
  EXPECT_TRUE(b.full());
  EXPECT_EQ(b.entries(), 128u);
  EXPECT_EQ(b.duration_ms(), 9990u);
  b.update(0);
  EXPECT_EQ(b.entries(), 0u);
  EXPECT_FALSE(b.full());
  // Reusable after draining.
  b.sent(5, 7);
  b.update(5);
  EXPECT_EQ(b.entries(), 1u);
}

}  // namespace
}  // namespace rtmp::relay
