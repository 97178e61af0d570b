// The client connection against scripted fake servers: clear errors within the timeouts,
// and the control messages and commands a server may send.
#include "net/client_connection.hpp"

#include "rtmp/core/command.hpp"
#include "rtmp/core/control.hpp"
#include "support/net_server.hpp"
#include "support/scripted_server.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using namespace test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::pair<Result<void>, std::chrono::milliseconds> timed_connect(ScriptedServer& s, bool publish) {
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  auto t0 = Clock::now();
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(s.port())); !r) co_return r;
    if (publish) co_return co_await c.async_publish();
    co_return Result<void>{};
  });
  return {r, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0)};
}

TEST(ClientBadServer, SilenceTimesOutInTheHandshake) {
  ScriptedServer s([](Peer& p) { p.hold(); });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().detail.find("RTMP handshake"), std::string::npos) << r.error().detail;
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 2s);
}

TEST(ClientBadServer, WrongVersionFailsTheHandshake) {
  ScriptedServer s([](Peer& p) {
    Bytes junk(3073, 0x55);
    p.write(junk);
    p.hold();
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::handshake_failed) << r.error().message();
  EXPECT_LT(took, 450ms);
}

TEST(ClientBadServer, GarbageAfterHandshakeIsAProtocolError) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    Bytes junk(64, 0xFF);  // type-3 chunks on a chunk stream that had no header
    p.write(junk);
    p.hold();
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_chunk_header) << r.error().message();
  EXPECT_NE(r.error().detail.find("from server 127.0.0.1:"), std::string::npos);
  EXPECT_LT(took, 450ms);
}

TEST(ClientBadServer, ErrorOnConnect) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    auto c = p.read_command("connect");
    if (!c) return;
    p.reply(*c, "_error", amf::Value::null(),
            {status_object("error", "NetConnection.Connect.Rejected", "go away")});
    p.hold();
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rejected);
  EXPECT_NE(r.error().detail.find("connect rejected by 127.0.0.1:"), std::string::npos);
  EXPECT_NE(r.error().detail.find("NetConnection.Connect.Rejected: go away"), std::string::npos)
      << r.error().detail;
  EXPECT_LT(took, 450ms);
}

TEST(ClientBadServer, SilenceAfterHandshakeTimesOut) {
  ScriptedServer s([](Peer& p) {
    if (p.handshake()) p.hold();
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().detail.find("no answer to connect"), std::string::npos) << r.error().detail;
  EXPECT_LT(took, 2s);
}

TEST(ClientBadServer, SilenceAfterPublishTimesOut) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    auto c = p.read_command("connect");
    if (!c) return;
    p.reply(*c, "_result", amf::Value::null(),
            {status_object("status", "NetConnection.Connect.Success", "ok")});
    auto cs = p.read_command("createStream");
    if (!cs) return;
    p.reply(*cs, "_result", amf::Value::null(), {amf::Value(1.0)});
    p.hold();
  });
  auto [r, took] = timed_connect(s, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().detail.find("no answer to publish 'key'"), std::string::npos)
      << r.error().detail;
}

TEST(ClientBadServer, StreamIdOutOfRangeIsMalformed) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    auto c = p.read_command("connect");
    if (!c) return;
    p.reply(*c, "_result", amf::Value::null(),
            {status_object("status", "NetConnection.Connect.Success", "ok")});
    auto cs = p.read_command("createStream");
    if (!cs) return;
    p.reply(*cs, "_result", amf::Value::null(), {amf::Value(-1e146)});  // found by fuzzing
    p.hold();
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed) << r.error().message();
  EXPECT_NE(r.error().detail.find("stream id"), std::string::npos) << r.error().detail;
  EXPECT_LT(took, 450ms);
}

