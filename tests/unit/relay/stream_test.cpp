#include "relay/stream.hpp"

#include "unit/relay/fake_session.hpp"
#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace rtmp::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override { spdlog::set_level(spdlog::level::off); }

  std::shared_ptr<FakeSession> session(std::uint32_t chunk = 4096) {
    return std::make_shared<FakeSession>(next_id_++, chunk);
  }
  std::unique_ptr<Stream> make(RelayConfig c = {}) {
    config_ = c;
    return std::make_unique<Stream>("live", "key", config_);
  }
  void publish_start(Stream& s, FakeSession& pub) {
    s.on_metadata(pub.id(), metadata(), 0, t0_);
    s.on_message(pub.id(), avc_config(), t0_);
    s.on_message(pub.id(), aac_config(), t0_);
  }

  RelayConfig config_;
  TimePoint t0_ = Clock::now();
  std::uint64_t next_id_ = 1;
};

TEST_F(StreamTest, FanOutQueuesTheSameBufferForEveryPlayer) {
  auto s = make();
  auto pub = session();
  ASSERT_TRUE(s->publish(pub, 1, t0_, nullptr).accepted);
  std::vector<std::shared_ptr<FakeSession>> players;
  for (int i = 0; i < 3; ++i) {
    players.push_back(session());
    ASSERT_TRUE(s->play(players.back(), 1, t0_).accepted);
  }
  s->on_message(pub->id(), avc_frame(0, true, 20000), t0_);
  for (auto& p : players) ASSERT_EQ(p->encoded.size(), 1u);
  const Bytes* buffer = players[0]->encoded[0].chunks.get();
  for (auto& p : players) EXPECT_EQ(p->encoded[0].chunks.get(), buffer) << "copied per player";
  // The chunk stream is the relay's own (6 for video), the message stream the player's.
  EXPECT_EQ(players[0]->encoded[0].header.csid, csid::video);
  EXPECT_EQ(players[0]->encoded[0].header.stream_id, 1u);
}

TEST_F(StreamTest, PlayersOnAnotherStreamIdOrChunkSizeGetTheirOwnEncoding) {
  auto s = make();
  auto pub = session();
  auto a = session(), b = session(), c = session(128), d = session();
  ASSERT_TRUE(s->publish(pub, 1, t0_, nullptr).accepted);
  s->play(a, 1, t0_);
  s->play(b, 1, t0_);
  s->play(c, 1, t0_);
  s->play(d, 2, t0_);
  s->on_message(pub->id(), avc_frame(0, true, 1000), t0_);
  EXPECT_EQ(a->encoded[0].chunks.get(), b->encoded[0].chunks.get());
  EXPECT_NE(a->encoded[0].chunks.get(), c->encoded[0].chunks.get());
  EXPECT_NE(a->encoded[0].chunks.get(), d->encoded[0].chunks.get());
  // Each decodes to the published message.
  for (auto* p : {a.get(), b.get(), c.get(), d.get()}) {
    auto msgs = p->decode();
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].size(), avc_frame(0, true, 1000).size());
    EXPECT_EQ(msgs[0].stream_id, p == d.get() ? 2u : 1u);
  }
}

TEST_F(StreamTest, MetadataIsRelayedAsOnMetaDataWithoutSetDataFrame) {
  auto s = make();
  auto pub = session(), player = session();
  s->publish(pub, 1, t0_, nullptr);
  s->play(player, 1, t0_);
  s->on_metadata(pub->id(), metadata(), 0, t0_);
  auto msgs = player->decode();
  ASSERT_EQ(msgs.size(), 1u);
  auto values = parse_data(msgs[0]);
  ASSERT_TRUE(values.has_value());
  ASSERT_EQ(values->size(), 2u);
  EXPECT_EQ((*values)[0].as_string(), "onMetaData");
  EXPECT_EQ((*values)[1].get("width")->as_number(), 640.0);
  EXPECT_EQ(s->stats(t0_).width, 640u);
}

