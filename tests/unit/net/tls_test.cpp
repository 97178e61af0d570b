// RTMPS in rtmp::Server: TLS listener beside the plain one, media both ways over TLS, the
// certificate chain as served (verified against the test's own CA file), the handshake
// timeout covering the TLS handshake, and bad certificate/key files refused at start.
#include "rtmp/client.hpp"
#include "rtmp/server.hpp"
#include "support/event_log.hpp"
#include "support/self_signed.hpp"

#include <gtest/gtest.h>
#include <boost/asio.hpp>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

namespace rtmp {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The kit's self-signed certificate for IP 127.0.0.1, and a key matching no certificate,
// written as PEM into a fresh directory.
struct TestCert {
  test::TempDir tmp{"rtmp_tls_test"};
  fs::path dir = tmp.path();
  fs::path cert, key, other_key;

  TestCert() {
    const auto pem = test::make_self_signed();
    cert = tmp.write("cert.pem", pem.cert_pem);
    key = tmp.write("key.pem", pem.key_pem);
    other_key = tmp.write("other_key.pem", test::make_private_key_pem());
  }
};

TestCert& cert() {
  static TestCert c;
  return c;
}

// Counts what publishers send; plays a fixed set of messages to each player.
struct Shared {
  std::mutex mutex;
  std::vector<std::string> keys;
  std::atomic<int> video_in{0};
  std::atomic<int> disconnects{0};
  Error last_disconnect;
  std::shared_ptr<Session> player;
};

class TlsHandler : public Handler {
 public:
  explicit TlsHandler(Shared& s) : s_(s) {}
  Decision on_publish(const PublishInfo& i) override {
    std::lock_guard lock(s_.mutex);
    s_.keys.push_back(i.key);
    return Decision::accept();
  }
  Decision on_play(const PlayInfo&) override {
    std::lock_guard lock(s_.mutex);
    s_.player = session();
    return Decision::accept();
  }
  void on_message(const Message& m) override {
    if (m.type == msg::video) ++s_.video_in;
  }
  void on_disconnect(const Error& e) override {
    std::lock_guard lock(s_.mutex);
    s_.last_disconnect = e;
    ++s_.disconnects;
  }

