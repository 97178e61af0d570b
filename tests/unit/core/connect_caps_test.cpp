#include "rtmp/core/connect_caps.hpp"

#include "rtmp/core/client_session.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/core/server_session.hpp"

#include "support/session_io.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace rtmp {
namespace {

using amf::Value;

// ---- parse / write ----

TEST(ConnectCaps, LegacyObjectHasNone) {
  auto obj = Value::object({{"app", "live"}, {"tcUrl", "rtmp://h/live"}, {"videoCodecs", 252.0}});
  ConnectCaps caps = parse_connect_caps(obj);
  EXPECT_FALSE(caps.enhanced());
  EXPECT_EQ(caps, ConnectCaps{});
  EXPECT_FALSE(caps.can_receive_video("hvc1"));
  EXPECT_FALSE(caps.can_receive_audio("Opus"));
  EXPECT_FALSE(parse_connect_caps(Value::null()).enhanced());
  EXPECT_FALSE(parse_connect_caps(Value("x")).enhanced());
}

TEST(ConnectCaps, FourCcListAsFfmpegSendsIt) {
  // FFmpeg >= 6.1 -rtmp_enhanced_codecs hvc1,av01,vp09: a strict array of strings.
  auto obj = Value::object(
      {{"app", "live"}, {"fourCcList", Value::strict_array({"hvc1", "av01", "vp09"})}});
  ConnectCaps caps = parse_connect_caps(obj);
  EXPECT_TRUE(caps.enhanced());
  EXPECT_EQ(caps.fourcc_list, (std::vector<std::string>{"hvc1", "av01", "vp09"}));
  EXPECT_EQ(caps.video_flags("hvc1"), fourcc_info::can_decode | fourcc_info::can_forward);
  EXPECT_TRUE(caps.can_receive_video("av01"));
  EXPECT_FALSE(caps.can_receive_video("vp08"));
  // fourCcList mixes audio and video: it answers for both.
  EXPECT_FALSE(caps.can_receive_audio("Opus"));
  EXPECT_TRUE(caps.can_receive_audio("vp09"));
}

TEST(ConnectCaps, FourCcListWildcardAndCase) {
  ConnectCaps caps =
      parse_connect_caps(Value::object({{"fourCcList", Value::strict_array({"*"})}}));
  EXPECT_TRUE(caps.can_receive_video("hvc1"));
  EXPECT_TRUE(caps.can_receive_audio("fLaC"));
  // The spec's own examples capitalise "Hvc1" and "Avc1".
  caps = parse_connect_caps(Value::object({{"fourCcList", Value::strict_array({"Hvc1", "Avc1"})}}));
  EXPECT_TRUE(caps.can_receive_video("hvc1"));
  EXPECT_TRUE(caps.can_receive_video("avc1"));
  EXPECT_FALSE(caps.can_receive_video("av01"));
}

TEST(ConnectCaps, InfoMapsAndCapsEx) {
  auto obj = Value::object(
      {{"videoFourCcInfoMap", Value::object({{"*", 4.0}, {"vp09", 3.0}, {"hvc1", 1.0}})},
       {"audioFourCcInfoMap", Value::object({{"Opus", 3.0}})},
       {"capsEx", 15.0}});
  ConnectCaps caps = parse_connect_caps(obj);
  EXPECT_TRUE(caps.enhanced());
  EXPECT_TRUE(caps.fourcc_list.empty());
  // "*" applies to every codec, OR'ed with the codec's own flags (the spec's example:
  // "can decode, encode, forward (see '*') VP9").
  EXPECT_EQ(caps.video_flags("vp09"), 7u);
  EXPECT_EQ(caps.video_flags("hvc1"), 5u);
  EXPECT_EQ(caps.video_flags("av01"), fourcc_info::can_forward);
  EXPECT_TRUE(caps.can_receive_video("av01"));
  EXPECT_EQ(caps.audio_flags("Opus"), 3u);
  EXPECT_EQ(caps.audio_flags("opus"), 3u);
  EXPECT_EQ(caps.audio_flags("fLaC"), 0u);
  EXPECT_FALSE(caps.can_receive_audio("fLaC"));
  EXPECT_EQ(caps.caps_ex, 15u);
  EXPECT_TRUE(caps.has_caps_ex(caps_ex::reconnect | caps_ex::multitrack));
  EXPECT_TRUE(caps.has_caps_ex(caps_ex::mod_ex | caps_ex::timestamp_nano_offset));
}

TEST(ConnectCaps, EncodeOnlyIsNotReceive) {
  auto obj = Value::object({{"videoFourCcInfoMap", Value::object({{"av01", 2.0}})}});
  ConnectCaps caps = parse_connect_caps(obj);
  EXPECT_EQ(caps.video_flags("av01"), fourcc_info::can_encode);
  EXPECT_FALSE(caps.can_receive_video("av01"));
}

TEST(ConnectCaps, InfoMapTakesPrecedenceOverListPerMediaType) {
  auto obj = Value::object({{"fourCcList", Value::strict_array({"hvc1", "Opus"})},
                            {"videoFourCcInfoMap", Value::object({{"av01", 1.0}})}});
  ConnectCaps caps = parse_connect_caps(obj);
  EXPECT_FALSE(caps.can_receive_video("hvc1"));  // the video map is authoritative
  EXPECT_TRUE(caps.can_receive_video("av01"));
  EXPECT_TRUE(caps.can_receive_audio("Opus"));  // no audio map: the list answers
}

TEST(ConnectCaps, IllTypedEntriesAreSkipped) {
  auto obj = Value::object(
      {{"fourCcList", Value::strict_array({"hvc1", 5.0, Value::null(), Value::object(), "av01"})},
       {"videoFourCcInfoMap", Value::object({{"hvc1", "1"}, {"av01", true}, {"vp09", 1.0}})},
       {"audioFourCcInfoMap", Value::strict_array({1.0, 2.0})},
       {"capsEx", "3"}});
  ConnectCaps caps = parse_connect_caps(obj);
  EXPECT_EQ(caps.fourcc_list, (std::vector<std::string>{"hvc1", "av01"}));
  EXPECT_EQ(caps.video_fourcc_info, (FourCcInfoMap{{"vp09", 1u}}));
  EXPECT_TRUE(caps.audio_fourcc_info.empty());
  EXPECT_EQ(caps.caps_ex, 0u);
}

TEST(ConnectCaps, NumbersToFlags) {
  auto caps_of = [](Value v) { return parse_connect_caps(Value::object({{"capsEx", v}})).caps_ex; };
  EXPECT_EQ(caps_of(3.9), 3u);
  EXPECT_EQ(caps_of(-1.0), 0u);
  EXPECT_EQ(caps_of(std::numeric_limits<double>::quiet_NaN()), 0u);
  EXPECT_EQ(caps_of(std::numeric_limits<double>::infinity()), 0xFFFFFFFFu);
  EXPECT_EQ(caps_of(1e300), 0xFFFFFFFFu);
  EXPECT_EQ(caps_of(Value::integer(2)), 2u);  // AMF3 integer
}

TEST(ConnectCaps, AssociativeFourCcListAndEcmaMaps) {
  auto obj =
      Value::object({{"fourCcList", Value::ecma_array({{"0", "av01"}, {"1", "hvc1"}})},
                     {"videoFourCcInfoMap", Value::ecma_array({{"hvc1", 1.0}, {"hvc1", 4.0}})}});
  ConnectCaps caps = parse_connect_caps(obj);
  EXPECT_EQ(caps.fourcc_list, (std::vector<std::string>{"av01", "hvc1"}));
  EXPECT_EQ(caps.video_fourcc_info, (FourCcInfoMap{{"hvc1", 1u}}));  // first duplicate wins
}

TEST(ConnectCaps, WriteThenParseRoundTripsThroughAmf0) {
  ConnectCaps caps;
  caps.fourcc_list = {"av01", "vp09", "hvc1", "Opus", "fLaC", "ac-3"};
  caps.video_fourcc_info = {{"*", 4u}, {"av01", 3u}};
  caps.audio_fourcc_info = {{"Opus", 1u}};
  caps.caps_ex = caps_ex::reconnect | caps_ex::multitrack;
  Value obj = Value::object({{"app", "live"}});
  write_connect_caps(obj, caps);
  ASSERT_NE(obj.get("fourCcList"), nullptr);
  EXPECT_TRUE(obj.get("fourCcList")->is_array());
  EXPECT_EQ(obj.get("videoFourCcInfoMap")->type(), amf::Type::object);
  EXPECT_EQ(obj.get("capsEx")->as_number(), 3.0);
  Bytes wire;
  amf::encode_amf0(obj, wire);
  auto back = amf::decode_amf0_all(wire);
  ASSERT_TRUE(back) << back.error().message();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(parse_connect_caps((*back)[0]), caps);
  EXPECT_EQ((*back)[0].get("app")->as_string(), "live");
}

TEST(ConnectCaps, WritingEmptyCapsAddsNothing) {
  Value obj = Value::object({{"app", "live"}});
  write_connect_caps(obj, ConnectCaps{});
  EXPECT_EQ(obj, Value::object({{"app", "live"}}));
  Value not_object = Value::null();
  write_connect_caps(not_object, ConnectCaps::forwarder());
  EXPECT_TRUE(not_object.is_object());
  EXPECT_EQ(parse_connect_caps(not_object), ConnectCaps::forwarder());
}

TEST(ConnectCaps, Forwarder) {
  ConnectCaps f = ConnectCaps::forwarder();
  EXPECT_TRUE(f.fourcc_list.empty());
  EXPECT_TRUE(f.can_receive_video("vp08"));
  EXPECT_TRUE(f.can_receive_audio("ec-3"));
  EXPECT_EQ(f.video_flags("hvc1"), fourcc_info::can_forward);
  EXPECT_EQ(f.caps_ex, caps_ex::reconnect | caps_ex::multitrack | caps_ex::mod_ex |
                           caps_ex::timestamp_nano_offset);
}

TEST(ConnectCaps, FourCcToString) {
  EXPECT_EQ(fourcc_to_string(0x68766331), "hvc1");
  EXPECT_EQ(fourcc_to_string(0x4F707573), "Opus");
  EXPECT_EQ(fourcc_to_string(0x2E6D7033), ".mp3");
}

TEST(ConnectCaps, ResolveTcUrl) {
  const std::string base = "rtmp://a.example:1935/live/inst?token=1";
  EXPECT_EQ(resolve_tc_url(base, ""), base);
  EXPECT_EQ(resolve_tc_url(base, "rtmp://foo.mydomain.com:1935/realtimeapp"),
            "rtmp://foo.mydomain.com:1935/realtimeapp");
  EXPECT_EQ(resolve_tc_url(base, "rtmps://b/app"), "rtmps://b/app");
  EXPECT_EQ(resolve_tc_url(base, "//192.0.2.0/realtimeapp"), "rtmp://192.0.2.0/realtimeapp");
  EXPECT_EQ(resolve_tc_url(base, "/realtimeapp"), "rtmp://a.example:1935/realtimeapp");
  EXPECT_EQ(resolve_tc_url(base, "other"), "rtmp://a.example:1935/live/other");
  EXPECT_EQ(resolve_tc_url("rtmp://h", "app"), "rtmp://h/app");
  EXPECT_EQ(resolve_tc_url("rtmp://h/live", "app2"), "rtmp://h/app2");
  EXPECT_EQ(resolve_tc_url("", "/x"), "/x");
}

// ---- negotiation through ServerSession and ClientSession ----

using test::counting_random;
using test::drain;

struct ServerRec : ServerSessionHandler {
  ConnectInfo info;
  int connects = 0;
  std::vector<std::string> events;
  Decision on_connect(const ConnectInfo& i) override {
    info = i;
    ++connects;
    return Decision::accept();
  }
  Decision on_publish(const PublishInfo& p) override {
    events.push_back("publish " + p.key);
    return Decision::accept();
  }
  void on_media(const Message& m) override {
    events.push_back("media " + std::to_string(m.size()));
  }
};

struct ClientRec : ClientSessionHandler {
  std::vector<std::string> events;
  amf::Value connected_info;
  std::uint32_t stream_id = 0;
  void on_connected(const amf::Value& info) override {
    connected_info = info;
    events.push_back("connected");
  }
  void on_stream_created(std::uint32_t id) override { stream_id = id; }
  void on_status(std::uint32_t sid, const amf::Value& info) override {
    events.push_back("status " + std::to_string(sid) + " " +
                     std::string(info.get("code")->as_string()));
  }
};

// Records ReconnectRequests through the dedicated callback.
struct ReconnectRec : ClientRec {
  std::vector<std::pair<std::string, std::string>> requests;  // tc_url, description
  void on_reconnect_request(const std::string& tc_url, const amf::Value& info) override {
    const amf::Value* d = info.get("description");
    requests.emplace_back(tc_url, d ? std::string(d->as_string()) : "");
  }
};

struct Pair {
  SessionOptions sopt, copt;
  ServerRec sh;
  std::unique_ptr<ClientRec> ch;
  std::unique_ptr<ServerSession> server;
  std::unique_ptr<ClientSession> client;
  Bytes client_wire, server_wire;
  TimePoint now{};