TEST_F(StreamTest, LateJoinerStartsWithMetadataSequenceHeadersAndTheCurrentGop) {
  auto s = make();
  auto pub = session();
  s->publish(pub, 1, t0_, nullptr);
  publish_start(*s, *pub);
  s->on_message(pub->id(), avc_frame(0, true), t0_);
  s->on_message(pub->id(), aac_frame(10), t0_);
  s->on_message(pub->id(), avc_frame(40, false), t0_);
  s->on_message(pub->id(), avc_frame(1000, true), t0_);
  s->on_message(pub->id(), aac_frame(1010), t0_);
  s->on_message(pub->id(), avc_frame(1040, false), t0_);
  auto late = session();
  ASSERT_TRUE(s->play(late, 1, t0_).accepted);
  s->on_message(pub->id(), avc_frame(1080, false), t0_);
  EXPECT_EQ(late->log, (Strings{"media 18 0", "media 9 0", "media 8 0", "media 9 1000",
                                "media 8 1010", "media 9 1040", "media 9 1080"}));
  auto st = s->stats(t0_);
  EXPECT_EQ(st.player_list.at(0).frames_dropped, 0u);
  EXPECT_EQ(st.gop_cache_packets, 4u);
}

TEST_F(StreamTest, WithoutGopCacheAJoinerWaitsForTheNextKeyframe) {
  RelayConfig c;
  c.gop.enabled = false;
  auto s = make(c);
  auto pub = session();
  s->publish(pub, 1, t0_, nullptr);
  publish_start(*s, *pub);
  s->on_message(pub->id(), avc_frame(0, true), t0_);
  s->on_message(pub->id(), avc_frame(40, false), t0_);
  auto late = session();
  s->play(late, 1, t0_);
  s->on_message(pub->id(), aac_frame(50), t0_);
  s->on_message(pub->id(), avc_frame(80, false), t0_);
  s->on_message(pub->id(), avc_frame(1000, true), t0_);
  s->on_message(pub->id(), aac_frame(1010), t0_);
  EXPECT_EQ(late->log,
            (Strings{"media 18 0", "media 9 0", "media 8 0", "media 9 1000", "media 8 1010"}));
  EXPECT_EQ(s->stats(t0_).frames_dropped, 0u);  // never had them: not drops
}

TEST_F(StreamTest, AudioOnlyJoinerStartsAtOnce) {
  auto s = make();
  auto pub = session();
  s->publish(pub, 1, t0_, nullptr);
  s->on_message(pub->id(), mp3_frame(0), t0_);
  auto late = session();
  s->play(late, 1, t0_);
  s->on_message(pub->id(), mp3_frame(26), t0_);
  EXPECT_EQ(late->log, (Strings{"media 8 26"}));
  EXPECT_EQ(s->stats(t0_).audio_codec, "mp3");
  EXPECT_EQ(s->stats(t0_).audio_sample_rate, 44100u);
}

TEST_F(StreamTest, SecondPublisherIsRejectedAndTheFirstUndisturbed) {
  auto s = make();
  auto first = session(), second = session(), player = session();
  s->play(player, 1, t0_);
  ASSERT_TRUE(s->publish(first, 1, t0_, nullptr).accepted);
  auto d = s->publish(second, 1, t0_, nullptr);
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.code, "NetStream.Publish.BadName");
  s->on_message(second->id(), avc_frame(0, true), t0_);  // ignored
  s->unpublish(second->id(), t0_, "gone");               // ignored
  s->on_message(first->id(), avc_frame(40, true), t0_);
  EXPECT_TRUE(first->log.empty());
  EXPECT_EQ(player->only("media"), (Strings{"media 9 40"}));
  EXPECT_TRUE(s->live());
}

TEST_F(StreamTest, WaitingPlayerGetsPublishNotifyThenTheStream) {
  auto s = make();
  auto player = session(), pub = session();
  s->play(player, 1, t0_);
  EXPECT_TRUE(player->log.empty());
  s->publish(pub, 1, t0_, nullptr);
  publish_start(*s, *pub);
  s->on_message(pub->id(), aac_frame(0), t0_);  // before any video: kept
  s->on_message(pub->id(), avc_frame(0, true), t0_);
  EXPECT_EQ(player->log,
            (Strings{"control 0 1", "status NetStream.Play.PublishNotify", "media 18 0",
                     "media 9 0", "media 8 0", "media 8 0", "media 9 0"}));
}

