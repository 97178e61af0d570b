// An exception escaping a Handler callback (or the handler factory) closes that one
// session at once with errc::handler_error; the peer sees the close, on_disconnect comes
// exactly once, and the server and its other sessions go on. Real rtmp::BlockingClient
// peers over loopback.
#include "rtmp/client.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/server.hpp"
#include "support/event_log.hpp"
#include "unit/media/media_test_util.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace rtmp {
namespace {

using namespace std::chrono_literals;

// What the server's handlers saw, across sessions (handlers run on server threads).
struct Seen {
  std::mutex mutex;
  std::vector<Error> disconnects;  // of the throwing session
  std::atomic<int> good_media{0};  // media the well-behaved session's handler got
  std::atomic<int> good_disconnects{0};
  std::atomic<int> made{0};  // handlers the factory made

  void add(const Error& e) {
    std::lock_guard lock(mutex);
    disconnects.push_back(e);
  }
  std::vector<Error> snapshot() {
    std::lock_guard lock(mutex);
    return disconnects;
  }
};

// Throws from the callback named `where` (when `armed`); counts everything else.
class Thrower : public Handler {
 public:
  Thrower(Seen& seen, std::string where, bool armed)
      : seen_(seen), where_(std::move(where)), armed_(armed) {}

  Decision on_connect(const ConnectInfo&) override { return hit("on_connect"), accept(); }
  Decision on_publish(const PublishInfo&) override { return hit("on_publish"), accept(); }
  Decision on_play(const PlayInfo&) override { return hit("on_play"), accept(); }
  void on_metadata(const amf::Value&) override { hit("on_metadata"); }
  void on_codec(const Codec&) override { hit("on_codec"), media(); }
  void on_video(const VideoSample&) override { hit("on_video"), media(); }
  void on_audio(const AudioSample&) override { hit("on_audio"), media(); }
  void on_message(const Message&) override { hit("on_message"), media(); }
  bool on_delete_stream(std::uint32_t) override { return hit("on_delete_stream"), true; }
  void on_disconnect(const Error& e) override {
    if (armed_) {
      seen_.add(e);
      // Swallowed and logged by the server: must not disturb anything.
      throw std::runtime_error("on_disconnect throws too");
    }
    ++seen_.good_disconnects;
  }

 private:
  static Decision accept() { return Decision::accept(); }
  void hit(const char* callback) {
    if (armed_ && where_ == callback) throw std::runtime_error(std::string("boom in ") + callback);
  }
  void media() {
    if (!armed_) ++seen_.good_media;
  }
  Seen& seen_;
  std::string where_;
  bool armed_;
};

// Throws something that is not a std::exception.
struct NotAnException {};

struct Fixture {
  Seen seen;
  std::unique_ptr<Server> server;
  std::string url(const std::string& key) const {
    return "rtmp://127.0.0.1:" + std::to_string(server->port()) + "/live/" + key;
  }
  // The first handler is well-behaved, every later one throws from `where`.
  void start(const std::string& where, bool demux = true, bool factory_throws = false) {
    ServerOptions o;
    o.port = 0;
    o.bind = "127.0.0.1";
    o.threads = 2;
    o.demux = demux;
    o.handler = [this, where, factory_throws](const std::any&) -> std::unique_ptr<Handler> {
      const bool armed = seen.made++ > 0;
      if (armed && factory_throws) throw NotAnException{};
      return std::make_unique<Thrower>(seen, where, armed);
    };
    auto s = Server::start(std::move(o));
    ASSERT_TRUE(s) << s.error().message();
    server = std::move(*s);
  }
};

ClientOptions quick() {
  ClientOptions o;
  o.read_timeout = 5000ms;
  o.connect_timeout = 5000ms;
  o.handshake_timeout = 5000ms;
  return o;
}

Codec avc() {
  Codec c;
  c.type = TrackType::video;
  c.id = CodecId::h264;
  c.owner = make_shared_bytes(test::avcc_high());
  c.config = *c.owner;
  return c;
}
Codec aac() {
  Codec c;
  c.type = TrackType::audio;
  c.id = CodecId::aac;
  c.owner = make_shared_bytes(test::asc_lc());
  c.config = *c.owner;
  return c;
}
VideoSample frame(std::int64_t ts) {
  Bytes nal = {0x65, 0x88, 0x84, 0x00, 0x33};
  return VideoSample::from_nalus(CodecId::h264, ts, ts, true, {ByteView(nal)});
}
AudioSample audio(std::int64_t ts) {
  Bytes raw = {0x21, 0x10, 0x04, 0x60, 0x8C};
  return AudioSample::from_data(CodecId::aac, ts, ByteView(raw));
}

// A well-behaved publisher that stays up while the other session fails.
std::unique_ptr<BlockingClient> good_publisher(Fixture& f) {
  auto c = std::make_unique<BlockingClient>(quick());
  EXPECT_TRUE(c->connect(f.url("good")));
  EXPECT_TRUE(c->publish());
  EXPECT_TRUE(c->send_codec(avc()));
  return c;
}

// The well-behaved session still delivers, and ends cleanly.
void expect_good_session_works(Fixture& f, BlockingClient& good) {
  const int before = f.seen.good_media.load();
  ASSERT_TRUE(good.send_video(frame(40)));
  EXPECT_TRUE(test::eventually([&] { return f.seen.good_media.load() > before; }));
  EXPECT_EQ(good.state(), Client::State::publishing);
  EXPECT_EQ(f.server->session_count(), 1u);
  good.close();
  EXPECT_TRUE(test::eventually([&] { return f.seen.good_disconnects.load() == 1; }));
}

// Exactly one on_disconnect for the throwing session, naming the callback and what().
void expect_one_handler_error(Fixture& f, const std::string& callback, const std::string& what) {
  ASSERT_TRUE(test::eventually([&] { return !f.seen.snapshot().empty(); }));
  std::this_thread::sleep_for(50ms);  // a second call would come now
  auto d = f.seen.snapshot();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, errc::handler_error) << d[0].message();
  EXPECT_NE(d[0].detail.find(callback + " threw"), std::string::npos) << d[0].detail;
  EXPECT_NE(d[0].detail.find(what), std::string::npos) << d[0].detail;
}

