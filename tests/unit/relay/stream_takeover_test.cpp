// Publisher takeover (RelayConfig::publisher_takeover): a second publish of a live key.
#include "relay/stream.hpp"

#include "unit/relay/fake_session.hpp"
#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace rtmp::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;
using Takeover = RelayConfig::Takeover;

class StreamTakeoverTest : public ::testing::Test {
 protected:
  void SetUp() override { spdlog::set_level(spdlog::level::off); }
  std::shared_ptr<FakeSession> session() { return std::make_shared<FakeSession>(next_id_++); }
  std::unique_ptr<Stream> make(Takeover mode) {
    config_.publisher_takeover = mode;
    config_.takeover_stale = 2000ms;
    return std::make_unique<Stream>("live", "key", config_);
  }
  // Metadata, sequence headers, a keyframe and an inter frame from `ts`.
  void publish_gop(Stream& s, FakeSession& pub, std::uint32_t ts, TimePoint now) {
    s.on_metadata(pub.id(), metadata(), ts, now);
    s.on_message(pub.id(), avc_config(ts), now);
    s.on_message(pub.id(), aac_config(ts), now);
    s.on_message(pub.id(), avc_frame(ts, true, 500), now);
    s.on_message(pub.id(), avc_frame(ts + 40, false, 100), now);
  }
  static bool has(const FakeSession& s, const std::string& e) {
    return std::find(s.log.begin(), s.log.end(), e) != s.log.end();
  }

  RelayConfig config_;
  TimePoint t0_ = Clock::now();
  std::uint64_t next_id_ = 1;
};

TEST_F(StreamTakeoverTest, StalePublisherIsReplacedAndPlayersContinueWithoutUnpublish) {
  auto s = make(Takeover::stale);
  auto old_pub = session(), player = session();
  ASSERT_TRUE(s->publish(old_pub, 1, t0_, nullptr).accepted);
  ASSERT_TRUE(s->play(player, 1, t0_).accepted);
  publish_gop(*s, *old_pub, 1000, t0_);
  const auto before = player->encoded.size();

  auto new_pub = session();
  const auto later = t0_ + 2500ms;  // the old one silent for longer than 2 s
  ASSERT_TRUE(s->publish(new_pub, 1, later, nullptr).accepted);
  EXPECT_TRUE(has(*old_pub, "status NetStream.Publish.BadName"));
  EXPECT_TRUE(old_pub->closed);
  // The old publisher's late messages are not relayed; the new one's are, rebased.
  s->on_message(old_pub->id(), avc_frame(1080, false, 100), later);
  EXPECT_EQ(player->encoded.size(), before);
  publish_gop(*s, *new_pub, 0, later);
  EXPECT_FALSE(has(*player, "status NetStream.Play.UnpublishNotify"));
  EXPECT_FALSE(player->closed);
  ASSERT_EQ(player->encoded.size(), before + 5);
  // Metadata and sequence headers first, then the keyframe; timestamps go on after 1040.
  std::vector<std::uint32_t> ts;
  for (std::size_t i = before; i < player->encoded.size(); ++i)
    ts.push_back(player->encoded[i].header.timestamp);
  EXPECT_EQ(ts, (std::vector<std::uint32_t>{1041, 1041, 1041, 1041, 1081}));
  EXPECT_EQ(player->encoded[before].header.type, msg::data_amf0);
  EXPECT_EQ(player->encoded[before + 3].header.type, msg::video);
}

TEST_F(StreamTakeoverTest, StaleModeRejectsWhileThePublisherIsActive) {
  auto s = make(Takeover::stale);
  auto old_pub = session(), new_pub = session();
  ASSERT_TRUE(s->publish(old_pub, 1, t0_, nullptr).accepted);
  publish_gop(*s, *old_pub, 0, t0_ + 1500ms);
  auto d = s->publish(new_pub, 1, t0_ + 2500ms, nullptr);  // 1 s after its last message
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.code, "NetStream.Publish.BadName");
  EXPECT_FALSE(old_pub->closed);
}

TEST_F(StreamTakeoverTest, AlwaysModeReplacesAnActivePublisher) {
  auto s = make(Takeover::always);
  auto old_pub = session(), new_pub = session(), player = session();
  ASSERT_TRUE(s->publish(old_pub, 1, t0_, nullptr).accepted);
  ASSERT_TRUE(s->play(player, 1, t0_).accepted);
  publish_gop(*s, *old_pub, 0, t0_);
  ASSERT_TRUE(s->publish(new_pub, 1, t0_, nullptr).accepted);
  EXPECT_TRUE(old_pub->closed);
  // The old one's disconnect does not unpublish the new one.
  s->unpublish(old_pub->id(), t0_, "closed");
  EXPECT_TRUE(s->live());
  EXPECT_FALSE(has(*player, "status NetStream.Play.UnpublishNotify"));
}

TEST_F(StreamTakeoverTest, OffModeKeepsTheRejection) {
  auto s = make(Takeover::off);
  auto old_pub = session(), new_pub = session();
  ASSERT_TRUE(s->publish(old_pub, 1, t0_, nullptr).accepted);
  auto d = s->publish(new_pub, 1, t0_ + 60s, nullptr);
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.code, "NetStream.Publish.BadName");
  EXPECT_FALSE(old_pub->closed);
}

}  // namespace
}  // namespace rtmp::relay