TEST_F(StreamTest, WaitForPublisherTimesOutWithStreamNotFound) {
  RelayConfig c;
  c.wait_for_publisher = 5000ms;
  auto s = make(c);
  auto player = session();
  ASSERT_TRUE(s->play(player, 1, t0_).accepted);
  s->tick(t0_ + 4900ms);
  EXPECT_TRUE(player->log.empty());
  s->tick(t0_ + 5000ms);
  EXPECT_EQ(player->log, (Strings{"status NetStream.Play.StreamNotFound", "close"}));
  EXPECT_TRUE(s->unused());
}

TEST_F(StreamTest, WaitZeroRejectsAPlayerOfAKeyThatIsNotLive) {
  RelayConfig c;
  c.wait_for_publisher = 0ms;
  auto s = make(c);
  auto d = s->play(session(), 1, t0_);
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.code, "NetStream.Play.StreamNotFound");
  auto pub = session();
  s->publish(pub, 1, t0_, nullptr);
  EXPECT_TRUE(s->play(session(), 1, t0_).accepted);
}

TEST_F(StreamTest, UnpublishNotifiesPlayersWhoStayForTheRepublish) {
  auto s = make();
  auto pub = session(), player = session();
  s->play(player, 1, t0_);
  s->publish(pub, 1, t0_, nullptr);
  publish_start(*s, *pub);
  s->on_message(pub->id(), avc_frame(0, true), t0_);
  player->clear();
  s->unpublish(pub->id(), t0_ + 1s, "stream deleted");
  EXPECT_FALSE(s->live());
  EXPECT_FALSE(s->unused());
  // StreamEOF follows on a later tick (see Stream::unpublish).
  EXPECT_EQ(player->log, (Strings{"status NetStream.Play.UnpublishNotify"}));
  s->tick(t0_ + 1100ms);
  EXPECT_EQ(player->log.size(), 1u);
  s->tick(t0_ + 1250ms);
  EXPECT_EQ(player->log, (Strings{"status NetStream.Play.UnpublishNotify", "control 1 1"}));
  // Republish: StreamBegin + PublishNotify, then the new publisher's sequence headers.
  player->clear();
  auto pub2 = session();
  ASSERT_TRUE(s->publish(pub2, 1, t0_ + 2s, nullptr).accepted);
  s->on_message(pub2->id(), avc_frame(5, false), t0_ + 2s);  // no keyframe yet: skipped
  s->on_message(pub2->id(), avc_config(10), t0_ + 2s);
  s->on_message(pub2->id(), avc_frame(10, true), t0_ + 2s);
  EXPECT_EQ(player->log, (Strings{"control 0 1", "status NetStream.Play.PublishNotify",
                                  "media 9 10", "media 9 10"}));
}

TEST_F(StreamTest, QuickRepublishSendsThePendingStreamEofFirst) {
  auto s = make();
  auto pub = session(), player = session();
  s->play(player, 1, t0_);
  s->publish(pub, 1, t0_, nullptr);
  s->unpublish(pub->id(), t0_, "gone");
  s->publish(session(), 1, t0_ + 10ms, nullptr);
  EXPECT_EQ(player->log, (Strings{"control 0 1", "status NetStream.Play.PublishNotify",
                                  "status NetStream.Play.UnpublishNotify", "control 1 1",
                                  "control 0 1", "status NetStream.Play.PublishNotify"}));
  s->tick(t0_ + 1s);
  EXPECT_EQ(player->log.size(), 6u);  // no second StreamEOF
}

