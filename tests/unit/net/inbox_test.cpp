#include "net/inbox.hpp"

#include <gtest/gtest.h>

namespace rtmp::net {
namespace {

Message media(std::uint8_t type, std::uint32_t ts) {
  Message m;
  m.type = type;
  m.timestamp = ts;
  m.stream_id = 1;
  return m;
}
Message video(std::uint32_t ts) {
  return media(msg::video, ts);
}
Message audio(std::uint32_t ts) {
  return media(msg::audio, ts);
}

TEST(AudioHoldPolicy, HoldsAudioOnlyOnceTheVideoIntervalIsKnown) {
  AudioHoldPolicy p;
  EXPECT_FALSE(p.holds(audio(0)));  // nothing known yet
  EXPECT_FALSE(p.holds(video(0)));
  EXPECT_FALSE(p.holds(audio(10)));  // one video frame: no interval yet
  EXPECT_FALSE(p.holds(video(33)));
  EXPECT_EQ(p.video_interval_ms(), 33u);
  EXPECT_TRUE(p.holds(audio(40)));    // within one interval of the last frame
  EXPECT_FALSE(p.holds(audio(70)));   // a whole interval later: video may have stopped
  EXPECT_FALSE(p.holds(audio(500)));  // audio-only from here
}

TEST(AudioHoldPolicy, IgnoresGapsLongerThanTheMaximum) {
  AudioHoldPolicy p;
  p.holds(video(0));
  p.holds(video(500));  // a stall, not a frame interval
  EXPECT_EQ(p.video_interval_ms(), 0u);
  EXPECT_FALSE(p.holds(audio(510)));
}

TEST(Inbox, FirstPushWakesAndLaterOnesRideTheSameDrain) {
  Inbox in;
  EXPECT_EQ(in.push(nullptr, video(0), false).action, Inbox::Push::wake);
  EXPECT_EQ(in.push(nullptr, audio(5), false).action, Inbox::Push::none);
  std::vector<Inbox::Item> out;
  in.take(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].second.type, msg::video);
  EXPECT_EQ(out[1].second.type, msg::audio);
  // Taking them all ends the scheduled drain: the next push wakes again.
  EXPECT_EQ(in.push(nullptr, video(33), false).action, Inbox::Push::wake);
}

TEST(Inbox, AudioHoldsOnceAndVideoWakes) {
  Inbox in;
  std::vector<Inbox::Item> out;
  for (std::uint32_t ts : {0u, 33u}) {
    in.push(nullptr, video(ts), true);
    in.take(out);
  }
  auto r = in.push(nullptr, audio(40), true);
  ASSERT_EQ(r.action, Inbox::Push::hold);
  EXPECT_EQ(r.interval_ms, 33u);
  EXPECT_EQ(in.push(nullptr, audio(50), true).action, Inbox::Push::none);  // already held
  EXPECT_EQ(in.push(nullptr, video(66), true).action, Inbox::Push::wake);
  // The video's drain took over: the hold's release has nothing left to do.
  EXPECT_FALSE(in.release(r.gen));
  in.take(out);
  EXPECT_EQ(out.size(), 3u);
}

TEST(Inbox, ReleaseSchedulesOnlyTheCurrentHold) {
  Inbox in;
  std::vector<Inbox::Item> out;
  for (std::uint32_t ts : {0u, 33u}) {
    in.push(nullptr, video(ts), true);
    in.take(out);
  }
  auto first = in.push(nullptr, audio(40), true);
  ASSERT_EQ(first.action, Inbox::Push::hold);
  EXPECT_TRUE(in.release(first.gen));
  EXPECT_FALSE(in.release(first.gen));  // scheduled already
  in.take(out);
  auto second = in.push(nullptr, audio(45), true);
  ASSERT_EQ(second.action, Inbox::Push::hold);
  EXPECT_NE(second.gen, first.gen);
  EXPECT_FALSE(in.release(first.gen));  // an old hold does not end a newer one early
  EXPECT_TRUE(in.release(second.gen));
}

TEST(Inbox, TakeUpToAMarkLeavesLaterHandOffs) {
  Inbox in;
  in.push(nullptr, video(0), false);
  const auto mark = in.mark();
  in.push(nullptr, video(33), false);
  std::vector<Inbox::Item> out;
  in.take(out, mark);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].second.timestamp, 0u);
  // The later one keeps its scheduled drain: no second wake.
  EXPECT_EQ(in.push(nullptr, video(66), false).action, Inbox::Push::none);
  in.take(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].second.timestamp, 66u);
  EXPECT_EQ(in.mark(), 3u);
}

}  // namespace
}  // namespace rtmp::net
