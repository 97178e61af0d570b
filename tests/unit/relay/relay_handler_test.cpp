// RelayHandler end to end: rtmp::Server (raw mode) on 127.0.0.1 with the relay's handler
// factory, rtmp::BlockingClient publishers and players.
#include "relay/relay_handler.hpp"

#include "rtmp/client.hpp"
#include "rtmp/server.hpp"
#include "support/client_recorder.hpp"
#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace rtmp::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;

using Recorder = rtmp::test::ClientRecorder;
using rtmp::test::media_event;
std::string event(const Message& m) {
  return media_event(m);
}

class RelayHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::off);
    relay_ = std::make_unique<Relay>(config_);
    ServerOptions o;
    o.port = 0;
    o.bind = "127.0.0.1";
    o.demux = false;
    o.threads = 2;
    o.handler = relay_->handler_factory();
    auto s = Server::start(std::move(o));
    ASSERT_TRUE(s.has_value()) << s.error().message();
    server_ = std::move(*s);
  }
  void TearDown() override {
    relay_->shutdown("test over");
    server_->stop();
  }
  std::string url(const std::string& key = "key") {
    return "rtmp://127.0.0.1:" + std::to_string(server_->port()) + "/live/" + key;
  }
  std::unique_ptr<BlockingClient> player(Recorder& rec, const std::string& key = "key") {
    ClientOptions o;
    o.demux = false;
    o.player = true;
    auto c = std::make_unique<BlockingClient>(o);
    c->set_handler(&rec);
    EXPECT_TRUE(c->connect(url(key)).has_value());
    EXPECT_TRUE(c->play().has_value());
    return c;
  }
  std::unique_ptr<BlockingClient> publisher(const std::string& key = "key") {
    auto c = std::make_unique<BlockingClient>();
    EXPECT_TRUE(c->connect(url(key)).has_value());
    auto r = c->publish();
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message());
    return c;
  }
  // The relay registers a player before Play.Start goes out (play() waits for it), so once
  // play() has returned the relay lists it: no waiting needed.
  void expect_players(std::size_t n) {
    std::size_t players = 0;
    for (const auto& s : relay_->stats(Clock::now(), false))
      if (s.key == "key") players = s.players;
    EXPECT_EQ(players, n);
  }

  RelayConfig config_;
  std::unique_ptr<Relay> relay_;
  std::unique_ptr<Server> server_;
};

TEST_F(RelayHandlerTest, PlayersReceiveThePublishedMessagesAndMetadataAsOnMetaData) {
  Recorder a, b;
  auto pa = player(a), pb = player(b);
  expect_players(2);
  auto pub = publisher();
  ASSERT_TRUE(pub->send_metadata(metadata()).has_value());
  std::vector<Message> sent = {avc_config(), aac_config(), avc_frame(0, true, 9000), aac_frame(10),
                               avc_frame(40, false, 300)};
  for (const auto& m : sent) ASSERT_TRUE(pub->send_message(m).has_value());
  ASSERT_TRUE(pub->drain().has_value());
  for (Recorder* r : {&a, &b}) {
    auto ev = r->wait_for(event(sent.back()));
    auto media = Recorder::media_only(ev);
    std::vector<std::string> want;
    for (const auto& m : sent) want.push_back(event(m));
    EXPECT_EQ(media, want);
    EXPECT_EQ(r->data_names(), (std::vector<std::string>{"|RtmpSampleAccess", "onMetaData"}));
    EXPECT_NE(std::find(ev.begin(), ev.end(), "NetStream.Play.PublishNotify"), ev.end());
  }
  pub->close();
  a.wait_for("NetStream.Play.UnpublishNotify");
  relay_->tick(Clock::now() + 1s);  // StreamEOF goes out on the tick after the unpublish
  auto ev = a.wait_for("StreamEOF");
  EXPECT_NE(std::find(ev.begin(), ev.end(), "NetStream.Play.UnpublishNotify"), ev.end());
  EXPECT_NE(std::find(ev.begin(), ev.end(), "StreamEOF"), ev.end());
}

TEST_F(RelayHandlerTest, PlayerStaysForARepublishAndGetsTheNewSequenceHeaders) {
  Recorder rec;
  auto p = player(rec);
  expect_players(1);
  auto first = publisher();
  ASSERT_TRUE(first->send_message(avc_config()).has_value());
  ASSERT_TRUE(first->send_message(avc_frame(0, true, 100)).has_value());
  rec.wait_for(event(avc_frame(0, true, 100)));
  first->close();
  rec.wait_for("NetStream.Play.UnpublishNotify");
  relay_->tick(Clock::now() + 1s);
  rec.wait_for("StreamEOF");
  auto second = publisher();
  Message config = avc_config(5000);
  Message key = avc_frame(5000, true, 200);
  ASSERT_TRUE(second->send_message(config).has_value());
  ASSERT_TRUE(second->send_message(key).has_value());
  auto ev = rec.wait_for(event(key));
  // After the end of the first: PublishNotify, then the new publisher's sequence header.
  auto eof = std::find(ev.begin(), ev.end(), "StreamEOF");
  auto notify = std::find(eof, ev.end(), "NetStream.Play.PublishNotify");
  auto cfg = std::find(notify, ev.end(), event(config));
  EXPECT_NE(notify, ev.end()) << ::testing::PrintToString(ev);
  EXPECT_NE(cfg, ev.end()) << ::testing::PrintToString(ev);
  EXPECT_NE(std::find(cfg, ev.end(), event(key)), ev.end());
  EXPECT_EQ(p->state(), Client::State::playing);
}

TEST_F(RelayHandlerTest, SecondPublisherIsRejectedWithBadName) {
  auto first = publisher();
  BlockingClient second;
  ASSERT_TRUE(second.connect(url()).has_value());
  auto r = second.publish();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("NetStream.Publish.BadName"), std::string::npos)
      << r.error().detail;
  // The first still reaches a player.
  Recorder rec;
  auto p = player(rec);
  expect_players(1);
  auto key = avc_frame(0, true, 500);
  ASSERT_TRUE(first->send_message(avc_config()).has_value());
  ASSERT_TRUE(first->send_message(key).has_value());
  auto ev = rec.wait_for(event(key));
  EXPECT_NE(std::find(ev.begin(), ev.end(), event(key)), ev.end());
}

TEST_F(RelayHandlerTest, LateJoinerGetsTheGopAndConnectionsAreCounted) {
  // A player from the start: once it has the last message, so has the relay's GOP cache (the
  // relay caches a packet before it fans it out).
  Recorder early;
  auto first = player(early);
  auto pub = publisher();
  std::vector<Message> sent = {avc_config(), aac_config(), avc_frame(0, true, 2000), aac_frame(10),
                               avc_frame(40, false, 300)};
  for (const auto& m : sent) ASSERT_TRUE(pub->send_message(m).has_value());
  early.wait_for(event(sent.back()));
  Recorder late;
  auto p = player(late);
  auto ev = late.wait_for(event(sent.back()));
  auto media = Recorder::media_only(ev);
  std::vector<std::string> want;
  for (const auto& m : sent) want.push_back(event(m));
  EXPECT_EQ(media, want);
  EXPECT_EQ(relay_->connections(), 3u);
}

}  // namespace
}  // namespace rtmp::relay