TEST_F(StreamTest, SlowPlayerSkipsWholeFramesToTheNextKeyframeNeverSequenceHeaders) {
  RelayConfig c;
  c.player_queue_bytes = 10000;
  c.player_queue_ms = 100000;
  auto s = make(c);
  auto pub = session(), fast = session(), slow = session();
  s->publish(pub, 1, t0_, nullptr);
  s->play(fast, 1, t0_);
  s->play(slow, 1, t0_);
  publish_start(*s, *pub);
  s->on_message(pub->id(), avc_frame(0, true, 4000), t0_);
  s->on_message(pub->id(), avc_frame(40, false, 4000), t0_);
  s->on_message(pub->id(), avc_frame(80, false, 4000), t0_);
  slow->pending = slow->sent_bytes();  // it read nothing
  slow->clear();
  s->on_message(pub->id(), avc_frame(120, false, 3000), t0_);  // over the cap: dropped
  s->on_message(pub->id(), aac_frame(130), t0_);               // dropped too (in sync)
  s->on_message(pub->id(), avc_config(150), t0_);              // never dropped
  s->on_metadata(pub->id(), metadata(), 150, t0_);             // never dropped
  s->on_message(pub->id(), avc_frame(160, false, 3000), t0_);  // dropped
  s->on_message(pub->id(), avc_frame(200, true, 3000), t0_);   // still behind: dropped
  slow->pending = 0;                                           // caught up
  s->on_message(pub->id(), avc_frame(240, false, 3000), t0_);  // not a keyframe: dropped
  s->on_message(pub->id(), avc_frame(280, true, 3000), t0_);   // resumes here
  s->on_message(pub->id(), aac_frame(290), t0_);
  EXPECT_EQ(slow->log, (Strings{"media 9 150", "media 18 150", "media 9 280", "media 8 290"}));
  EXPECT_EQ(fast->only("media").size(), 3u + 3u + 9u);
  auto st = s->stats(t0_);
  EXPECT_EQ(st.frames_dropped, 5u);
  EXPECT_EQ(st.player_list.at(1).frames_dropped, 5u);
  EXPECT_EQ(st.player_list.at(0).frames_dropped, 0u);
  // What the slow player got is still a well-formed chunk stream.
  EXPECT_EQ(slow->decode().size(), 4u);
}

TEST_F(StreamTest, SlowPlayerByMediaDuration) {
  RelayConfig c;
  c.player_queue_ms = 1000;
  auto s = make(c);
  auto pub = session(), slow = session();
  s->publish(pub, 1, t0_, nullptr);
  s->play(slow, 1, t0_);
  for (std::uint32_t t = 0; t <= 2000; t += 100) {
    s->on_message(pub->id(), avc_frame(t, t % 1000 == 0), t0_);
    slow->pending = slow->sent_bytes();  // nothing written, ever
  }
  auto st = s->stats(t0_).player_list.at(0);
  EXPECT_TRUE(st.skipping);
  // 0..1100 ms go out; at 1200 ms the queue spans 1100 ms > 1000 ms: skipping from there,
  // through the keyframe at 2000 ms (still behind).
  EXPECT_EQ(st.frames_sent, 12u);
  EXPECT_EQ(st.frames_dropped, 9u);
  EXPECT_EQ(st.backlog_ms, 1100u);
}

TEST_F(StreamTest, PlayerStillBehindAfterTheTimeoutIsDisconnected) {
  RelayConfig c;
  c.player_queue_bytes = 1000;
  c.slow_player_timeout = 5s;
  auto s = make(c);
  auto pub = session(), slow = session(), fast = session();
  s->publish(pub, 1, t0_, nullptr);
  s->play(slow, 1, t0_);
  s->play(fast, 1, t0_);
  s->on_message(pub->id(), avc_frame(0, true, 2000), t0_);
  slow->pending = 2100;
  s->on_message(pub->id(), avc_frame(40, false), t0_ + 1s);  // starts skipping
  s->tick(t0_ + 5s);
  EXPECT_FALSE(slow->aborted);
  s->tick(t0_ + 6100ms);
  EXPECT_TRUE(slow->aborted);
  EXPECT_FALSE(fast->aborted);
  auto st = s->stats(t0_ + 7s);
  EXPECT_EQ(st.players, 1u);
  EXPECT_EQ(st.players_dropped_slow, 1u);
  s->on_message(pub->id(), avc_frame(80, false), t0_ + 7s);
  EXPECT_EQ(slow->only("media").size(), 1u);
}

TEST_F(StreamTest, SlowPlayerFoundDuringFanOutIsDisconnectedToo) {
  RelayConfig c;
  c.player_queue_bytes = 1000;
  c.slow_player_timeout = 2s;
  auto s = make(c);
  auto pub = session(), slow = session();
  s->publish(pub, 1, t0_, nullptr);
  s->play(slow, 1, t0_);
  s->on_message(pub->id(), avc_frame(0, true, 2000), t0_);
  slow->pending = 2100;
  s->on_message(pub->id(), avc_frame(40, false), t0_);
  s->on_message(pub->id(), avc_frame(80, false), t0_ + 3s);
  EXPECT_TRUE(slow->aborted);
  EXPECT_EQ(s->stats(t0_).players, 0u);
}

