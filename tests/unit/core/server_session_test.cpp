#include "rtmp/core/server_session.hpp"

#include "rtmp/core/client_session.hpp"
#include "rtmp/core/control.hpp"

#include "support/session_io.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace rtmp {
namespace {

using test::counting_random;
using test::drain;

struct RecordingServer : ServerSessionHandler {
  std::vector<std::string> events;
  std::vector<Message> media;
  Decision connect_decision = Decision::accept();
  Decision publish_decision = Decision::accept();
  bool keep_on_delete = true;

  Decision on_connect(const ConnectInfo& info) override {
    events.push_back("connect app=" + info.app + " tcUrl=" + info.tc_url);
    return connect_decision;
  }
  void on_create_stream(std::uint32_t id) override {
    events.push_back("createStream " + std::to_string(id));
  }
  Decision on_publish(const PublishInfo& info) override {
    events.push_back("publish " + info.key + " " + info.type);
    return publish_decision;
  }
  Decision on_play(const PlayInfo& info) override {
    events.push_back("play " + info.name);
    return Decision::accept();
  }
  void on_metadata(std::uint32_t sid, const amf::Value& data, const Message&) override {
    events.push_back("metadata " + std::to_string(sid) + " " + amf::to_string(data));
  }
  void on_media(const Message& m) override {
    media.push_back(m);
    events.push_back("media type=" + std::to_string(m.type) + " ts=" + std::to_string(m.timestamp) +
                     " size=" + std::to_string(m.size()));
  }
  bool on_delete_stream(std::uint32_t id) override {
    events.push_back("deleteStream " + std::to_string(id));
    return keep_on_delete;
  }
};

struct RecordingClient : ClientSessionHandler {
  std::vector<std::string> events;
  std::uint32_t stream_id = 0;
  std::vector<Message> media;
  void on_connected(const amf::Value& info) override {
    events.push_back("connected " + std::string(info.get("code")->as_string()));
  }
  void on_stream_created(std::uint32_t id) override {
    stream_id = id;
    events.push_back("stream " + std::to_string(id));
  }
  void on_status(std::uint32_t sid, const amf::Value& info) override {
    events.push_back("status " + std::to_string(sid) + " " +
                     std::string(info.get("code")->as_string()));
  }
  void on_command_error(const std::string& cmd, const amf::Value& info) override {
    events.push_back("error " + cmd + " " + std::string(info.get("code")->as_string()) + " " +
                     std::string(info.get("description")->as_string()));
  }
  void on_media(const Message& m) override { media.push_back(m); }
};

struct Pair {
  SessionOptions sopt, copt;
  RecordingServer sh;
  RecordingClient ch;
  std::unique_ptr<ServerSession> server;
  std::unique_ptr<ClientSession> client;
  TimePoint now{};
  Bytes server_wire;  // everything the server sent, handshake included