  explicit Pair(std::unique_ptr<ClientRec> handler = std::make_unique<ClientRec>(),
                SessionOptions server_options = {})
      : sopt(std::move(server_options)), ch(std::move(handler)) {
    sopt.random = counting_random(1);
    copt.random = counting_random(100);
    server = std::make_unique<ServerSession>(sopt, sh);
    client = std::make_unique<ClientSession>(copt, *ch);
    client->start(now);
  }
  void pump() {
    for (int i = 0; i < 100; ++i) {
      Bytes c2s = drain(client->output());
      Bytes s2c = drain(server->output());
      client_wire.insert(client_wire.end(), c2s.begin(), c2s.end());
      server_wire.insert(server_wire.end(), s2c.begin(), s2c.end());
      if (c2s.empty() && s2c.empty()) return;
      if (!c2s.empty()) {
        ASSERT_TRUE(server->feed(c2s, now));
      }
      if (!s2c.empty()) {
        ASSERT_TRUE(client->feed(s2c, now));
      }
    }
    FAIL() << "pump did not settle";
  }
};

ConnectParams params() {
  ConnectParams cp;
  cp.app = "live";
  cp.tc_url = "rtmp://127.0.0.1/live";
  return cp;
}

// The properties object (command object) of the server's connect _result, from its wire.
Value connect_result_props(const Bytes& server_wire) {
  // Feed the server's bytes to a plain chunk decoder after the 3073-byte S0+S1+S2.
  ChunkDecoder dec{Limits{}};
  ByteView in(server_wire);
  in = in.subspan(1 + 1536 + 1536);
  while (!in.empty()) {
    auto step = dec.decode(in);
    if (!step) return Value();
    in = in.subspan(step->consumed);
    if (step->message && step->message->type == msg::command_amf0) {
      auto c = parse_command(*step->message);
      if (c && c->name == "_result") return c->object;
    }
  }
  return Value();
}

TEST(ConnectNegotiation, LegacyClientGetsTheLegacyAnswer) {
  Pair p;
  p.client->connect(params());
  p.pump();
  EXPECT_EQ(p.sh.connects, 1);
  EXPECT_FALSE(p.sh.info.enhanced());
  Value props = connect_result_props(p.server_wire);
  ASSERT_TRUE(props.is_object());
  std::vector<std::string> keys;
  for (const auto& [k, v] : props.properties()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"fmsVer", "capabilities", "mode"}));
  EXPECT_FALSE(p.client->server_caps().enhanced());
}

