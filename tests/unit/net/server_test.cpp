#include "rtmp/server.hpp"

#include "rtmp/core/client_session.hpp"

#include <gtest/gtest.h>
#include <boost/asio.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace rtmp {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct Record {
  std::mutex mutex;
  std::vector<std::string> events;
  std::atomic<int> disconnects{0};
  void add(std::string e) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(e));
  }
  bool wait_disconnects(int n) {
    for (int i = 0; i < 500 && disconnects < n; ++i) std::this_thread::sleep_for(10ms);
    return disconnects == n;
  }
};

class TestHandler : public Handler {
 public:
  explicit TestHandler(Record& r, bool reject_publish = false)
      : r_(r), reject_publish_(reject_publish) {}
  std::chrono::milliseconds publish_delay{0};
  Decision on_connect(const ConnectInfo& i) override {
    r_.add("connect " + i.app);
    return Decision::accept();
  }
  Decision on_publish(const PublishInfo& i) override {
    if (publish_delay.count() > 0 && i.key == "slow") std::this_thread::sleep_for(publish_delay);
    r_.add("publish " + i.key);
    if (reject_publish_) return Decision::reject("no", "NetStream.Publish.BadName");
    return Decision::accept();
  }
  void on_message(const Message& m) override { r_.add("message " + std::to_string(m.type)); }
  void on_disconnect(const Error& e) override {
    r_.add(std::string("disconnect ") + to_string(e.code));
    ++r_.disconnects;
  }

 private:
  Record& r_;
  bool reject_publish_;
};

// A blocking client: ClientSession over a socket, for driving the server in tests.
struct BlockingClient : ClientSessionHandler {
  asio::io_context ioc;
  tcp::socket sock{ioc};
  SessionOptions opts;
  std::unique_ptr<ClientSession> session;
  std::vector<std::string> statuses;
  std::uint32_t stream_id = 0;
  bool connected = false;

  explicit BlockingClient(std::uint16_t port, const char* host = "127.0.0.1") {
    sock.connect({asio::ip::make_address(host), port});
    session = std::make_unique<ClientSession>(opts, *this);
    session->start(Clock::now());
  }
  void on_connected(const amf::Value&) override { connected = true; }
  void on_stream_created(std::uint32_t id) override { stream_id = id; }
  void on_status(std::uint32_t, const amf::Value& info) override {
    statuses.emplace_back(info.get("code")->as_string());
  }
  void flush() {
    std::vector<ByteView> views;
    session->output().views(views, 1000);
    for (auto v : views) asio::write(sock, asio::buffer(v.data(), v.size()));
    session->output().consume(session->output().size());
  }
  // Reads until pred() or timeout.
  template <class P>
  bool until(P pred) {
    flush();
    std::array<std::uint8_t, 65536> buf;
    auto deadline = Clock::now() + 5s;
    while (!pred() && Clock::now() < deadline) {
      sock.non_blocking(true);
      boost::system::error_code ec;
      std::size_t n = sock.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      if (ec) return pred();
      EXPECT_TRUE(session->feed(ByteView(buf.data(), n), Clock::now()));
      flush();
    }
    return pred();
  }
  void publish(const std::string& key) {
    ConnectParams cp;
    cp.app = "live";
    cp.tc_url = "rtmp://127.0.0.1/live";
    session->connect(cp);
    session->create_stream();
    ASSERT_TRUE(until([&] { return stream_id != 0; }));
    session->publish(stream_id, key);
    ASSERT_TRUE(until([&] { return !statuses.empty(); }));
  }
};

ServerOptions options(Record& r, bool reject_publish = false) {
  ServerOptions o;
  o.port = 0;
  o.bind = "127.0.0.1";
  o.demux = false;
  o.threads = 2;
  o.handler = [&r, reject_publish](const std::any&) {
    return std::make_unique<TestHandler>(r, reject_publish);
  };
  return o;
}

TEST(Server, MissingHandlerIsAnError) {
  ServerOptions o;
  o.port = 0;
  auto s = Server::start(std::move(o));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::invalid_argument);
  EXPECT_NE(s.error().detail.find("handler"), std::string::npos);
}

TEST(Server, PortZeroPicksAPortAndAddressInUseIsReported) {
  Record r;
  auto a = Server::start(options(r));
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_NE((*a)->port(), 0);
  auto o = options(r);
  o.port = (*a)->port();
  auto b = Server::start(std::move(o));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, errc::address_in_use);
}

TEST(Server, StartStopStartAgain) {
  Record r;
  for (int i = 0; i < 3; ++i) {
    auto s = Server::start(options(r));
    ASSERT_TRUE(s);
    BlockingClient c((*s)->port());
    c.publish("k");
    EXPECT_EQ(c.statuses.back(), "NetStream.Publish.Start");
    (*s)->stop();
    EXPECT_TRUE(r.wait_disconnects(i + 1));
  }
}

TEST(Server, DisconnectOnceOnCleanClose) {
  Record r;
  auto s = Server::start(options(r));
  ASSERT_TRUE(s);
  {
    BlockingClient c((*s)->port());
    c.publish("k");
  }
  ASSERT_TRUE(r.wait_disconnects(1));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(r.disconnects, 1);
  std::lock_guard lock(r.mutex);
  EXPECT_EQ(r.events.back(), "disconnect closed");
}