  explicit Pair(bool digest) {
    sopt.random = counting_random(1);
    copt.random = counting_random(100);
    copt.digest_handshake = digest;
    server = std::make_unique<ServerSession>(sopt, sh);
    client = std::make_unique<ClientSession>(copt, ch);
    client->start(now);
  }
  // Moves bytes both ways until neither side has output.
  void pump() {
    for (int i = 0; i < 100; ++i) {
      Bytes c2s = drain(client->output());
      Bytes s2c = drain(server->output());
      server_wire.insert(server_wire.end(), s2c.begin(), s2c.end());
      if (c2s.empty() && s2c.empty()) return;
      if (!c2s.empty()) {
        ASSERT_TRUE(server->feed(c2s, now)) << "server feed";
      }
      if (!s2c.empty()) {
        ASSERT_TRUE(client->feed(s2c, now)) << "client feed";
      }
    }
    FAIL() << "pump did not settle";
  }
};

Message media_message(std::uint8_t type, std::uint32_t ts, std::uint32_t sid, std::size_t size,
                      std::mt19937& rng) {
  Bytes b(size);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  Message m;
  m.csid = type == msg::audio ? csid::audio : csid::video;
  m.type = type;
  m.timestamp = ts;
  m.stream_id = sid;
  m.payload = make_shared_bytes(std::move(b));
  return m;
}

class RoundTrip : public ::testing::TestWithParam<bool> {};

TEST_P(RoundTrip, PublishFiftyMessagesAcross2To24) {
  Pair p(GetParam());
  ConnectParams cp;
  cp.app = "live";
  cp.tc_url = "rtmp://127.0.0.1/live";
  p.client->connect(cp);
  p.pump();
  EXPECT_EQ(p.server->digest_handshake(), GetParam());
  EXPECT_EQ(p.client->server_digest(), GetParam());
  p.client->release_stream("key");
  p.client->fc_publish("key");
  p.client->create_stream();
  p.pump();
  ASSERT_EQ(p.ch.stream_id, 1u);
  p.client->publish(1, "key", "live");
  p.pump();

  std::mt19937 rng(7);
  std::vector<Message> sent;
  std::uint32_t ts = (1u << 24) - 500;  // crosses 2^24 ms after a few messages
  for (int i = 0; i < 50; ++i) {
    bool video = i % 3 != 0;
    auto m = media_message(video ? msg::video : msg::audio, ts, 1, video ? 5000 + i * 101 : 200 + i,
                           rng);
    sent.push_back(m);
    p.client->send_message(m);
    ts += 33;
    if (i % 7 == 0) p.pump();
  }
  p.client->fc_unpublish("key");
  p.client->delete_stream(1);
  p.pump();

  ASSERT_EQ(p.sh.media.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(p.sh.media[i].type, sent[i].type) << i;
    EXPECT_EQ(p.sh.media[i].timestamp, sent[i].timestamp) << i;
    EXPECT_EQ(p.sh.media[i].stream_id, 1u) << i;
    EXPECT_TRUE(std::equal(p.sh.media[i].data().begin(), p.sh.media[i].data().end(),
                           sent[i].data().begin(), sent[i].data().end()))
        << i;
  }
  EXPECT_GT(sent.back().timestamp, 1u << 24);
  ASSERT_GE(p.sh.events.size(), 4u);
  EXPECT_EQ(p.sh.events[0], "connect app=live tcUrl=rtmp://127.0.0.1/live");
  EXPECT_EQ(p.sh.events[1], "createStream 1");
  EXPECT_EQ(p.sh.events[2], "publish key live");
  EXPECT_EQ(p.sh.events.back(), "deleteStream 1");
  std::vector<std::string> expected_client = {"connected NetConnection.Connect.Success", "stream 1",
                                              "status 1 NetStream.Publish.Start"};
  EXPECT_EQ(p.ch.events, expected_client);
}

TEST_P(RoundTrip, ServerSendsToPlayer) {
  Pair p(GetParam());
  ConnectParams cp;
  cp.app = "live";
  cp.tc_url = "rtmp://127.0.0.1/live";
  cp.player = true;
  p.client->connect(cp);
  p.client->create_stream();
  p.pump();
  p.client->play(p.ch.stream_id, "key");
  p.pump();
  ASSERT_EQ(p.server->playing().size(), 1u);
  std::mt19937 rng(9);
  std::vector<Message> sent;
  std::uint32_t ts = 0xFFFFFF - 100;
  for (int i = 0; i < 50; ++i) {
    auto m = media_message(i % 2 ? msg::video : msg::audio, ts, 1, 100 + i * 300, rng);
    ts += 20;
    sent.push_back(m);
    if (i % 5 == 0) {
      Bytes once;
      ChunkEncoder::encode_standalone(m, p.server->chunk_size(), once);
      p.server->send_encoded(make_shared_bytes(std::move(once)), m);
    } else {
      p.server->send_message(m);
    }
  }
  p.pump();
  ASSERT_EQ(p.ch.media.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(p.ch.media[i], sent[i]) << i;
  EXPECT_EQ(p.ch.events.back(), "status 1 NetStream.Play.Start");
}

INSTANTIATE_TEST_SUITE_P(Handshake, RoundTrip, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "digest" : "simple"; });

// The client side of a publish, as bytes, to replay into fresh server sessions.
Bytes publish_wire(std::vector<std::string>& expected_events) {
  Pair p(true);
  ConnectParams cp;
  cp.app = "live";
  cp.tc_url = "rtmp://h/live";
  p.client->connect(cp);
  p.client->create_stream();
  p.client->publish(1, "k");
  std::mt19937 rng(3);
  for (int i = 0; i < 20; ++i)
    p.client->send_message(
        media_message(i % 2 ? msg::video : msg::audio, 0xFFFFF0 + i * 10, 1, 300 + i * 97, rng));
  p.client->send_message(make_data(1, {amf::Value("@setDataFrame"), amf::Value("onMetaData"),
                                       amf::Value::object({{"width", amf::Value(640.0)}})}));
  p.client->delete_stream(1);
  // Record what the client sends, feeding the server its replies so the handshake completes.
  Bytes wire;
  for (int i = 0; i < 10; ++i) {
    Bytes c2s = drain(p.client->output());
    Bytes s2c = drain(p.server->output());
    if (c2s.empty() && s2c.empty()) break;
    wire.insert(wire.end(), c2s.begin(), c2s.end());
    if (!c2s.empty()) {
      EXPECT_TRUE(p.server->feed(c2s, p.now));
    }
    if (!s2c.empty()) {
      EXPECT_TRUE(p.client->feed(s2c, p.now));
    }
  }
  expected_events = p.sh.events;
  return wire;
}

TEST(ServerSession, SplitFeedGivesIdenticalEvents) {
  std::vector<std::string> expected;
  Bytes wire = publish_wire(expected);
  ASSERT_GT(expected.size(), 20u);
  auto run = [&](auto&& feeder) {
    RecordingServer h;
    SessionOptions o;
    o.random = counting_random(1);
    ServerSession s(o, h);
    feeder(s);
    return h.events;
  };
  EXPECT_EQ(run([&](ServerSession& s) { ASSERT_TRUE(s.feed(wire, {})); }), expected);
  for (std::size_t cut = 1; cut < wire.size(); cut += 7) {
    auto got = run([&](ServerSession& s) {
      ASSERT_TRUE(s.feed(ByteView(wire).first(cut), {}));
      ASSERT_TRUE(s.feed(ByteView(wire).subspan(cut), {}));
    });
    ASSERT_EQ(got, expected) << "split at " << cut;
  }
  EXPECT_EQ(run([&](ServerSession& s) {
              for (std::size_t i = 0; i < wire.size(); ++i)
                ASSERT_TRUE(s.feed(ByteView(wire).subspan(i, 1), {}));
            }),
            expected);
}

TEST(ServerSession, RejectConnectSendsErrorAndCloses) {
  Pair p(false);
  p.sh.connect_decision = Decision::reject("go away");
  ConnectParams cp;
  cp.app = "live";
  p.client->connect(cp);
  p.pump();
  EXPECT_TRUE(p.server->want_close());
  ASSERT_EQ(p.ch.events.size(), 1u);
  EXPECT_EQ(p.ch.events[0], "error connect NetConnection.Connect.Rejected go away");
}

TEST(ServerSession, RejectPublishSendsStatus) {
  Pair p(false);
  p.sh.publish_decision = Decision::reject("key in use", "NetStream.Publish.BadName");
  ConnectParams cp;
  cp.app = "live";
  p.client->connect(cp);
  p.client->create_stream();
  p.pump();
  p.client->publish(1, "k");
  p.pump();
  EXPECT_FALSE(p.server->want_close());
  EXPECT_EQ(p.ch.events.back(), "status 1 NetStream.Publish.BadName");
  EXPECT_TRUE(p.server->publishing().empty());
}

// A connected pair with stream 1 created.
void connect_with_stream(Pair& p) {
  ConnectParams cp;
  cp.app = "live";
  p.client->connect(cp);
  p.client->create_stream();
  p.pump();
  ASSERT_EQ(p.ch.stream_id, 1u);
}

TEST(ServerSession, PublishOnUncreatedStreamFailsAndStaysOpen) {
  Pair p(false);
  connect_with_stream(p);
  p.client->publish(7, "k");
  p.pump();
  EXPECT_FALSE(p.server->want_close());
  EXPECT_EQ(p.ch.events.back(), "status 7 NetStream.Publish.BadName");
  EXPECT_TRUE(p.server->publishing().empty());
  // The connection is still usable.
  p.client->publish(1, "k");
  p.pump();
  EXPECT_EQ(p.ch.events.back(), "status 1 NetStream.Publish.Start");
}

TEST(ServerSession, PlayOnUncreatedStreamFails) {
  Pair p(false);
  connect_with_stream(p);
  p.client->play(3, "k");
  p.pump();
  EXPECT_FALSE(p.server->want_close());
  EXPECT_EQ(p.ch.events.back(), "status 3 NetStream.Play.Failed");
  EXPECT_TRUE(p.server->playing().empty());
}

TEST(ServerSession, PublishTwiceOnOneStreamFailsTheSecond) {
  Pair p(false);
  connect_with_stream(p);
  p.client->publish(1, "a");
  p.pump();
  p.client->play(1, "b");
  p.pump();
  EXPECT_EQ(p.ch.events.back(), "status 1 NetStream.Play.Failed");
  p.client->publish(1, "c");
  p.pump();
  EXPECT_EQ(p.ch.events.back(), "status 1 NetStream.Publish.BadName");
  EXPECT_FALSE(p.server->want_close());
  ASSERT_EQ(p.server->publishing().size(), 1u);
  EXPECT_EQ(p.server->publishing().begin()->second.key, "a");
}

TEST(ServerSession, DeletedStreamCannotBeUsedAgain) {
  Pair p(false);
  connect_with_stream(p);
  p.client->publish(1, "a");
  p.pump();
  p.client->delete_stream(1);
  p.pump();
  p.client->publish(1, "a");
  p.pump();
  EXPECT_FALSE(p.server->want_close());
  EXPECT_EQ(p.ch.events.back(), "status 1 NetStream.Publish.BadName");
  // A new stream works.
  p.client->create_stream();
  p.pump();
  EXPECT_EQ(p.ch.stream_id, 2u);
  p.client->publish(2, "a");
  p.pump();
  EXPECT_EQ(p.ch.events.back(), "status 2 NetStream.Publish.Start");
}

TEST(ServerSession, SecondConnectGetsErrorAndStaysOpen) {
  Pair p(false);
  connect_with_stream(p);
  ConnectParams cp;
  cp.app = "other";
  p.client->connect(cp);
  p.pump();
  EXPECT_FALSE(p.server->want_close());
  EXPECT_EQ(p.ch.events.back(), "error connect NetConnection.Connect.Rejected Already connected.");
  EXPECT_EQ(p.server->connect_info().app, "live");
  p.client->publish(1, "k");
  p.pump();
  EXPECT_EQ(p.ch.events.back(), "status 1 NetStream.Publish.Start");
}

TEST(ServerSession, CommandBeforeConnectGetsErrorAndStaysOpen) {
  Pair p(false);
  p.client->create_stream();
  Bytes c2s = drain(p.client->output());
  ASSERT_TRUE(p.server->feed(ByteView(c2s).first(1537), p.now));
  ASSERT_TRUE(p.client->feed(drain(p.server->output()), p.now));
  c2s = drain(p.client->output());
  ASSERT_TRUE(p.server->feed(c2s, p.now));
  EXPECT_FALSE(p.server->want_close());
  ASSERT_TRUE(p.client->feed(drain(p.server->output()), p.now));
  ASSERT_FALSE(p.ch.events.empty());
  EXPECT_EQ(p.ch.events.back(),
            "error createStream NetConnection.Call.Failed 'createStream' before connect.");
  // connect still works afterwards.
  ConnectParams cp;
  cp.app = "live";
  p.client->connect(cp);
  p.pump();
  EXPECT_EQ(p.server->state(), ServerSession::State::connected);
}

TEST(ServerSession, MetadataReachesTheHandlerBeforePublish) {
  Pair p(false);
  connect_with_stream(p);
  auto meta = amf::Value::object({{"width", amf::Value(640.0)}});
  // @setDataFrame form before publish, then the bare onMetaData form while publishing.
  p.client->send_message(
      make_data(1, {amf::Value("@setDataFrame"), amf::Value("onMetaData"), meta}));
  p.pump();
  p.client->publish(1, "k");
  p.pump();
  p.client->send_message(make_data(1, {amf::Value("onMetaData"), meta}));
  p.pump();
  std::vector<std::string> got;
  for (auto& e : p.sh.events)
    if (e.rfind("metadata", 0) == 0) got.push_back(e);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("640"), std::string::npos) << got[0];
  EXPECT_EQ(got[0], got[1]);
}