TEST(ClientBadServer, HangUpDuringConnect) {
  ScriptedServer s([](Peer& p) {
    if (p.handshake()) p.read_command("connect");
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::closed) << r.error().message();
  EXPECT_LT(took, 450ms);
}

// A server that stops reading: the bounded queue fills (output_full), and a drain that
// makes no progress ends with the write timeout instead of hanging.
TEST(ClientBadServer, BackPressureThenWriteTimeout) {
  ScriptedServer s([](Peer& p) {
    if (p.accept_session()) p.hold();
  });
  asio::io_context ioc;
  auto opts = quick_options();
  opts.max_output_bytes = 256 * 1024;
  Client c(ioc.get_executor(), opts);
  Bytes frame(64 * 1024, 0x11);
  int sent = 0;
  bool full = false;
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(s.port())); !r) co_return r;
    if (auto r = co_await c.async_publish(); !r) co_return r;
    // Kernel buffers take a few MB first; 100 MB is far more than they hold.
    for (int i = 0; i < 1600 && !full; ++i) {
      auto r = c.send_video(VideoSample::from_data(CodecId::h264, i, i, true, frame));
      if (!r) {
        full = r.error().code == errc::output_full;
        if (!full) co_return r;
      } else {
        ++sent;
      }
      asio::steady_timer t(ioc, 100us);
      co_await t.async_wait(use_tuple);
    }
    EXPECT_GE(c.pending_output(), opts.max_output_bytes);
    co_return co_await c.async_drain(0);
  });
  EXPECT_TRUE(full);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().detail.find("made no progress"), std::string::npos) << r.error().detail;
}

// Control messages: the client answers pings, acknowledges the server's window, honours the
// server's Set Chunk Size (600-byte status at chunk size 300) and announces its own; the
// connect fields follow the URL; async_close sends FCUnpublish and deleteStream.
TEST(ClientScripted, PingAckChunkSizeConnectFieldsAndGoodbye) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    auto c = p.read_command("connect");
    if (!c) return;
    p.connect = *c;
    p.send(control::window_ack_size(100));
    p.send(control::set_chunk_size(300));
    p.send(control::user_control({control::UserEvent::ping_request, 12345, 0}));
    p.reply(*c, "_result", amf::Value::null(),
            {status_object("status", "NetConnection.Connect.Success", std::string(700, 'y'))});
    auto cs = p.read_command("createStream");
    if (!cs) return;
    p.reply(*cs, "_result", amf::Value::null(), {amf::Value(7.0)});
    auto pub = p.read_command("publish");
    if (!pub) return;
    p.stream_command = *pub;
    p.send(make_command(7, "onStatus", 0, amf::Value::null(),
                        {status_object("status", "NetStream.Publish.Start", std::string(600, 'x'))},
                        csid::data));
    p.read_command("deleteStream");  // after the video, FCUnpublish, then deleteStream
  });
  asio::io_context ioc;
  auto opts = quick_options();
  opts.chunk_size = 1000;
  opts.caps.fourcc_list = {"hvc1", "av01"};
  Client c(ioc.get_executor(), opts);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(s.port(), "live/key?t=1")); !r) co_return r;
    if (auto r = co_await c.async_publish(); !r) co_return r;
    EXPECT_EQ(c.stream_id(), 7u);
    if (auto r = c.send_video(VideoSample::from_data(CodecId::h264, 5, 5, true, Bytes(5000, 1)));
        !r)
      co_return r;
    co_await c.async_close();
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  auto received = s.received();
  bool pong = false, ack = false, video = false;
  std::uint32_t announced_chunk = 0;
  for (const auto& m : received) {
    if (m.type == msg::user_control) {
      auto uc = control::parse_user_control(m.data());
      if (uc && uc->event == control::UserEvent::ping_response && uc->value == 12345) pong = true;
    }
    if (m.type == msg::acknowledgement) ack = true;
    if (m.type == msg::set_chunk_size) announced_chunk = *control::parse_u32(m.data());
    if (m.type == msg::video) {
      video = m.size() == 5005 && m.stream_id == 7 && m.timestamp == 5;
    }
  }
  std::vector<std::string> goodbye;
  for (const auto& m : received) {
    if (m.type != msg::command_amf0) continue;
    auto cmd = parse_command(m);
    if (cmd && (cmd->name == "FCUnpublish" || cmd->name == "deleteStream"))
      goodbye.push_back(cmd->name + " " + amf::to_string(cmd->args.at(0)));
  }
  EXPECT_EQ(goodbye, (std::vector<std::string>{"FCUnpublish \"key?t=1\"", "deleteStream 7"}));
  EXPECT_TRUE(pong);
  EXPECT_TRUE(ack);
  EXPECT_TRUE(video);
  EXPECT_EQ(announced_chunk, 1000u);
  auto connect = s.connect_command();
  EXPECT_EQ(connect.object.get("app")->as_string(), "live");
  EXPECT_EQ(connect.object.get("tcUrl")->as_string(),
            "rtmp://127.0.0.1:" + std::to_string(s.port()) + "/live");
  EXPECT_EQ(connect.object.get("type")->as_string(), "nonprivate");
  ASSERT_NE(connect.object.get("fourCcList"), nullptr);
  EXPECT_EQ(connect.object.get("fourCcList")->items().size(), 2u);
  auto publish = s.stream_command();
  ASSERT_EQ(publish.args.size(), 2u);
  EXPECT_EQ(publish.args[0].as_string(), "key?t=1");
  EXPECT_EQ(publish.args[1].as_string(), "live");
}