TEST(ConnectNegotiation, EnhancedClientAnnouncesAndServerAnswers) {
  Pair p;
  ConnectParams cp = params();
  cp.fourcc_list = {"hvc1", "av01", "vp09", "Opus"};
  cp.video_fourcc_info = {{"hvc1", fourcc_info::can_decode}, {"*", fourcc_info::can_forward}};
  cp.audio_fourcc_info = {{"Opus", fourcc_info::can_decode | fourcc_info::can_encode}};
  cp.caps_ex = caps_ex::reconnect | caps_ex::multitrack;
  p.client->connect(cp);
  p.pump();
  ASSERT_EQ(p.sh.connects, 1);
  const ConnectInfo& info = p.sh.info;
  EXPECT_EQ(info.app, "live");
  EXPECT_EQ(info.fourcc_list, cp.fourcc_list);
  EXPECT_EQ(info.video_fourcc_info, cp.video_fourcc_info);
  EXPECT_EQ(info.audio_fourcc_info, cp.audio_fourcc_info);
  EXPECT_EQ(info.caps_ex, cp.caps_ex);
  EXPECT_EQ(static_cast<const ConnectCaps&>(p.server->connect_info()),
            static_cast<const ConnectCaps&>(cp));
  // The raw command object keeps the properties as sent.
  EXPECT_TRUE(info.command_object.get("fourCcList")->is_array());

  Value props = connect_result_props(p.server_wire);
  EXPECT_EQ(props.get("fmsVer")->as_string(), "FMS/3,0,1,123");
  EXPECT_EQ(parse_connect_caps(props), ConnectCaps::forwarder());
  EXPECT_EQ(p.client->server_caps(), ConnectCaps::forwarder());
  EXPECT_TRUE(p.client->server_caps().has_caps_ex(caps_ex::reconnect));
  EXPECT_EQ(std::string(p.ch->connected_info.get("code")->as_string()),
            "NetConnection.Connect.Success");
}