TEST(ServerSession, MetadataBeforeConnectIsDropped) {
  Pair p(false);
  auto meta = amf::Value::object({{"width", amf::Value(640.0)}});
  p.client->send_message(make_data(0, {amf::Value("onMetaData"), meta}));
  Bytes c2s = drain(p.client->output());
  ASSERT_TRUE(p.server->feed(ByteView(c2s).first(1537), p.now));
  ASSERT_TRUE(p.client->feed(drain(p.server->output()), p.now));
  c2s = drain(p.client->output());
  ASSERT_TRUE(p.server->feed(c2s, p.now));
  EXPECT_TRUE(p.sh.events.empty());
}

TEST(ServerSession, TooManyStreamsGetsErrorAndStaysOpen) {
  Pair p(false);
  connect_with_stream(p);
  for (int i = 1; i < 64; ++i) p.client->create_stream();
  p.pump();
  EXPECT_EQ(p.ch.stream_id, 64u);
  p.client->create_stream();
  p.pump();
  EXPECT_FALSE(p.server->want_close());
  EXPECT_EQ(p.ch.events.back().rfind("error createStream NetConnection.Call.Failed", 0), 0u)
      << p.ch.events.back();
}

TEST(ServerSession, AnswersPingAndAcknowledgesWindow) {
  Pair p(false);
  ConnectParams cp;
  cp.app = "live";
  p.client->connect(cp);
  p.pump();
  p.client->create_stream();
  p.pump();
  p.client->send_message(control::window_ack_size(1000));
  p.client->send_message(control::user_control({control::UserEvent::ping_request, 1234, 0}));
  p.client->publish(1, "k");
  std::mt19937 rng(1);
  p.client->send_message(media_message(msg::video, 0, 1, 3000, rng));
  p.pump();
  // Decode all the server sent after S0+S1+S2 and look for the PingResponse and an
  // Acknowledgement.
  ChunkDecoder dec;
  ByteView in = ByteView(p.server_wire).subspan(1 + 1536 + 1536);
  bool pong = false, ack = false;
  while (!in.empty()) {
    auto step = dec.decode(in);
    ASSERT_TRUE(step);
    in = in.subspan(step->consumed);
    if (!step->message) continue;
    if (step->message->type == msg::acknowledgement) ack = true;
    if (step->message->type == msg::user_control) {
      auto uc = control::parse_user_control(step->message->data());
      if (uc && uc->event == control::UserEvent::ping_response && uc->value == 1234) pong = true;
    }
  }
  EXPECT_TRUE(pong);
  EXPECT_TRUE(ack);
}

