// RTMPS in rtmp::Server: TLS listener beside the plain one, media both ways over TLS, the
// certificate chain as served (verified against the test's own CA file), the handshake
// timeout covering the TLS handshake, and bad certificate/key files refused at start.
#include "rtmp/client.hpp"
#include "rtmp/server.hpp"
#include "support/event_log.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
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

// A self-signed P-256 certificate for IP 127.0.0.1 (CA:TRUE so it can be its own trust
// anchor), written as PEM into a fresh directory; made in-process so the test needs no
// openssl CLI.
struct TestCert {
  fs::path dir, cert, key, other_key;

  TestCert() {
    dir = fs::temp_directory_path() / ("rtmp_tls_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    cert = dir / "cert.pem";
    key = dir / "key.pem";
    other_key = dir / "other_key.pem";
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    EVP_PKEY* other = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(x, pkey, EVP_sha256());
    write(cert, [&](FILE* f) { PEM_write_X509(f, x); });
    write(key,
          [&](FILE* f) { PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr); });
    write(other_key,
          [&](FILE* f) { PEM_write_PrivateKey(f, other, nullptr, nullptr, 0, nullptr, nullptr); });
    X509_free(x);
    EVP_PKEY_free(pkey);
    EVP_PKEY_free(other);
  }
  ~TestCert() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  template <class F>
  static void write(const fs::path& p, F f) {
    FILE* file = std::fopen(p.c_str(), "w");
    ASSERT_NE(file, nullptr);
    f(file);
    std::fclose(file);
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
