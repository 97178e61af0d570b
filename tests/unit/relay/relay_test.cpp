#include "relay/relay.hpp"

#include "unit/relay/fake_session.hpp"
#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

namespace rtmp::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class RelayTest : public ::testing::Test {
 protected:
  void SetUp() override { spdlog::set_level(spdlog::level::off); }
  std::shared_ptr<FakeSession> session() { return std::make_shared<FakeSession>(next_id_++); }
  PublishInfo publish_info(std::string key) { return {1, std::move(key), "live"}; }
  PlayInfo play_info(std::string name) {
    PlayInfo p;
    p.stream_id = 1;
    p.name = std::move(name);
    return p;
  }
  std::chrono::system_clock::time_point wall() { return std::chrono::system_clock::now(); }

  TimePoint t0_ = Clock::now();
  std::uint64_t next_id_ = 1;
};

TEST_F(RelayTest, RoutesByAppAndKeyIgnoringQueryStrings) {
  Relay relay({});
  auto pub = session(), same = session(), other_app = session(), other_key = session();
  auto p = relay.publish(pub, "live", publish_info("cam?token=1"), t0_, wall());
  ASSERT_TRUE(p.decision.accepted);
  EXPECT_EQ(Relay::stream_path("live?x=1", "cam?token=1"), "live/cam");
  EXPECT_EQ(relay.play(same, "live", play_info("cam"), t0_).stream, p.stream);
  EXPECT_NE(relay.play(other_app, "tv", play_info("cam"), t0_).stream, p.stream);
  EXPECT_NE(relay.play(other_key, "live", play_info("cam2"), t0_).stream, p.stream);
  EXPECT_EQ(relay.stream_count(), 3u);
  p.stream->on_message(pub->id(), avc_frame(0, true), t0_);
  EXPECT_EQ(same->only("media").size(), 1u);
  EXPECT_TRUE(other_app->only("media").empty());
  EXPECT_TRUE(other_key->only("media").empty());
}

TEST_F(RelayTest, OnePublisherPerKey) {
  Relay relay({});
  auto a = session(), b = session();
  ASSERT_TRUE(relay.publish(a, "live", publish_info("k"), t0_, wall()).decision.accepted);
  auto r = relay.publish(b, "live", publish_info("k?other"), t0_, wall());
  EXPECT_FALSE(r.decision.accepted);
  EXPECT_EQ(r.decision.code, "NetStream.Publish.BadName");
  EXPECT_TRUE(relay.publish(b, "other", publish_info("k"), t0_, wall()).decision.accepted);
}

TEST_F(RelayTest, ForgetsAStreamOnceNobodyUsesIt) {
  Relay relay({});
  auto pub = session(), player = session();
  auto p = relay.publish(pub, "live", publish_info("k"), t0_, wall());
  auto q = relay.play(player, "live", play_info("k"), t0_);
  relay.unpublish(p.stream, pub->id(), t0_, "done");
  EXPECT_EQ(relay.stream_count(), 1u);  // the player waits for a republish
  relay.leave(q.stream, player->id(), "bye");
  EXPECT_EQ(relay.stream_count(), 0u);
}

TEST_F(RelayTest, KeyFileAllowsAndRejects) {
  fs::path keys = fs::path(::testing::TempDir()) / "relay_test_keys.txt";
  std::ofstream(keys) << "good\nlive/scoped\n";
  RelayConfig c;
  c.publish_key_file = keys;
  Relay relay(c);
  ASSERT_TRUE(relay.init().has_value());
  EXPECT_TRUE(
      relay.publish(session(), "live", publish_info("good"), t0_, wall()).decision.accepted);
  EXPECT_TRUE(
      relay.publish(session(), "live", publish_info("scoped?t=1"), t0_, wall()).decision.accepted);
  auto bad = relay.publish(session(), "live", publish_info("bad"), t0_, wall());
  EXPECT_FALSE(bad.decision.accepted);
  EXPECT_EQ(bad.decision.description, "publish key not allowed");
  EXPECT_FALSE(
      relay.publish(session(), "tv", publish_info("scoped"), t0_, wall()).decision.accepted);
  EXPECT_EQ(relay.stream_count(), 2u);  // rejected keys leave nothing behind
  // Reload picks up a new file content.
  std::ofstream(keys) << "bad\n";
  ASSERT_TRUE(relay.reload_keys().has_value());
  EXPECT_TRUE(relay.publish(session(), "live", publish_info("bad"), t0_, wall()).decision.accepted);
  RelayConfig missing;
  missing.publish_key_file = "/nonexistent/keys.txt";
  EXPECT_FALSE(Relay(missing).init().has_value());
}