TEST(ServerSession, HandshakeTimeout) {
  RecordingServer h;
  SessionOptions o;
  o.limits.handshake_timeout_ms = 100;
  ServerSession s(o, h);
  TimePoint t0{};
  Bytes c0{3};
  ASSERT_TRUE(s.feed(c0, t0));
  ASSERT_TRUE(s.next_deadline());
  EXPECT_TRUE(s.on_deadline(t0 + std::chrono::milliseconds(50)));
  auto r = s.on_deadline(t0 + std::chrono::milliseconds(100));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_TRUE(s.want_close());
}

}  // namespace
}  // namespace rtmp

namespace rtmp {
namespace {

struct DeferringServer : RecordingServer {
  Decision on_publish(const PublishInfo& info) override {
    events.push_back("publish " + info.key + " " + info.type);
    return Decision::defer();
  }
};

TEST(ServerSession, DeferredPublishHoldsInputUntilResolved) {
  for (bool accept : {true, false}) {
    SessionOptions sopt, copt;
    sopt.random = counting_random(1);
    copt.random = counting_random(2);
    DeferringServer sh;
    RecordingClient ch;
    ServerSession server(sopt, sh);
    ClientSession client(copt, ch);
    client.start({});
    auto pump = [&] {
      for (int i = 0; i < 20; ++i) {
        Bytes c2s = drain(client.output()), s2c = drain(server.output());
        if (c2s.empty() && s2c.empty()) return;
        if (!c2s.empty()) {
          ASSERT_TRUE(server.feed(c2s, {}));
        }
        if (!s2c.empty()) {
          ASSERT_TRUE(client.feed(s2c, {}));
        }
      }
    };
    ConnectParams cp;
    cp.app = "live";
    client.connect(cp);
    client.create_stream();
    pump();
    client.publish(1, "k");
    std::mt19937 rng(5);
    // Sent without waiting for Publish.Start: must be held, not dropped.
    for (int i = 0; i < 5; ++i) client.send_message(media_message(msg::video, i * 40, 1, 700, rng));
    pump();
    EXPECT_TRUE(server.decision_pending());
    EXPECT_TRUE(sh.media.empty());
    EXPECT_EQ(ch.events.back(), "stream 1");
    ASSERT_TRUE(server.resolve(
        accept ? Decision::accept()
               : Decision::reject("denied by callback", "NetStream.Publish.Failed")));
    pump();
    EXPECT_FALSE(server.decision_pending());
    if (accept) {
      EXPECT_EQ(ch.events.back(), "status 1 NetStream.Publish.Start");
      EXPECT_EQ(sh.media.size(), 5u);
    } else {
      EXPECT_EQ(ch.events.back(), "status 1 NetStream.Publish.Failed");
      EXPECT_TRUE(sh.media.empty());
    }
    auto again = server.resolve(Decision::accept());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, errc::invalid_argument);
  }
}

}  // namespace
}  // namespace rtmp

