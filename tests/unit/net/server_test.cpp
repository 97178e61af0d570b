#include "rtmp/server.hpp"

#include "rtmp/core/chunk.hpp"
#include "rtmp/core/client_session.hpp"
#include "support/event_log.hpp"
#include "support/scripted_server.hpp"
#include "unit/media/media_test_util.hpp"

#include <gtest/gtest.h>
#include <boost/asio.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace rtmp {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct Record {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> events;
  std::atomic<int> disconnects{0};
  void add(std::string e) {
    {
      std::lock_guard lock(mutex);
      events.push_back(std::move(e));
    }
    changed.notify_all();
  }
  void disconnected() {
    {
      std::lock_guard lock(mutex);
      ++disconnects;
    }
    changed.notify_all();
  }
  bool wait_disconnects(int n) {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, 5s, [&] { return disconnects >= n; });
    return disconnects == n;
  }
  // Waits (up to 5 s) until pred(events) holds; called with the events locked.
  template <class P>
  bool wait_events(P pred) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 5s, [&] { return pred(std::as_const(events)); });
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
    if (publish_delay.count() > 0 && i.key == "slow") {
      r_.add("slow publish begins");
      std::this_thread::sleep_for(publish_delay);  // a handler that blocks its session
    }
    r_.add("publish " + i.key);
    if (reject_publish_) return Decision::reject("no", "NetStream.Publish.BadName");
    return Decision::accept();
  }
  void on_message(const Message& m) override { r_.add("message " + std::to_string(m.type)); }
  void on_disconnect(const Error& e) override {
    r_.add(std::string("disconnect ") + to_string(e.code));
    r_.disconnected();
  }

 protected:
  Record& rec() { return r_; }

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
    log.push_back("status " + statuses.back());
  }
  void on_media(const Message& m) override {
    log.push_back("media " + std::to_string(m.type) + " " + std::to_string(m.timestamp));
    media_bytes += m.size();
    ++media;
  }
  std::vector<std::string> log;  // statuses and media, in arrival order
  std::size_t media = 0;
  std::size_t media_bytes = 0;
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
        test::wait_readable(sock.native_handle(), deadline);
        continue;
      }
      if (ec) return pred();
      EXPECT_TRUE(session->feed(ByteView(buf.data(), n), Clock::now()));
      flush();
    }
    return pred();
  }
  void play(const std::string& key) {
    ConnectParams cp;
    cp.app = "live";
    cp.tc_url = "rtmp://127.0.0.1/live";
    session->connect(cp);
    session->create_stream();
    ASSERT_TRUE(until([&] { return stream_id != 0; }));
    session->play(stream_id, key);
    ASSERT_TRUE(until([&] { return !statuses.empty(); }));
  }
  // Sends one audio/video message of `size` bytes on the published stream.
  void send_media(std::uint8_t type, std::uint32_t ts, std::size_t size = 100) {
    Message m;
    m.csid = type == msg::video ? csid::video : csid::audio;
    m.type = type;
    m.timestamp = ts;
    m.stream_id = stream_id;
    m.payload = make_shared_bytes(Bytes(size, std::uint8_t{0x2A}));
    session->send_message(m);
    flush();
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

TEST(Server, DefaultPortIs1935) {
  ServerOptions o;
  EXPECT_EQ(o.port, 1935);
  Record r;
  auto def = options(r);
  def.port = ServerOptions{}.port;
  auto s = Server::start(std::move(def));
  if (!s && s.error().code == errc::address_in_use) GTEST_SKIP() << "1935 is taken here";
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ((*s)->port(), 1935);
  BlockingClient c(1935);
  c.publish("k");
  EXPECT_EQ(c.statuses.back(), "NetStream.Publish.Start");
}

TEST(Server, HandlerOptionsReachEveryHandler) {
  Record r;
  auto o = options(r);
  o.handler_options = std::string("from the options");
  std::atomic<int> made{0};
  o.handler = [&](const std::any& opts) {
    const auto* text = std::any_cast<std::string>(&opts);
    r.add("options " + (text ? *text : std::string("missing")));
    ++made;
    return std::make_unique<TestHandler>(r);
  };
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  BlockingClient a((*s)->port());
  a.publish("a");
  BlockingClient b((*s)->port());
  b.publish("b");
  EXPECT_EQ(made.load(), 2);
  std::lock_guard lock(r.mutex);
  EXPECT_EQ(std::count(r.events.begin(), r.events.end(), "options from the options"), 2);
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
  EXPECT_TRUE(test::eventually([&] { return (*s)->session_count() == 1u; }));
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
  ASSERT_TRUE(r.wait_events([](const auto& ev) {
    return std::find(ev.begin(), ev.end(), "slow publish begins") != ev.end();
  }));
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
  EXPECT_TRUE(test::eventually([&] { return (*s)->session_count() == 1u; }));
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

// Input held while a decision was deferred is processed by the resolve job posted to the
// session's strand: a handler throwing there closes the session like anywhere else.
class ThrowAfterResolve : public TestHandler {
 public:
  ThrowAfterResolve(Record& r, std::promise<std::shared_ptr<Session>>& slot)
      : TestHandler(r), slot_(slot) {}
  Decision on_publish(const PublishInfo& i) override {
    TestHandler::on_publish(i);
    slot_.set_value(session());
    return Decision::defer();
  }
  void on_message(const Message&) override { throw std::logic_error("no media wanted"); }

 private:
  std::promise<std::shared_ptr<Session>>& slot_;
};

TEST(Server, HandlerThrowingInResolvedInputClosesTheSession) {
  Record r;
  std::promise<std::shared_ptr<Session>> slot;
  auto slot_filled = slot.get_future();
  auto o = options(r);
  o.handler = [&](const std::any&) { return std::make_unique<ThrowAfterResolve>(r, slot); };
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  BlockingClient c((*s)->port());
  ConnectParams cp;
  cp.app = "live";
  c.session->connect(cp);
  c.session->create_stream();
  ASSERT_TRUE(c.until([&] { return c.stream_id != 0; }));
  // publish and media at once: the media waits in the server for the deferred decision.
  c.session->publish(c.stream_id, "k");
  c.send_media(msg::video, 0);
  ASSERT_EQ(slot_filled.wait_for(5s), std::future_status::ready);
  std::shared_ptr<Session> handle = slot_filled.get();
  ASSERT_TRUE(handle);
  handle->resolve(Decision::accept());
  ASSERT_TRUE(r.wait_disconnects(1));
  {
    std::lock_guard lock(r.mutex);
    EXPECT_EQ(r.events.back(), "disconnect handler_error");
  }
  // The peer's connection ends (EOF or reset), not left open.
  EXPECT_FALSE(c.until([] { return false; }));
  boost::system::error_code ec;
  std::array<std::uint8_t, 64> buf;
  c.sock.non_blocking(false);
  while (!ec) c.sock.read_some(asio::buffer(buf), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_TRUE(test::eventually([&] { return (*s)->session_count() == 0u; }));
}

// Codec and video events, for the re-publish test.
class MediaRecorder : public TestHandler {
 public:
  using TestHandler::TestHandler;
  void on_codec(const Codec& c) override { rec().add(std::string("codec ") + codec_name(c.id)); }
  void on_video(const VideoSample& v) override { rec().add("video " + std::to_string(v.dts)); }
  void on_metadata(const amf::Value&) override { rec().add("metadata"); }
};

Message video_message(std::uint32_t sid, std::uint32_t ts, Bytes payload) {
  Message m;
  m.csid = csid::video;
  m.type = msg::video;
  m.timestamp = ts;
  m.stream_id = sid;
  m.payload = make_shared_bytes(std::move(payload));
  return m;
}

TEST(Server, RepublishOnTheSameConnectionStartsAFreshDemuxer) {
  Record r;
  auto o = options(r);
  o.demux = true;
  o.handler = [&r](const std::any&) { return std::make_unique<MediaRecorder>(r); };
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  BlockingClient c((*s)->port());
  c.publish("one");
  Bytes seq = {0x17, 0x00, 0, 0, 0};
  const Bytes avcc = test::avcc_high();
  seq.insert(seq.end(), avcc.begin(), avcc.end());
  const Bytes frame = {0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65};
  c.session->send_message(video_message(c.stream_id, 5000, seq));
  c.session->send_message(video_message(c.stream_id, 5000, frame));
  const std::uint32_t first = c.stream_id;
  c.session->delete_stream(first);
  c.stream_id = 0;
  c.statuses.clear();
  c.session->create_stream();
  ASSERT_TRUE(c.until([&] { return c.stream_id != 0; }));
  // Metadata before the second publish reaches the handler too.
  c.session->send_message(
      make_data(c.stream_id, {amf::Value("@setDataFrame"), amf::Value("onMetaData"),
                              amf::Value::object({{"a", amf::Value(1.0)}})}));
  c.session->publish(c.stream_id, "two");
  ASSERT_TRUE(c.until([&] { return !c.statuses.empty(); }));
  EXPECT_EQ(c.statuses.back(), "NetStream.Publish.Start");
  // A frame before the new publisher's sequence header is dropped: the old one is gone.
  c.session->send_message(video_message(c.stream_id, 0, frame));
  c.session->send_message(video_message(c.stream_id, 0, seq));
  c.session->send_message(video_message(c.stream_id, 40, frame));
  c.flush();
  auto media = [&] {
    std::vector<std::string> out;
    std::lock_guard lock(r.mutex);
    for (auto& e : r.events)
      if (e.rfind("codec", 0) == 0 || e.rfind("video", 0) == 0 || e == "metadata") out.push_back(e);
    return out;
  };
  r.wait_events([](const auto& events) {
    return std::count_if(events.begin(), events.end(), [](const std::string& e) {
             return e.rfind("codec", 0) == 0 || e.rfind("video", 0) == 0 || e == "metadata";
           }) >= 5;
  });
  EXPECT_EQ(media(), (std::vector<std::string>{"codec h264", "video 5000", "metadata", "codec h264",
                                               "video 40"}));
}

// A handler's session used from another thread while the server goes away: each call
// takes the connection for a moment, and the server must not free the io_context under it.
TEST(Server, HandleCallsRacingServerDestruction) {
  for (int round = 0; round < 20; ++round) {
    Record r;
    std::mutex m;
    std::shared_ptr<Session> session;
    class Keeper : public TestHandler {
     public:
      Keeper(Record& r, std::mutex& m, std::shared_ptr<Session>& s)
          : TestHandler(r), m_(m), s_(s) {}
      Decision on_connect(const ConnectInfo& i) override {
        std::lock_guard lock(m_);
        s_ = session();
        return TestHandler::on_connect(i);
      }

     private:
      std::mutex& m_;
      std::shared_ptr<Session>& s_;
    };
    auto o = options(r);
    o.handler = [&](const std::any&) { return std::make_unique<Keeper>(r, m, session); };
    auto s = Server::start(std::move(o));
    ASSERT_TRUE(s);
    BlockingClient c((*s)->port());
    c.publish("race");
    std::shared_ptr<Session> held;
    {
      std::lock_guard lock(m);
      held = session;
    }
    ASSERT_TRUE(held);
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> calls{0};
    std::thread hammer([&] {
      while (!stop) {
        held->send_status("status", "NetStream.Play.Reset", "race");
        ++calls;
      }
    });
    while (calls < 10) std::this_thread::yield();
    s->reset();  // stops the server and destroys its io_context while calls go on
    while (calls < 100 + 10) std::this_thread::yield();  // calls after the server is gone
    stop = true;
    hammer.join();
    EXPECT_EQ(r.disconnects, 1);
  }
}

// ---- fan-out hand-off (Session::send_encoded) ----

// A minimal relay: every audio/video message the publisher sends goes, encoded once, to
// every player through send_encoded; a data message makes it send a status to each player.
struct Hub {
  std::mutex mutex;
  std::condition_variable joined;                                           // a player was added
  std::vector<std::pair<std::shared_ptr<Session>, std::uint32_t>> players;  // + stream id
  bool media_after_status = false;  // a data message also hands off a video message after it
};

class HubHandler : public Handler {
 public:
  explicit HubHandler(Hub& hub) : hub_(hub) {}
  Decision on_play(const PlayInfo& info) override {
    {
      std::lock_guard lock(hub_.mutex);
      hub_.players.emplace_back(session(), info.stream_id);
    }
    hub_.joined.notify_all();
    return Decision::accept();
  }
  void on_message(const Message& m) override {
    std::lock_guard lock(hub_.mutex);
    for (auto& [player, sid] : hub_.players) {
      Message h = m;
      h.stream_id = sid;
      if (m.type == msg::data_amf0) {
        player->send_status("status", "Test.AfterMedia", "");
        if (!hub_.media_after_status) continue;
        h.type = msg::video;
        h.csid = csid::video;
      }
      Bytes wire;
      ChunkEncoder::encode_standalone(h, player->chunk_size(), wire);
      player->send_encoded(make_shared_bytes(std::move(wire)), h);
    }
  }

 private:
  Hub& hub_;
};

ServerOptions hub_options(Hub& hub, unsigned threads = 2) {
  ServerOptions o;
  o.port = 0;
  o.bind = "127.0.0.1";
  o.demux = false;
  o.threads = threads;
  o.fanout_hold_min_players = 0;  // audio may wait for video even with one player
  o.handler = [&hub](const std::any&) { return std::make_unique<HubHandler>(hub); };
  return o;
}

void wait_players(Hub& hub, std::size_t n) {
  std::unique_lock lock(hub.mutex);
  hub.joined.wait_for(lock, 5s, [&] { return hub.players.size() >= n; });
}

// Audio that waits in a player's inbox for the next video frame still goes out in
// publisher order, interleaved with the video, to every player.
TEST(ServerFanout, AudioWaitingForVideoKeepsPublisherOrder) {
  Hub hub;
  auto s = Server::start(hub_options(hub));
  ASSERT_TRUE(s);
  BlockingClient p1((*s)->port()), p2((*s)->port());
  p1.play("k");
  p2.play("k");
  wait_players(hub, 2);
  BlockingClient pub((*s)->port());
  pub.publish("k");
  std::vector<std::string> want;
  std::uint32_t audio_ts = 0;
  for (std::uint32_t v = 0; v < 20; ++v) {
    pub.send_media(msg::video, v * 33, 3000);
    want.push_back("media 9 " + std::to_string(v * 33));
    for (; audio_ts < (v + 1) * 33; audio_ts += 23) {
      pub.send_media(msg::audio, audio_ts);
      want.push_back("media 8 " + std::to_string(audio_ts));
    }
  }
  for (auto* p : {&p1, &p2}) {
    ASSERT_TRUE(p->until([&] { return p->media >= want.size(); })) << p->media;
    std::vector<std::string> got(p->log.end() - static_cast<std::ptrdiff_t>(want.size()),
                                 p->log.end());
    EXPECT_EQ(got, want);
  }
}

// One player, then one publisher, on key "k" of a Hub server.
struct HubPair {
  Hub hub;
  std::unique_ptr<Server> server;
  std::optional<BlockingClient> player, pub;
  explicit HubPair(std::size_t hold_min_players = 0) {
    auto o = hub_options(hub);
    o.fanout_hold_min_players = hold_min_players;
    server = Server::start(o).value();
    player.emplace(server->port());
    player->play("k");
    wait_players(hub, 1);
    pub.emplace(server->port());
    pub->publish("k");
  }
  // Video frames at 0 and `interval` ms, both delivered first, so that what the publisher
  // sends next comes in a read of its own.
  bool video_flowing(std::uint32_t interval) {
    pub->send_media(msg::video, 0);
    pub->send_media(msg::video, interval);
    return player->until([&] { return player->media == 2; });
  }
};

// Video stops (the publisher stalls or sends audio only): audio held for a video frame
// that does not come is still delivered, without any further input from the publisher.
TEST(ServerFanout, HeldAudioGoesOutWhenNoVideoFollows) {
  HubPair h;
  auto& player = *h.player;
  ASSERT_TRUE(h.video_flowing(33));
  h.pub->send_media(msg::audio, 40);  // the next video frame would be due at 66: never sent
  ASSERT_TRUE(player.until([&] { return player.media == 3; }));
  EXPECT_EQ(player.log.back(), "media 8 40");
}

// Below fanout_hold_min_players (default 16) audio is not held for video: it reaches a
// lone player at once, where a hold would keep it for the 100 ms video frame interval.
TEST(ServerFanout, SmallAudienceGetsAudioWithoutWaitingForVideo) {
  HubPair h(ServerOptions{}.fanout_hold_min_players);
  auto& player = *h.player;
  ASSERT_TRUE(h.video_flowing(100));  // the longest interval a hold waits for
  // A held one arrives 100 ms after it was read at the earliest; the fastest of three
  // shows whether any was held without one slow delivery failing the test.
  auto fastest = std::chrono::steady_clock::duration::max();
  for (std::uint32_t i = 1; i <= 3; ++i) {
    const auto sent = std::chrono::steady_clock::now();
    h.pub->send_media(msg::audio, 100 + i);
    ASSERT_TRUE(player.until([&] { return player.media == 2 + i; }));
    fastest = std::min(fastest, std::chrono::steady_clock::now() - sent);
  }
  EXPECT_EQ(player.log.back(), "media 8 103");
  EXPECT_LT(fastest, 90ms);
}

// A status sent after media (here UnpublishNotify's stand-in) reaches the player after
// that media, also when the media waits for the end of the publisher's read or for video.
TEST(ServerFanout, StatusAfterHeldAudioStaysAfterIt) {
  HubPair h;
  auto& player = *h.player;
  auto& pub = *h.pub;
  pub.send_media(msg::video, 0);
  pub.send_media(msg::video, 33);
  // Audio, then the data message, in one write: one read on the server most of the time.
  Message a;
  a.csid = csid::audio;
  a.type = msg::audio;
  a.timestamp = 40;
  a.stream_id = pub.stream_id;
  a.payload = make_shared_bytes(Bytes(100, std::uint8_t{1}));
  pub.session->send_message(a);
  pub.session->send_message(make_data(pub.stream_id, {amf::Value("x")}, 41, csid::data));
  pub.flush();
  ASSERT_TRUE(player.until([&] { return player.log.back() == "status Test.AfterMedia"; }));
  ASSERT_GE(player.log.size(), 2u);
  EXPECT_EQ(player.log[player.log.size() - 2], "media 8 40");
}

// The reverse: media handed off after a status (a relay's PublishNotify, then the new
// publisher's first frames) stays after it, also when it is handed off before the status's
// job runs (one thread: both are queued during the publisher's read).
TEST(ServerFanout, MediaAfterStatusStaysAfterIt) {
  Hub hub;
  hub.media_after_status = true;
  auto o = hub_options(hub, 1);
  auto s = Server::start(o);
  ASSERT_TRUE(s);
  BlockingClient player((*s)->port());
  player.play("k");
  wait_players(hub, 1);
  BlockingClient pub((*s)->port());
  pub.publish("k");
  pub.session->send_message(make_data(pub.stream_id, {amf::Value("x")}, 41, csid::data));
  pub.flush();
  ASSERT_TRUE(player.until([&] { return player.media == 1; }));
  ASSERT_GE(player.log.size(), 2u);
  EXPECT_EQ(player.log[player.log.size() - 2], "status Test.AfterMedia");
  EXPECT_EQ(player.log.back(), "media 9 41");
}

// A player that stops reading must not hold up the I/O thread (the hand-off writes without
// blocking): on one thread, another player still gets every byte.
TEST(ServerFanout, StalledPlayerDoesNotBlockOthers) {
  Hub hub;
  auto o = hub_options(hub, 1);
  o.socket_send_buffer = 64 * 1024;
  auto s = Server::start(std::move(o));
  ASSERT_TRUE(s);
  BlockingClient stalled((*s)->port()), reader((*s)->port());
  stalled.sock.set_option(asio::socket_base::receive_buffer_size(16 * 1024));
  stalled.play("k");
  reader.play("k");
  wait_players(hub, 2);
  BlockingClient pub((*s)->port());
  pub.publish("k");
  constexpr std::size_t frames = 200, size = 60 * 1024;  // 12 MB, far over the socket buffers
  std::size_t sent = 0;
  for (std::uint32_t i = 0; i < frames; ++i) {
    pub.send_media(msg::video, i * 33, size);
    sent += size;
    // Keep reading as we go so that the reader's own socket never fills.
    ASSERT_TRUE(reader.until([&] { return reader.media_bytes + 4 * size >= sent; })) << i;
  }
  ASSERT_TRUE(reader.until([&] { return reader.media == frames; })) << reader.media;
  EXPECT_EQ(reader.media_bytes, sent);
  EXPECT_LT(stalled.media, frames);
}

}  // namespace
}  // namespace rtmp
