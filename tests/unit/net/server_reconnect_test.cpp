// rtmp::Server and Enhanced RTMP connect negotiation / ReconnectRequest over real sockets.
#include "rtmp/server.hpp"

#include "rtmp/core/client_session.hpp"
#include "support/event_log.hpp"
#include "support/scripted_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace rtmp {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct Shared {
  std::mutex mutex;
  std::vector<ConnectInfo> connects;
  std::atomic<int> media{0};
  std::atomic<int> disconnects{0};
};

class CapsHandler : public Handler {
 public:
  explicit CapsHandler(Shared& s) : s_(s) {}
  Decision on_connect(const ConnectInfo& i) override {
    std::lock_guard lock(s_.mutex);
    s_.connects.push_back(i);
    return Decision::accept();
  }
  void on_message(const Message&) override { ++s_.media; }
  void on_disconnect(const Error&) override { ++s_.disconnects; }

 private:
  Shared& s_;
};

// ClientSession over a blocking socket.
struct Client : ClientSessionHandler {
  asio::io_context ioc;
  tcp::socket sock{ioc};
  SessionOptions opts;
  std::unique_ptr<ClientSession> session;
  std::uint32_t stream_id = 0;
  bool connected = false, publishing = false, eof = false;
  std::vector<std::string> reconnects;  // resolved tcUrls

  explicit Client(std::uint16_t port) {
    sock.connect({asio::ip::make_address("127.0.0.1"), port});
    session = std::make_unique<ClientSession>(opts, *this);
    session->start(Clock::now());
  }
  void on_connected(const amf::Value&) override { connected = true; }
  void on_stream_created(std::uint32_t id) override { stream_id = id; }
  void on_status(std::uint32_t, const amf::Value& info) override {
    if (info.get("code")->as_string() == "NetStream.Publish.Start") publishing = true;
  }
  void on_reconnect_request(const std::string& tc_url, const amf::Value&) override {
    reconnects.push_back(tc_url);
  }
  void flush() {
    std::vector<ByteView> views;
    session->output().views(views, 1000);
    boost::system::error_code ec;
    for (auto v : views) asio::write(sock, asio::buffer(v.data(), v.size()), ec);
    session->output().consume(session->output().size());
  }
  template <class P>
  bool until(P pred, std::chrono::milliseconds timeout = 5s) {
    flush();
    std::array<std::uint8_t, 65536> buf;
    auto deadline = Clock::now() + timeout;
    sock.non_blocking(true);
    while (!pred() && Clock::now() < deadline) {
      boost::system::error_code ec;
      std::size_t n = sock.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block) {
        test::wait_readable(sock.native_handle(), deadline);
        continue;
      }
      if (ec) {
        eof = true;
        return pred();
      }
      EXPECT_TRUE(session->feed(ByteView(buf.data(), n), Clock::now()));
      flush();
    }
    return pred();
  }
  void publish(ConnectParams cp) {
    cp.app = "live";
    cp.tc_url = "rtmp://127.0.0.1/live";
    session->connect(cp);
    session->create_stream();
    ASSERT_TRUE(until([&] { return stream_id != 0; }));
    session->publish(stream_id, "key");
    ASSERT_TRUE(until([&] { return publishing; }));
  }
  void send_video() {
    Message m;
    m.csid = csid::video;
    m.type = msg::video;
    m.stream_id = stream_id;
    m.payload = make_shared_bytes(Bytes(64, 0x27));
    session->send_message(m);
    flush();
  }
};

ServerOptions options(Shared& s) {
  ServerOptions o;
  o.port = 0;
  o.bind = "127.0.0.1";
  o.demux = false;
  o.threads = 2;
  o.handler = [&s](const std::any&) { return std::make_unique<CapsHandler>(s); };
  return o;
}

ConnectParams enhanced_params() {
  ConnectParams cp;
  cp.fourcc_list = {"hvc1", "av01", "vp09"};
  cp.caps_ex = caps_ex::reconnect | caps_ex::multitrack;
  return cp;
}

// The counters have no event of their own: the kit's bounded poll.
bool wait_for(const std::atomic<int>& v, int n, std::chrono::milliseconds timeout = 5s) {
  return test::eventually([&] { return v >= n; }, timeout);
}