// Hostile peers (tests/interop/hostile.py runs the same against rtmp-server).
namespace rtmp {
namespace {

TEST(ServerSessionHostile, SilentPeerTimesOutFromStart) {
  RecordingServer h;
  SessionOptions o;
  o.limits.handshake_timeout_ms = 100;
  ServerSession s(o, h);
  TimePoint t0{};
  s.start(t0);
  ASSERT_TRUE(s.next_deadline());
  EXPECT_EQ(*s.next_deadline(), t0 + std::chrono::milliseconds(100));
  EXPECT_TRUE(s.on_deadline(t0 + std::chrono::milliseconds(99)));
  auto r = s.on_deadline(t0 + std::chrono::milliseconds(100));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().detail.find("handshake not completed"), std::string::npos);
  EXPECT_TRUE(s.want_close());
}

// An I/O layer that never calls start(): a peer that sends nothing used to have no deadline
// at all, and held its connection forever.
TEST(ServerSessionHostile, SilentPeerTimesOutFromFirstTimerCheck) {
  RecordingServer h;
  SessionOptions o;
  o.limits.handshake_timeout_ms = 100;
  ServerSession s(o, h);
  TimePoint t0{};
  EXPECT_FALSE(s.next_deadline());
  EXPECT_TRUE(s.on_deadline(t0));
  ASSERT_TRUE(s.next_deadline());
  EXPECT_EQ(*s.next_deadline(), t0 + std::chrono::milliseconds(100));
  auto r = s.on_deadline(t0 + std::chrono::milliseconds(100));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
}

// Sends `n` PingRequests from the client and feeds them to the server in one piece.
Result<void> feed_pings(Pair& p, int n) {
  for (int i = 0; i < n; ++i)
    p.client->send_message(control::user_control(
        {control::UserEvent::ping_request, static_cast<std::uint32_t>(i), 0}));
  Bytes c2s = drain(p.client->output());
  return p.server->feed(c2s, p.now);
}

void connect(Pair& p, std::size_t max_output_bytes) {
  p.sopt.limits.max_output_bytes = max_output_bytes;
  p.server = std::make_unique<ServerSession>(p.sopt, p.sh);
  ConnectParams cp;
  cp.app = "live";
  p.client->connect(cp);
  p.pump();
  ASSERT_EQ(p.server->state(), ServerSession::State::connected);
}

TEST(ServerSessionHostile, PingFloodWithoutReadingIsClosed) {
  Pair p(false);
  connect(p, 64 * 1024);
  // Each PingResponse is one small queued message: a few bytes on the wire plus the
  // per-segment estimate, so the cap counts what the replies cost in memory.
  Result<void> r;
  int batches = 0;
  while (r && batches < 100) {
    r = feed_pings(p, 100);
    ++batches;
  }
  ASSERT_FALSE(r) << "never closed; footprint " << p.server->output().footprint();
  EXPECT_EQ(r.error().code, errc::output_full);
  EXPECT_NE(r.error().detail.find("max_output_bytes 65536"), std::string::npos) << r.error().detail;
  EXPECT_TRUE(p.server->want_close());
  EXPECT_LE(batches, 5);
  // Bounded: at most one batch of replies past the cap.
  EXPECT_LE(p.server->output().footprint(), 64 * 1024 + 100 * (OutputQueue::kSegmentOverhead + 32));
}

TEST(ServerSessionHostile, PingsAnsweredWhileThePeerReads) {
  Pair p(false);
  connect(p, 64 * 1024);
  // The same volume, with the replies read between batches: never closed.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(feed_pings(p, 100)) << "batch " << i;
    drain(p.server->output());
  }
  EXPECT_FALSE(p.server->want_close());
}