// The peer sees its connection end well before any timeout would have ended it.
void expect_closed_promptly(BlockingClient& c) {
  const auto t0 = std::chrono::steady_clock::now();
  Error e = c.wait_closed(3000ms);
  EXPECT_NE(e.code, errc::timeout) << e.message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms);
}

// Runs a publisher whose handler throws in `callback` after `setup` and `trigger`.
template <class Trigger>
void publisher_case(const std::string& callback, Trigger trigger, bool demux = true) {
  Fixture f;
  f.start(callback, demux);
  auto good = good_publisher(f);
  BlockingClient bad(quick());
  ASSERT_TRUE(bad.connect(f.url("bad")));
  ASSERT_TRUE(bad.publish());
  trigger(bad);
  expect_closed_promptly(bad);
  expect_one_handler_error(f, callback, "boom in " + callback);
  expect_good_session_works(f, *good);
}

TEST(HandlerError, OnConnectClosesTheSession) {
  Fixture f;
  f.start("on_connect");
  auto good = good_publisher(f);
  BlockingClient bad(quick());
  const auto t0 = std::chrono::steady_clock::now();
  auto r = bad.connect(f.url("bad"));
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms) << r.error().message();
  expect_one_handler_error(f, "on_connect", "boom in on_connect");
  expect_good_session_works(f, *good);
}

TEST(HandlerError, OnPublishClosesTheSession) {
  Fixture f;
  f.start("on_publish");
  auto good = good_publisher(f);
  BlockingClient bad(quick());
  ASSERT_TRUE(bad.connect(f.url("bad")));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = bad.publish();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().code, errc::timeout) << r.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms);
  expect_one_handler_error(f, "on_publish", "boom in on_publish");
  expect_good_session_works(f, *good);
}

TEST(HandlerError, OnPlayClosesTheSession) {
  Fixture f;
  f.start("on_play");
  auto good = good_publisher(f);
  BlockingClient bad(quick());
  ASSERT_TRUE(bad.connect(f.url("bad")));
  auto r = bad.play();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().code, errc::timeout) << r.error().message();
  expect_one_handler_error(f, "on_play", "boom in on_play");
  expect_good_session_works(f, *good);
}

TEST(HandlerError, OnMetadataClosesTheSession) {
  publisher_case("on_metadata", [](BlockingClient& c) {
    ASSERT_TRUE(c.send_metadata(amf::Value::object({{"width", amf::Value(640.0)}})));
  });
}

TEST(HandlerError, OnCodecClosesTheSession) {
  publisher_case("on_codec", [](BlockingClient& c) { ASSERT_TRUE(c.send_codec(avc())); });
}

TEST(HandlerError, OnVideoClosesTheSession) {
  publisher_case("on_video", [](BlockingClient& c) {
    ASSERT_TRUE(c.send_codec(avc()));
    // A publisher keeps sending after the failure: the close must still reach it.
    for (int i = 0; i < 20; ++i)
      if (!c.send_video(frame(i * 40))) break;
  });
}

TEST(HandlerError, OnAudioClosesTheSession) {
  publisher_case("on_audio", [](BlockingClient& c) {
    ASSERT_TRUE(c.send_codec(aac()));
    ASSERT_TRUE(c.send_audio(audio(0)));
  });
}

