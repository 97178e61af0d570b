// HttpServer with HttpOptions::https_port: the same routes over TLS, verified by a client
// that trusts only the test's certificate; the handshake's timeout and failures close only
// that connection.
#include "relay/http_server.hpp"

#include "support/self_signed.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <thread>

namespace rtmp::relay {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

class HttpServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::off);
    auto cert = test::make_self_signed();
    cert_file_ = dir_.write("cert.pem", cert.cert_pem).string();
    key_file_ = dir_.write("key.pem", cert.key_pem).string();
  }
  void TearDown() override {
    if (server_) server_->stop();
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  HttpOptions options() const {
    HttpOptions o;
    o.bind = "127.0.0.1";
    o.https_port = 0;
    o.tls_cert_file = cert_file_;
    o.tls_key_file = key_file_;
    o.tls_handshake_timeout = std::chrono::milliseconds(300);
    return o;
  }
  void start(const HttpOptions& o) {
    auto s = HttpServer::start(ioc_, o, relay_);
    ASSERT_TRUE(s) << s.error().message();
    server_ = std::move(*s);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  // GET `target` over TLS, trusting only the test certificate.
  http::response<http::string_body> https_get(const std::string& target) {
    asio::io_context io;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(cert_file_);
    ctx.set_verify_mode(ssl::verify_peer);
    ssl::stream<tcp::socket> s(io, ctx);
    s.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    s.next_layer().connect({asio::ip::make_address("127.0.0.1"), server_->https_port()});
    s.handshake(ssl::stream_base::client);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(false);
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return res;
  }

  // Sends `bytes` in clear to the HTTPS port; how long until the server closed, and what it
  // sent (a TLS alert at most, never an HTTP answer).
  std::pair<std::chrono::milliseconds, std::string> raw(const std::string& bytes) {
    asio::io_context io;
    tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), server_->https_port()});
    const auto t0 = std::chrono::steady_clock::now();
    if (!bytes.empty()) asio::write(s, asio::buffer(bytes));
    std::string got;
    boost::system::error_code ec;
    for (char c[512]; !ec;) got.append(c, s.read_some(asio::buffer(c), ec));
    return {std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  t0),
            got};
  }

  test::TempDir dir_{"http_server_tls"};
  std::string cert_file_, key_file_;
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      ioc_.get_executor()};
  std::thread thread_;
  Relay relay_{RelayConfig{}};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTlsTest, ServesTheSameRoutesOverTls) {
  start(options());
  ASSERT_NE(server_->port(), 0);
  ASSERT_NE(server_->https_port(), 0);
  EXPECT_NE(server_->port(), server_->https_port());
  auto res = https_get("/metrics");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find("rtmp_http_connections 1\n"), std::string::npos) << res.body();
  EXPECT_EQ(https_get("/api/streams").result_int(), 200);
  EXPECT_EQ(https_get("/live/none/index.m3u8").result_int(), 404);
  EXPECT_EQ(res[http::field::access_control_allow_origin], "*");
}

TEST_F(HttpServerTlsTest, HttpsOnlyHasNoPlainListener) {
  auto o = options();
  o.plain_http = false;
  start(o);
  EXPECT_EQ(server_->port(), 0);
  EXPECT_EQ(https_get("/metrics").result_int(), 200);
}

TEST_F(HttpServerTlsTest, PlainHttpOnTheTlsPortIsClosedOthersUnaffected) {
  start(options());
  auto [took, got] = raw("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(got.find("HTTP/1.1"), std::string::npos) << got;
  EXPECT_LT(took, std::chrono::milliseconds(250));  // refused at once, not timed out
  std::string garbage(3000, '\x5a');
  EXPECT_EQ(raw(garbage).second.find("HTTP/1.1"), std::string::npos);
  EXPECT_EQ(https_get("/metrics").result_int(), 200);
}

TEST_F(HttpServerTlsTest, SilentClientIsClosedAtTheHandshakeTimeout) {
  start(options());
  auto [took, got] = raw("");
  EXPECT_TRUE(got.empty());
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::milliseconds(3000));
  EXPECT_EQ(https_get("/metrics").result_int(), 200);
}

TEST_F(HttpServerTlsTest, UnreadableCertificateIsAnError) {
  auto o = options();
  o.tls_cert_file = (dir_.path() / "missing.pem").string();
  auto s = HttpServer::start(ioc_, o, relay_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::invalid_argument);
  EXPECT_NE(s.error().message().find("missing.pem"), std::string::npos) << s.error().message();
  o = options();
  o.tls_key_file = dir_.write("other.pem", test::make_private_key_pem()).string();
  EXPECT_FALSE(HttpServer::start(ioc_, o, relay_));
}

}  // namespace
}  // namespace rtmp::relay