TEST(ServerSessionHostile, PlayerBacklogAloneDoesNotClose) {
  Pair p(false);
  connect(p, 64 * 1024);
  // Media queued for a player that does not read (the relay's slow-player policy handles it),
  // then input that asks for no reply: not closed.
  std::mt19937 rng(3);
  for (int i = 0; i < 10; ++i)
    p.server->send_message(media_message(msg::video, static_cast<std::uint32_t>(i), 1, 20000, rng));
  ASSERT_GT(p.server->output().footprint(), 64u * 1024);
  p.client->send_message(control::window_ack_size(5'000'000));
  ASSERT_TRUE(p.server->feed(drain(p.client->output()), p.now));
  EXPECT_FALSE(p.server->want_close());
  // A ping now queues a reply on top of the backlog: closed.
  auto r = feed_pings(p, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::output_full);
}

}  // namespace
}  // namespace rtmp

namespace rtmp {
namespace {

// A peer that completes the handshake and then trickles its connect one byte at a time:
// each byte resets the idle timer, so only the setup deadline closes it.
TEST(ServerSessionHostile, ConnectTrickledAfterHandshakeTimesOut) {
  Pair p(false);
  p.sopt.limits.handshake_timeout_ms = 2000;
  p.sopt.limits.idle_timeout_ms = 1000;
  p.server = std::make_unique<ServerSession>(p.sopt, p.sh);
  ConnectParams cp;
  cp.app = "live";
  p.client->connect(cp);
  Bytes c0c1 = drain(p.client->output());
  ASSERT_TRUE(p.server->feed(c0c1, p.now));
  ASSERT_TRUE(p.client->feed(drain(p.server->output()), p.now));
  Bytes rest = drain(p.client->output());  // C2 + the connect command
  ASSERT_GT(rest.size(), 1536u + 10);
  ASSERT_TRUE(p.server->feed(ByteView(rest).first(1536), p.now));
  ASSERT_EQ(p.server->state(), ServerSession::State::connecting);
  Result<void> r;
  std::size_t i = 1536;
  TimePoint t = p.now;
  for (; i < rest.size() - 1 && r; ++i) {
    t += std::chrono::milliseconds(500);  // within the idle timeout each time
    r = p.server->on_deadline(t);
    if (r) {
      ASSERT_TRUE(p.server->feed(ByteView(rest).subspan(i, 1), t));
    }
  }
  ASSERT_FALSE(r) << "still open after " << i - 1536 << " bytes";
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().detail.find("no connect command within 2000 ms"), std::string::npos)
      << r.error().detail;
  EXPECT_EQ(t, p.now + std::chrono::milliseconds(2000));
  EXPECT_TRUE(p.sh.events.empty());
}

// Once the connect arrived, the setup deadline is over: a connected peer that waits longer
// than the handshake timeout is subject to the idle timeout only.
TEST(ServerSessionHostile, SetupDeadlineEndsAtConnect) {
  Pair p(false);
  p.sopt.limits.handshake_timeout_ms = 2000;
  p.sopt.limits.idle_timeout_ms = 60'000;
  p.server = std::make_unique<ServerSession>(p.sopt, p.sh);
  ConnectParams cp;
  cp.app = "live";
  p.client->connect(cp);
  p.pump();
  ASSERT_EQ(p.server->state(), ServerSession::State::connected);
  ASSERT_TRUE(p.server->next_deadline());
  EXPECT_EQ(*p.server->next_deadline(), p.now + std::chrono::milliseconds(60'000));
  EXPECT_TRUE(p.server->on_deadline(p.now + std::chrono::milliseconds(5000)));
  EXPECT_FALSE(p.server->want_close());
}

}  // namespace
}  // namespace rtmp