TEST_F(StreamTest, PlayerThatWritesNothingIsDisconnectedEvenWhenNotSkipping) {
  RelayConfig c;
  c.slow_player_timeout = 5s;  // the queue caps stay at their defaults: nobody skips
  auto s = make(c);
  auto pub = session(), stalled = session(), reading = session(), slowly = session();
  s->publish(pub, 1, t0_, nullptr);
  s->play(stalled, 1, t0_);
  s->play(reading, 1, t0_);
  s->play(slowly, 1, t0_);
  s->on_message(pub->id(), avc_frame(0, true, 2000), t0_);
  stalled->pending = stalled->sent_bytes();  // paused: never writes a byte
  s->on_message(pub->id(), avc_frame(40, false, 2000), t0_ + 1s);
  stalled->pending = stalled->sent_bytes();
  slowly->pending = slowly->sent_bytes();
  // The stream ends: an unpublish clears any skipping, the players wait for the next one.
  s->unpublish(pub->id(), t0_ + 2s, "end");
  for (auto t = 2s; t <= 5s; t += 1s) {
    s->tick(t0_ + t);
    slowly->pending = slowly->pending - 100;  // writes a little every second
  }
  EXPECT_FALSE(stalled->aborted);  // 5 s since its backlog began: not more than the timeout
  s->tick(t0_ + 5100ms);
  EXPECT_TRUE(stalled->aborted);
  EXPECT_FALSE(reading->aborted);
  EXPECT_FALSE(slowly->aborted);
  auto st = s->stats(t0_ + 6s);
  EXPECT_EQ(st.players, 2u);
  EXPECT_EQ(st.players_dropped_slow, 1u);
  // A player that writes nothing but has nothing waiting is fine.
  slowly->pending = 0;
  s->tick(t0_ + 60s);
  EXPECT_EQ(s->stats(t0_ + 60s).players, 2u);
}

TEST_F(StreamTest, LeaveAndUnused) {
  auto s = make();
  auto pub = session(), player = session();
  s->publish(pub, 1, t0_, nullptr);
  s->play(player, 1, t0_);
  s->leave(player->id(), "bye");
  s->on_message(pub->id(), avc_frame(0, true), t0_);
  EXPECT_TRUE(player->log.empty());
  EXPECT_FALSE(s->unused());
  s->unpublish(pub->id(), t0_, "bye");
  EXPECT_TRUE(s->unused());
}

TEST_F(StreamTest, ShutdownEndsPlayersAndClosesThePublisher) {
  auto s = make();
  auto pub = session(), player = session();
  s->publish(pub, 1, t0_, nullptr);
  s->play(player, 1, t0_);
  s->shutdown("server stopping");
  EXPECT_EQ(player->log,
            (Strings{"status NetStream.Play.UnpublishNotify", "control 1 1", "close"}));
  EXPECT_EQ(pub->log, (Strings{"close"}));
  EXPECT_TRUE(s->unused());
}

TEST_F(StreamTest, RecordsThePublishAndClosesTheFileOnUnpublish) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(::testing::TempDir()) / "stream_rec";
  fs::remove_all(dir);
  auto s = make();
  auto pub = session();
  auto rec =
      Recorder::open(dir, "live", "key", std::chrono::system_clock::from_time_t(0), t0_, 1000ms);
  ASSERT_TRUE(rec.has_value());
  fs::path path = (*rec)->path();
  s->publish(pub, 1, t0_, std::move(*rec));
  EXPECT_EQ(s->stats(t0_).recording, path.string());
  publish_start(*s, *pub);
  s->on_message(pub->id(), avc_frame(0, true), t0_);
  s->unpublish(pub->id(), t0_, "done");
  EXPECT_EQ(s->stats(t0_).recording, "");
  // header + 4 tags (metadata, 2 configs, 1 frame), each with its PreviousTagSize
  const std::size_t onmetadata = make_data(0, {amf::Value("onMetaData"), metadata()}).size();
  EXPECT_EQ(fs::file_size(path), 13u + (11 + 4) * 4 + onmetadata + avc_config().size() +
                                     aac_config().size() + avc_frame(0, true).size());
}

}  // namespace
}  // namespace rtmp::relay