TEST(ConnectNegotiation, CapsExAloneMakesAClientEnhanced) {
  Pair p;
  ConnectParams cp = params();
  cp.caps_ex = caps_ex::reconnect;
  p.client->connect(cp);
  p.pump();
  EXPECT_TRUE(p.sh.info.enhanced());
  EXPECT_TRUE(p.sh.info.fourcc_list.empty());
  EXPECT_EQ(p.client->server_caps(), ConnectCaps::forwarder());
}

TEST(ConnectNegotiation, ServerCapsAreConfigurable) {
  SessionOptions so;
  so.enhanced_caps = {};
  so.enhanced_caps.video_fourcc_info = {{"hvc1", fourcc_info::can_decode}};
  so.enhanced_caps.caps_ex = caps_ex::multitrack;
  Pair p(std::make_unique<ClientRec>(), so);
  ConnectParams cp = params();
  cp.fourcc_list = {"*"};
  p.client->connect(cp);
  p.pump();
  EXPECT_EQ(p.client->server_caps(), so.enhanced_caps);
  EXPECT_TRUE(p.client->server_caps().can_receive_video("hvc1"));
  EXPECT_FALSE(p.client->server_caps().can_receive_video("av01"));

  // Nothing to announce: the Enhanced client gets the legacy properties.
  SessionOptions none;
  none.enhanced_caps = {};
  Pair q(std::make_unique<ClientRec>(), none);
  q.client->connect(cp);
  q.pump();
  EXPECT_TRUE(q.sh.info.enhanced());
  EXPECT_FALSE(q.client->server_caps().enhanced());
  EXPECT_EQ(connect_result_props(q.server_wire).properties().size(), 3u);
}

