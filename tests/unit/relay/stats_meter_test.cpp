#include "relay/stats_meter.hpp"

#include "relay/stream.hpp"
#include "unit/relay/fake_session.hpp"
#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace rtmp::relay {
namespace {

using namespace std::chrono_literals;

TEST(StatsMeter, SeparatesAudioAndVideoRatesOverTheWindow) {
  StatsMeter m;
  const TimePoint t0 = Clock::now();
  m.reset(t0);
  for (int i = 0; i < 30; ++i) m.on_media(msg::video, 1000, static_cast<std::uint32_t>(i * 33), t0);
  for (int i = 0; i < 10; ++i) m.on_media(msg::audio, 250, static_cast<std::uint32_t>(i * 23), t0);
  m.on_media(msg::data_amf0, 5000, 0, t0);  // not media: not counted
  m.tick(t0 + 500ms);                       // window not over yet
  EXPECT_EQ(m.stats().video_bps, 0);
  m.tick(t0 + 2s);
  EXPECT_DOUBLE_EQ(m.stats().video_bps, 30 * 1000 * 8 / 2.0);
  EXPECT_DOUBLE_EQ(m.stats().audio_bps, 10 * 250 * 8 / 2.0);
  EXPECT_EQ(m.stats().video_bytes, 30000u);
  EXPECT_EQ(m.stats().audio_bytes, 2500u);
  EXPECT_EQ(m.stats().avsync_ms, 9 * 23 - 29 * 33);
  m.tick(t0 + 3s);  // an empty second
  EXPECT_EQ(m.stats().video_bps, 0);
  m.reset(t0 + 4s);
  EXPECT_EQ(m.stats().video_bytes, 0u);
  EXPECT_FALSE(m.stats().has_video);
}

TEST(StatsMeter, ProfilesAndLevelsFromTheConfigs) {
  StatsMeter m;
  Codec avc;
  AvcConfig config;
  config.profile = 100;
  config.level = 31;
  avc.details = config;
  m.on_codec(avc);
  Codec aac;
  aac.type = TrackType::audio;
  AacConfig lc;
  lc.object_type = 2;
  aac.details = lc;
  m.on_codec(aac);
  EXPECT_EQ(m.stats().video_profile, "High");
  EXPECT_DOUBLE_EQ(m.stats().video_level, 3.1);
  EXPECT_EQ(m.stats().audio_profile, "LC");
  EXPECT_EQ(StatsMeter::avc_profile_name(66), "Baseline");
  EXPECT_EQ(StatsMeter::avc_profile_name(1), "");
  EXPECT_EQ(StatsMeter::aac_profile_name(29), "HEv2");
}

TEST(StatsMeter, FrameRateFromMetadata) {
  StatsMeter m;
  m.on_metadata(amf::Value::ecma_array({{"framerate", amf::Value(29.97)}}));
  EXPECT_DOUBLE_EQ(m.stats().meta_frame_rate, 29.97);
  m.on_metadata(amf::Value::ecma_array({{"framerate", amf::Value(-1.0)}}));
  EXPECT_EQ(m.stats().meta_frame_rate, 0);
}

// The meter as the stream feeds it: a real sequence header gives profile and level.
TEST(StatsMeter, StreamReportsMediaStats) {
  spdlog::set_level(spdlog::level::off);
  RelayConfig config;
  Stream s("live", "key", config);
  auto pub = std::make_shared<test::FakeSession>(1, 4096);
  const TimePoint t0 = Clock::now();
  ASSERT_TRUE(s.publish(pub, 1, t0, nullptr).accepted);
  s.on_message(pub->id(), test::avc_config(), t0);
  s.on_message(pub->id(), test::aac_config(), t0);
  for (std::uint32_t i = 0; i < 10; ++i)
    s.on_message(pub->id(), test::avc_frame(i * 40, i == 0, 1000), t0);
  s.tick(t0 + 1s);
  const auto st = s.stats(t0 + 1s);
  EXPECT_EQ(st.media.video_profile, "High");  // the test SPS: profile_idc 100, level 31
  EXPECT_DOUBLE_EQ(st.media.video_level, 3.1);
  EXPECT_EQ(st.media.audio_profile, "LC");
  EXPECT_GT(st.media.video_bps, 10 * 1000 * 8);
  EXPECT_LT(st.media.audio_bps, 100);
}

TEST(StreamKick, PublisherAndPlayersById) {
  spdlog::set_level(spdlog::level::off);
  RelayConfig config;
  Stream s("live", "key", config);
  auto pub = std::make_shared<test::FakeSession>(1, 4096);
  auto player = std::make_shared<test::FakeSession>(2, 4096);
  const TimePoint t0 = Clock::now();
  EXPECT_EQ(s.kick_publisher("test"), 0u);
  ASSERT_TRUE(s.publish(pub, 1, t0, nullptr).accepted);
  ASSERT_TRUE(s.play(player, 1, t0).accepted);
  EXPECT_FALSE(s.kick(99, "test"));
  EXPECT_TRUE(s.kick(2, "test"));
  EXPECT_TRUE(player->aborted);
  EXPECT_EQ(s.stats(t0).players, 0u);
  EXPECT_FALSE(pub->aborted);
  EXPECT_EQ(s.kick_publisher("test"), 1u);
  EXPECT_TRUE(pub->aborted);
}

}  // namespace
}  // namespace rtmp::relay