TEST_F(RelayTest, RecordsToDirAppKey) {
  fs::path dir = fs::path(::testing::TempDir()) / "relay_test_rec";
  fs::remove_all(dir);
  RelayConfig c;
  c.record_dir = dir;
  Relay relay(c);
  auto pub = session();
  auto p = relay.publish(pub, "live", publish_info("cam?x"), t0_,
                         std::chrono::system_clock::from_time_t(1717755302));
  ASSERT_TRUE(p.decision.accepted);
  p.stream->on_message(pub->id(), avc_frame(0, true), t0_);
  EXPECT_EQ(p.stream->stats(t0_).recording, (dir / "live" / "cam-20240607T101502Z.flv").string());
  // A second publisher that loses the race leaves no file behind.
  EXPECT_FALSE(
      relay.publish(session(), "live", publish_info("cam"), t0_, wall()).decision.accepted);
  relay.unpublish(p.stream, pub->id(), t0_, "done");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "live"), fs::directory_iterator()), 1);
}

TEST_F(RelayTest, ShutdownEndsEverythingAndRefusesNewcomers) {
  Relay relay({});
  auto pub = session(), player = session();
  relay.publish(pub, "live", publish_info("k"), t0_, wall());
  relay.play(player, "live", play_info("k"), t0_);
  relay.shutdown("server stopping");
  EXPECT_TRUE(pub->closed);
  EXPECT_TRUE(player->closed);
  EXPECT_EQ(relay.stream_count(), 0u);
  EXPECT_FALSE(relay.play(session(), "live", play_info("k"), t0_).decision.accepted);
  EXPECT_FALSE(relay.publish(session(), "live", publish_info("k"), t0_, wall()).decision.accepted);
}

TEST_F(RelayTest, MaxConnectionsRefusesTheHandlerPastTheLimit) {
  RelayConfig c;
  c.max_connections = 2;
  Relay relay(c);
  auto factory = relay.handler_factory();
  auto a = factory({});
  auto b = factory({});
  EXPECT_TRUE(a && b);
  EXPECT_EQ(relay.connections(), 2u);
  EXPECT_EQ(factory({}), nullptr);
  a.reset();
  EXPECT_NE(factory({}), nullptr);
}

TEST_F(RelayTest, StatsListEveryStream) {
  Relay relay({});
  auto pub = session();
  auto p = relay.publish(pub, "live", publish_info("k"), t0_, wall());
  relay.play(session(), "live", play_info("k"), t0_);
  p.stream->on_message(pub->id(), avc_config(), t0_);
  p.stream->on_message(pub->id(), aac_config(), t0_);
  for (std::uint32_t t = 0; t < 1000; t += 40)
    p.stream->on_message(pub->id(), avc_frame(t, t == 0, 2000), t0_);
  relay.tick(t0_ + 1s);
  auto all = relay.stats(t0_ + 1s);
  ASSERT_EQ(all.size(), 1u);
  const auto& s = all[0];
  EXPECT_TRUE(s.live);
  EXPECT_EQ(s.video_codec, "h264");
  EXPECT_EQ(s.audio_codec, "aac");
  EXPECT_EQ(s.audio_sample_rate, 44100u);
  EXPECT_EQ(s.audio_channels, 2u);
  EXPECT_EQ(s.video_frames_in, 25u);
  EXPECT_DOUBLE_EQ(s.fps, 25.0);
  EXPECT_GT(s.bitrate_in_kbps, 400.0);
  EXPECT_EQ(s.players, 1u);
  EXPECT_EQ(s.player_list.size(), 1u);
  EXPECT_DOUBLE_EQ(s.uptime_s, 1.0);
}

}  // namespace
}  // namespace rtmp::relay