class ReconnectRecorder final : public ClientHandler {
 public:
  std::string tc_url, code;
  void on_reconnect_request(const std::string& url, const Status& s) override {
    tc_url = url;
    code = s.code;
  }
};

TEST(ClientScripted, ServerCapsAndReconnectRequest) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    auto c = p.read_command("connect");
    if (!c) return;
    auto props = amf::Value::object({{"fmsVer", amf::Value("FMS/3,0,1,123")},
                                     {"capsEx", amf::Value(1.0)},
                                     {"fourCcList", amf::Value::strict_array({"hvc1"})}});
    p.reply(*c, "_result", props, {status_object("status", "NetConnection.Connect.Success", "ok")});
    auto cs = p.read_command("createStream");
    if (!cs) return;
    p.reply(*cs, "_result", amf::Value::null(), {amf::Value(1.0)});
    auto info = status_object("status", "NetConnection.Connect.ReconnectRequest", "move");
    info.set("tcUrl", amf::Value("/other"));
    p.send(make_command(0, "onStatus", 0, amf::Value::null(), {info}));
    p.hold();
  });
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  ReconnectRecorder rec;
  c.set_handler(&rec);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(s.port())); !r) co_return r;
    for (int i = 0; i < 200 && rec.code.empty(); ++i) {
      asio::steady_timer t(ioc, 5ms);
      co_await t.async_wait(use_tuple);
    }
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(c.server_caps().has_caps_ex(caps_ex::reconnect));
  EXPECT_TRUE(c.server_caps().can_receive_video("hvc1"));
  EXPECT_EQ(rec.code, "NetConnection.Connect.ReconnectRequest");
  EXPECT_EQ(rec.tc_url, "rtmp://127.0.0.1:" + std::to_string(s.port()) + "/other");
}

TEST(ClientScripted, PlayIdleTimeoutEndsTheConnection) {
  ScriptedServer s([](Peer& p) {
    if (p.accept_session("NetStream.Play.Start")) p.hold();
  });
  asio::io_context ioc;
  auto opts = quick_options();
  opts.player = true;
  Client c(ioc.get_executor(), opts);
  PlayRecorder rec;
  c.set_handler(&rec);
  auto t0 = Clock::now();
  Error e = run(ioc, [&]() -> asio::awaitable<Error> {
    if (auto r = co_await c.async_connect(url_for(s.port())); !r) co_return r.error();
    if (auto r = co_await c.async_play(); !r) co_return r.error();
    co_return co_await c.async_wait_closed();
  });
  EXPECT_EQ(e.code, errc::timeout) << e.message();
  EXPECT_NE(e.detail.find("while playing"), std::string::npos);
  EXPECT_LT(Clock::now() - t0, 2s);
  auto connect = s.connect_command();
  EXPECT_NE(connect.object.get("audioCodecs"), nullptr);  // the player form
  EXPECT_EQ(connect.object.get("flashVer")->as_string(), "LNX 9,0,124,2");
}

}  // namespace
}  // namespace rtmp