 private:
  Shared& s_;
};

ServerOptions tls_options(Shared& shared) {
  ServerOptions o;
  o.port = 0;
  o.bind = "127.0.0.1";
  o.tls_port = 0;
  o.tls_cert_file = cert().cert.string();
  o.tls_key_file = cert().key.string();
  o.demux = false;
  o.threads = 2;
  o.handler = [&shared](const std::any&) { return std::make_unique<TlsHandler>(shared); };
  return o;
}

Message video(std::uint32_t ts, std::size_t size) {
  return Message{csid::video, msg::video, ts, 0, make_shared_bytes(Bytes(size, 0x17))};
}

using test::eventually;  // the kit's bounded poll, for counters with no event

struct PlayerHandler : ClientHandler {
  std::atomic<int> videos{0};
  std::atomic<std::size_t> bytes{0};
  void on_message(const Message& m) override {
    if (m.type == msg::video) {
      ++videos;
      bytes += m.size();
    }
  }
};

TEST(ServerTls, PublishAndPlayOverTlsBesidePlain) {
  Shared shared;
  auto server = Server::start(tls_options(shared));
  ASSERT_TRUE(server) << server.error().message();
  auto port = (*server)->port(), tls_port = (*server)->tls_port();
  ASSERT_NE(tls_port, 0);
  ASSERT_NE(tls_port, port);

  ClientOptions co;
  co.tls_verify = false;
  BlockingClient pub(co);
  ASSERT_TRUE(pub.connect("rtmps://127.0.0.1:" + std::to_string(tls_port) + "/live/secure"));
  ASSERT_TRUE(pub.publish());
  // Larger than one TLS record (16 KiB) and than one chunk.
  for (std::uint32_t i = 0; i < 20; ++i) ASSERT_TRUE(pub.send_message(video(i * 40, 40'000)));
  ASSERT_TRUE(pub.drain());
  EXPECT_TRUE(eventually([&] { return shared.video_in == 20; })) << shared.video_in;

  // The plain listener still serves RTMP.
  BlockingClient plain;
  ASSERT_TRUE(plain.connect("rtmp://127.0.0.1:" + std::to_string(port) + "/live/plain"));
  ASSERT_TRUE(plain.publish());

  // Server → client over TLS.
  ClientOptions po = co;
  po.demux = false;
  po.player = true;
  PlayerHandler ph;  // outlives the client: its on_disconnect comes when the client closes
  BlockingClient player(po);
  player.set_handler(&ph);
  ASSERT_TRUE(player.connect("rtmps://127.0.0.1:" + std::to_string(tls_port) + "/live/secure"));
  ASSERT_TRUE(player.play());
  std::shared_ptr<Session> session;
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(shared.mutex);
    session = shared.player;
    return session && session->play_stream_id() != 0;
  }));
  for (std::uint32_t i = 0; i < 30; ++i) session->send_message(video(i * 40, 50'000));
  EXPECT_TRUE(eventually([&] { return ph.videos == 30; })) << ph.videos;
  EXPECT_EQ(ph.bytes, 30u * 50'000u);

  std::lock_guard lock(shared.mutex);
  EXPECT_EQ(shared.keys, (std::vector<std::string>{"secure", "plain"}));
}

TEST(ServerTls, ServesTheChainClientsVerify) {
  Shared shared;
  auto server = Server::start(tls_options(shared));
  ASSERT_TRUE(server) << server.error().message();
  auto url = "rtmps://127.0.0.1:" + std::to_string((*server)->tls_port()) + "/live/k";

  ClientOptions co;
  co.tls_ca_file = cert().cert.string();
  BlockingClient ok(co);
  auto r = ok.connect(url);
  EXPECT_TRUE(r) << r.error().message();

  // Not in the system store: verification fails, and the server sees a failed handshake.
  BlockingClient strict;
  auto bad = strict.connect(url);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::handshake_failed) << bad.error().message();
}

TEST(ServerTls, HandshakeTimeoutCoversTls) {
  Shared shared;
  auto opts = tls_options(shared);
  opts.limits.handshake_timeout_ms = 300;
  auto server = Server::start(std::move(opts));
  ASSERT_TRUE(server) << server.error().message();

  asio::io_context ioc;
  asio::ip::tcp::socket silent(ioc);
  silent.connect({asio::ip::make_address("127.0.0.1"), (*server)->tls_port()});
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return shared.disconnects == 1; }, 3s));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);
  std::lock_guard lock(shared.mutex);
  EXPECT_EQ(shared.last_disconnect.code, errc::timeout) << shared.last_disconnect.message();
  EXPECT_NE(shared.last_disconnect.detail.find("TLS handshake"), std::string::npos);
}

TEST(ServerTls, PlainRtmpOnTlsPortFailsHandshake) {
  Shared shared;
  auto server = Server::start(tls_options(shared));
  ASSERT_TRUE(server) << server.error().message();
  ClientOptions co;
  co.connect_timeout = 2s;
  co.handshake_timeout = 2s;
  BlockingClient plain(co);
  auto r = plain.connect("rtmp://127.0.0.1:" + std::to_string((*server)->tls_port()) + "/live/k");
  EXPECT_FALSE(r);
  ASSERT_TRUE(eventually([&] { return shared.disconnects == 1; }, 3s));
  std::lock_guard lock(shared.mutex);
  EXPECT_EQ(shared.last_disconnect.code, errc::handshake_failed)
      << shared.last_disconnect.message();
}

TEST(ServerTls, BadFilesRefusedAtStart) {
  Shared shared;
  auto missing = tls_options(shared);
  missing.tls_cert_file = (cert().dir / "nope.pem").string();
  auto r1 = Server::start(std::move(missing));
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, errc::invalid_argument);
  EXPECT_NE(r1.error().detail.find("nope.pem"), std::string::npos) << r1.error().detail;

  auto mismatch = tls_options(shared);
  mismatch.tls_key_file = cert().other_key.string();
  auto r2 = Server::start(std::move(mismatch));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, errc::invalid_argument);
  EXPECT_NE(r2.error().detail.find("key file"), std::string::npos) << r2.error().detail;

  auto no_files = tls_options(shared);
  no_files.tls_cert_file.clear();
  auto r3 = Server::start(std::move(no_files));
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().code, errc::invalid_argument);

  auto none = tls_options(shared);
  none.tls_port.reset();
  auto r4 = Server::start(std::move(none));
  ASSERT_TRUE(r4);
  EXPECT_EQ((*r4)->tls_port(), 0);
}

}  // namespace
}  // namespace rtmp