TEST(ServerEnhanced, NegotiatesCaps) {
  Shared sh;
  auto o = options(sh);
  o.enhanced_caps.video_fourcc_info = {{"hvc1", fourcc_info::can_forward}};
  o.enhanced_caps.audio_fourcc_info.clear();
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s) << s.error().message();
  Client c((*s)->port());
  c.publish(enhanced_params());
  {
    std::lock_guard lock(sh.mutex);
    ASSERT_EQ(sh.connects.size(), 1u);
    EXPECT_EQ(sh.connects[0].fourcc_list, enhanced_params().fourcc_list);
    EXPECT_TRUE(sh.connects[0].has_caps_ex(caps_ex::reconnect));
  }
  EXPECT_TRUE(c.session->server_caps().can_receive_video("hvc1"));
  EXPECT_FALSE(c.session->server_caps().can_receive_video("av01"));
  EXPECT_TRUE(c.session->server_caps().audio_fourcc_info.empty());
  EXPECT_EQ(c.session->server_caps().caps_ex, ConnectCaps::forwarder().caps_ex);

  Client legacy((*s)->port());
  legacy.publish(ConnectParams{});
  EXPECT_FALSE(legacy.session->server_caps().enhanced());
}

TEST(ServerEnhanced, RequestReconnectKeepsServing) {
  Shared sh;
  auto s = Server::start(options(sh));
  ASSERT_TRUE(s);
  Client c((*s)->port());
  c.publish(enhanced_params());
  (*s)->request_reconnect("/elsewhere", "rebalancing");
  ASSERT_TRUE(c.until([&] { return !c.reconnects.empty(); }));
  EXPECT_EQ(c.reconnects[0], "rtmp://127.0.0.1/elsewhere");
  c.send_video();
  EXPECT_TRUE(wait_for(sh.media, 1));
  EXPECT_EQ((*s)->session_count(), 1u);
}

TEST(ServerEnhanced, ReconnectOnStopWaitsForTheClient) {
  Shared sh;
  auto o = options(sh);
  o.reconnect_on_stop = true;
  o.reconnect_tc_url = "rtmp://127.0.0.1:1/live";
  o.reconnect_grace = 10s;
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  Client c((*s)->port());
  c.publish(enhanced_params());
  Client other((*s)->port());  // still in the handshake: nothing to ask
  test::eventually([&] { return (*s)->session_count() >= 2; });
  ASSERT_EQ((*s)->session_count(), 2u);

  auto t0 = Clock::now();
  std::thread stopper([&] { (*s)->stop(); });
  ASSERT_TRUE(c.until([&] { return !c.reconnects.empty(); }));
  EXPECT_EQ(c.reconnects[0], "rtmp://127.0.0.1:1/live");
  // The old server keeps processing the client's messages until it leaves.
  c.send_video();
  c.send_video();
  EXPECT_TRUE(wait_for(sh.media, 2));
  // Both leave (the handshake-only one would otherwise be ended when the grace is over):
  // stop() returns as soon as no connection is left.
  c.sock.close();
  other.sock.close();
  stopper.join();
  EXPECT_LT(Clock::now() - t0, 5s);
  EXPECT_TRUE(wait_for(sh.disconnects, 2));
}

TEST(ServerEnhanced, ReconnectOnStopEndsStragglersAfterGrace) {
  Shared sh;
  auto o = options(sh);
  o.reconnect_on_stop = true;
  o.reconnect_grace = 300ms;
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  Client c((*s)->port());
  c.publish(enhanced_params());
  auto t0 = Clock::now();
  std::thread stopper([&] { (*s)->stop(); });
  // Ignores the request: the server closes the connection after the grace period.
  EXPECT_TRUE(c.until([&] { return c.eof; }, 5s));
  stopper.join();
  auto took = Clock::now() - t0;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 5s);
  ASSERT_EQ(c.reconnects.size(), 1u);
  EXPECT_EQ(c.reconnects[0], "rtmp://127.0.0.1/live");  // no URL configured: the same one
  EXPECT_TRUE(wait_for(sh.disconnects, 1));
}

TEST(ServerEnhanced, ReconnectOnStopOnCallersIoContext) {
  Shared sh;
  asio::io_context ioc;
  auto o = options(sh);
  o.io_context = &ioc;
  o.reconnect_on_stop = true;
  o.reconnect_grace = 200ms;
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  std::thread runner([&] { ioc.run(); });
  Client c((*s)->port());
  c.publish(enhanced_params());
  auto t0 = Clock::now();
  (*s)->stop();  // does not block
  EXPECT_LT(Clock::now() - t0, 150ms);
  EXPECT_TRUE(c.until([&] { return c.eof; }, 5s));
  EXPECT_EQ(c.reconnects.size(), 1u);
  EXPECT_GE(Clock::now() - t0, 190ms);
  EXPECT_TRUE(wait_for(sh.disconnects, 1));
  s->reset();
  runner.join();
}

}  // namespace
}  // namespace rtmp