TEST(ConnectNegotiation, CapsSurviveAnySplitOfTheConnect) {
  Pair p;
  ConnectParams cp = params();
  cp.fourcc_list = {"av01", "hvc1"};
  cp.video_fourcc_info = {{"*", 4u}};
  cp.caps_ex = 3;
  p.client->connect(cp);
  p.pump();
  const Bytes wire = p.client_wire;
  for (std::size_t cut = 1; cut < wire.size(); cut += 7) {
    SessionOptions so;
    so.random = counting_random(1);
    ServerRec rec;
    ServerSession s(so, rec);
    ASSERT_TRUE(s.feed(ByteView(wire).first(cut), {}));
    ASSERT_TRUE(s.feed(ByteView(wire).subspan(cut), {}));
    ASSERT_EQ(rec.connects, 1) << cut;
    EXPECT_EQ(static_cast<const ConnectCaps&>(rec.info), static_cast<const ConnectCaps&>(cp))
        << cut;
  }
}

// ---- ReconnectRequest ----

TEST(ReconnectRequest, ServerSendsClientReports) {
  auto handler = std::make_unique<ReconnectRec>();
  auto* rec = handler.get();
  Pair p(std::move(handler));
  ConnectParams cp = params();
  cp.tc_url = "rtmp://old.example/live";
  cp.caps_ex = caps_ex::reconnect;
  p.client->connect(cp);
  p.client->create_stream();
  p.pump();
  ASSERT_TRUE(p.sh.info.has_caps_ex(caps_ex::reconnect));
  p.client->publish(rec->stream_id, "key");
  p.pump();
  EXPECT_FALSE(p.server->reconnect_requested());

  p.server->send_reconnect_request("rtmp://new.example/live", "The server is updating.");
  EXPECT_TRUE(p.server->reconnect_requested());
  p.pump();
  ASSERT_EQ(rec->requests.size(), 1u);
  EXPECT_EQ(rec->requests[0].first, "rtmp://new.example/live");
  EXPECT_EQ(rec->requests[0].second, "The server is updating.");

  // Relative and absent tcUrl resolve against the connection's tcUrl.
  p.server->send_reconnect_request("//192.0.2.7/live");
  p.server->send_reconnect_request("/other");
  p.server->send_reconnect_request();
  p.pump();
  ASSERT_EQ(rec->requests.size(), 4u);
  EXPECT_EQ(rec->requests[1].first, "rtmp://192.0.2.7/live");
  EXPECT_EQ(rec->requests[2].first, "rtmp://old.example/other");
  EXPECT_EQ(rec->requests[3].first, "rtmp://old.example/live");

  // The server keeps serving the connection until the client leaves.
  Message m;
  m.csid = csid::video;
  m.type = msg::video;
  m.stream_id = rec->stream_id;
  m.payload = make_shared_bytes(Bytes(100, 0x17));
  p.client->send_message(m);
  p.pump();
  EXPECT_EQ(p.sh.events.back(), "media 100");
  EXPECT_FALSE(p.server->want_close());
  // Not reported as a stream status.
  for (const auto& e : rec->events) EXPECT_EQ(e.find("ReconnectRequest"), std::string::npos) << e;
}