TEST(HandlerError, OnMessageInRawModeClosesTheSession) {
  publisher_case(
      "on_message", [](BlockingClient& c) { ASSERT_TRUE(c.send_video(frame(0))); },
      /*demux=*/false);
}

TEST(HandlerError, OnDeleteStreamClosesTheSession) {
  publisher_case("on_delete_stream", [](BlockingClient& c) {
    // deleteStream(1), as FFmpeg sends it, without closing our side.
    ASSERT_TRUE(
        c.send_message(make_command(0, "deleteStream", 0, amf::Value::null(), {amf::Value(1.0)})));
  });
}

TEST(HandlerError, FactoryThrowingClosesTheConnection) {
  Fixture f;
  f.start("", true, /*factory_throws=*/true);
  auto good = good_publisher(f);
  BlockingClient bad(quick());
  const auto t0 = std::chrono::steady_clock::now();
  auto r = bad.connect(f.url("bad"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().code, errc::timeout) << r.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms);
  EXPECT_TRUE(f.seen.snapshot().empty());  // no handler, so no on_disconnect
  expect_good_session_works(f, *good);
}

}  // namespace
}  // namespace rtmp

namespace rtmp {
namespace {

// Client side: a ClientHandler that throws ends its connection at once with handler_error.
struct PlayerHandler : ClientHandler {
  std::string where;
  std::mutex mutex;
  std::vector<Error> disconnects;
  void on_status(const Status&) override {
    if (where == "on_status") throw std::runtime_error("boom in on_status");
  }
  void on_codec(const Codec&) override {
    if (where == "on_codec") throw 42;  // not a std::exception
  }
  void on_video(const VideoSample&) override {
    if (where == "on_video") throw std::runtime_error("boom in on_video");
  }
  void on_disconnect(const Error& e) override {
    {
      std::lock_guard lock(mutex);
      disconnects.push_back(e);
    }
    throw std::runtime_error("swallowed");
  }
  std::vector<Error> snapshot() {
    std::lock_guard lock(mutex);
    return disconnects;
  }
};

// Keeps the server-side session of each player, to send it media.
struct Sender : Handler {
  std::mutex& mutex;
  std::vector<std::shared_ptr<Session>>& sessions;
  std::atomic<int>& ended;
  Sender(std::mutex& m, std::vector<std::shared_ptr<Session>>& s, std::atomic<int>& e)
      : mutex(m), sessions(s), ended(e) {}
  Decision on_play(const PlayInfo&) override {
    std::lock_guard lock(mutex);
    sessions.push_back(session());
    return Decision::accept();
  }
  void on_disconnect(const Error&) override { ++ended; }
};

void client_case(const std::string& where, const std::string& what) {
  std::mutex mutex;
  std::vector<std::shared_ptr<Session>> sessions;
  std::atomic<int> ended{0};
  ServerOptions o;
  o.port = 0;
  o.bind = "127.0.0.1";
  o.threads = 2;
  o.handler = [&](const std::any&) { return std::make_unique<Sender>(mutex, sessions, ended); };
  auto server = Server::start(std::move(o));
  ASSERT_TRUE(server);
  const std::string url = "rtmp://127.0.0.1:" + std::to_string((*server)->port()) + "/live/k";

  PlayerHandler h;
  h.where = where;
  BlockingClient player(quick());
  player.set_handler(&h);
  ASSERT_TRUE(player.connect(url));
  auto r = player.play();
  if (where == "on_status") {
    // Play.Reset/Play.Start reach the throwing on_status: the play fails with the close.
    ASSERT_FALSE(r);
  } else {
    ASSERT_TRUE(r) << r.error().message();
    std::shared_ptr<Session> s;
    {
      std::lock_guard lock(mutex);
      ASSERT_EQ(sessions.size(), 1u);
      s = sessions[0];
    }
    s->send_codec(avc());
    s->send_video(frame(0));
  }
  Error e = player.wait_closed(2000ms);
  EXPECT_EQ(e.code, errc::handler_error) << e.message();
  EXPECT_NE(e.detail.find(where + " threw: " + what), std::string::npos) << e.detail;
  ASSERT_TRUE(test::eventually([&] { return h.snapshot().size() == 1; }));
  EXPECT_EQ(h.snapshot()[0].code, errc::handler_error);
  // The server sees the player leave.
  EXPECT_TRUE(test::eventually([&] { return ended.load() == 1; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(h.snapshot().size(), 1u);
}

TEST(HandlerError, ClientOnStatusClosesTheConnection) {
  client_case("on_status", "boom in on_status");
}
TEST(HandlerError, ClientOnCodecClosesTheConnection) {
  client_case("on_codec", "unknown exception");
}
TEST(HandlerError, ClientOnVideoClosesTheConnection) {
  client_case("on_video", "boom in on_video");
}

}  // namespace
}  // namespace rtmp