TEST(Server, ProtocolErrorClosesOnlyThatSession) {
  Record r;
  auto o = options(r);
  o.limits.max_message_length = 1 << 20;
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  BlockingClient good((*s)->port());
  good.publish("good");
  BlockingClient bad((*s)->port());
  bad.publish("bad");
  // A chunk header declaring a 4 MiB message, above the 1 MiB limit.
  std::uint8_t garbage[] = {0x05, 0, 0, 0, 0x40, 0x00, 0x00, 0x09, 1, 0, 0, 0};
  asio::write(bad.sock, asio::buffer(garbage));
  ASSERT_TRUE(r.wait_disconnects(1));
  {
    std::lock_guard lock(r.mutex);
    EXPECT_EQ(r.events.back(), "disconnect message_too_large");
  }
  EXPECT_EQ((*s)->session_count(), 1u);
  (*s)->stop();
  EXPECT_TRUE(r.wait_disconnects(2));
}

TEST(Server, RejectedPublishKeepsConnection) {
  Record r;
  auto s = Server::start(options(r, true));
  ASSERT_TRUE(s);
  BlockingClient c((*s)->port());
  c.publish("k");
  EXPECT_EQ(c.statuses.back(), "NetStream.Publish.BadName");
  EXPECT_EQ((*s)->session_count(), 1u);
}

TEST(Server, RunsOnCallersIoContext) {
  Record r;
  asio::io_context ioc;
  auto o = options(r);
  o.io_context = &ioc;
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  std::thread t([&] { ioc.run_for(3s); });
  {
    BlockingClient c((*s)->port());
    c.publish("k");
    EXPECT_EQ(c.statuses.back(), "NetStream.Publish.Start");
  }
  EXPECT_TRUE(r.wait_disconnects(1));
  (*s)->stop();
  ioc.stop();
  t.join();
}

TEST(Server, SlowHandlerDelaysOnlyItsOwnSession) {
  Record r;
  auto o = options(r);
  o.handler = [&r](const std::any&) {
    auto h = std::make_unique<TestHandler>(r);
    h->publish_delay = 1500ms;
    return h;
  };
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  std::thread slow([&] {
    BlockingClient c((*s)->port());
    c.publish("slow");
  });
  std::this_thread::sleep_for(100ms);
  auto t0 = Clock::now();
  BlockingClient fast((*s)->port());
  fast.publish("fast");
  auto took = Clock::now() - t0;
  EXPECT_EQ(fast.statuses.back(), "NetStream.Publish.Start");
  EXPECT_LT(took, 1000ms) << "the fast session waited for the slow handler";
  slow.join();
  std::lock_guard lock(r.mutex);
  auto fast_at = std::find(r.events.begin(), r.events.end(), "publish fast");
  auto slow_at = std::find(r.events.begin(), r.events.end(), "publish slow");
  ASSERT_NE(fast_at, r.events.end());
  ASSERT_NE(slow_at, r.events.end());
  EXPECT_LT(fast_at, slow_at);
}

TEST(Server, MalformedCodecConfigClosesOnlyThatSession) {
  Record r;
  auto o = options(r);
  o.demux = true;
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  BlockingClient good((*s)->port());
  good.publish("good");
  BlockingClient bad((*s)->port());
  bad.publish("bad");
  // An AVC sequence header whose AVCDecoderConfigurationRecord is cut short.
  Message m;
  m.csid = csid::video;
  m.type = msg::video;
  m.stream_id = bad.stream_id;
  m.payload = make_shared_bytes(Bytes{0x17, 0x00, 0, 0, 0, 0x01, 0x64});
  bad.session->send_message(m);
  bad.flush();
  ASSERT_TRUE(r.wait_disconnects(1));
  {
    std::lock_guard lock(r.mutex);
    const std::string& last = r.events.back();
    EXPECT_TRUE(last == "disconnect truncated" || last == "disconnect malformed") << last;
  }
  EXPECT_EQ((*s)->session_count(), 1u);
}

TEST(Server, DefaultBindServesIPv4AndIPv6) {
  Record r;
  auto o = options(r);
  o.bind.clear();
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  BlockingClient v4((*s)->port(), "127.0.0.1");
  v4.publish("a");
  EXPECT_EQ(v4.statuses.back(), "NetStream.Publish.Start");
  boost::system::error_code ec;
  tcp::socket probe(v4.ioc);
  probe.connect({asio::ip::make_address("::1"), (*s)->port()}, ec);
  if (ec) GTEST_SKIP() << "no IPv6 loopback here: " << ec.message();
  probe.close();
  BlockingClient v6((*s)->port(), "::1");
  v6.publish("b");
  EXPECT_EQ(v6.statuses.back(), "NetStream.Publish.Start");
}

}  // namespace
}  // namespace rtmp

namespace rtmp {
namespace {

class DeferringHandler : public TestHandler {
 public:
  using TestHandler::TestHandler;
  Decision on_publish(const PublishInfo& i) override {
    TestHandler::on_publish(i);
    // Answer from another thread later, as an HTTP auth callback would.
    std::thread([s = session(), key = i.key] {
      std::this_thread::sleep_for(200ms);
      s->resolve(key == "good" ? Decision::accept() : Decision::reject("key not allowed"));
    }).detach();
    return Decision::defer();
  }
};

TEST(Server, DeferredDecisionResolvedFromAnotherThread) {
  Record r;
  auto o = options(r);
  o.handler = [&r](const std::any&) { return std::make_unique<DeferringHandler>(r); };
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  BlockingClient good((*s)->port());
  good.publish("good");
  EXPECT_EQ(good.statuses.back(), "NetStream.Publish.Start");
  BlockingClient bad((*s)->port());
  bad.publish("bad");
  EXPECT_EQ(bad.statuses.back(), "NetStream.Publish.BadName");
}

}  // namespace
}  // namespace rtmp