TEST(ReconnectRequest, WireFormMatchesTheSpec) {
  Pair p;
  p.client->connect(params());
  p.pump();
  std::size_t before = p.server_wire.size();
  p.server->send_reconnect_request("rtmp://n/live", "bye");
  p.pump();
  ChunkDecoder dec{Limits{}};
  // Decode everything, keep the last command.
  ByteView in(p.server_wire);
  in = in.subspan(1 + 1536 + 1536);
  std::optional<Message> last;
  while (!in.empty()) {
    auto step = dec.decode(in);
    ASSERT_TRUE(step);
    in = in.subspan(step->consumed);
    if (step->message && step->message->type == msg::command_amf0) last = *step->message;
  }
  ASSERT_GT(p.server_wire.size(), before);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->stream_id, 0u);
  auto c = parse_command(*last);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "onStatus");
  EXPECT_EQ(c->transaction_id, 0.0);
  EXPECT_TRUE(c->object.is_null());
  ASSERT_EQ(c->args.size(), 1u);
  const Value& info = c->args[0];
  EXPECT_EQ(info.get("level")->as_string(), "status");
  EXPECT_EQ(info.get("code")->as_string(), "NetConnection.Connect.ReconnectRequest");
  EXPECT_EQ(info.get("description")->as_string(), "bye");
  EXPECT_EQ(info.get("tcUrl")->as_string(), "rtmp://n/live");
}

TEST(ReconnectRequest, DefaultHandlerSeesAStatusOnStreamZero) {
  Pair p;
  p.client->connect(params());
  p.pump();
  p.server->send_reconnect_request();
  p.pump();
  ASSERT_FALSE(p.ch->events.empty());
  EXPECT_EQ(p.ch->events.back(), "status 0 NetConnection.Connect.ReconnectRequest");
}

TEST(ReconnectRequest, IgnoredBeforeConnect) {
  Pair p;
  p.server->send_reconnect_request("rtmp://x/y");
  EXPECT_FALSE(p.server->reconnect_requested());
  EXPECT_TRUE(drain(p.server->output()).empty());
}

TEST(ReconnectRequest, OnlyOnStreamZero) {
  // A NetStream onStatus with that code is a stream status, not a reconnect request.
  auto handler = std::make_unique<ReconnectRec>();
  auto* rec = handler.get();
  Pair p(std::move(handler));
  p.client->connect(params());
  p.client->create_stream();
  p.pump();
  p.server->send_status(1, "status", "NetConnection.Connect.ReconnectRequest", "");
  p.pump();
  EXPECT_TRUE(rec->requests.empty());
  EXPECT_EQ(rec->events.back(), "status 1 NetConnection.Connect.ReconnectRequest");
}

}  // namespace
}  // namespace rtmp
