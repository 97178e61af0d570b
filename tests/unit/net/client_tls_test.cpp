// rtmps:// from rtmp::Client through a TLS-terminating proxy in front of rtmp::Server, with
// each certificate verification choice.
#include "rtmp/client.hpp"

#include "support/net_server.hpp"
#include "support/self_signed.hpp"

#include <gtest/gtest.h>
#include <boost/asio/ssl.hpp>

#include <fstream>

namespace rtmp {
namespace {

using namespace test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
namespace ssl = asio::ssl;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Terminates TLS and forwards the bytes to a plain RTMP server (as a TLS-offloading proxy in
// front of an RTMP server does).
class TlsProxy {
 public:
  TlsProxy(std::uint16_t upstream, const test::SelfSigned& cert)
      : upstream_(upstream),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    ctx_.use_certificate_chain(asio::buffer(cert.cert_pem));
    ctx_.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TlsProxy() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::atomic<int> handshakes_failed{0};

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      asio::co_spawn(ioc_, serve(std::move(sock)), asio::detached);
    }
  }
  template <class From, class To>
  static asio::awaitable<void> pipe(std::shared_ptr<From> from, std::shared_ptr<To> to,
                                    std::shared_ptr<tcp::socket> plain) {
    std::vector<std::uint8_t> buf(65536);
    for (;;) {
      auto [ec, n] = co_await from->async_read_some(asio::buffer(buf), use_tuple);
      if (ec) break;
      auto [wec, w] = co_await asio::async_write(*to, asio::buffer(buf.data(), n), use_tuple);
      if (wec) break;
    }
    boost::system::error_code ignored;
    plain->close(ignored);  // ends the other direction too
  }
  asio::awaitable<void> serve(tcp::socket sock) {
    auto tls = std::make_shared<ssl::stream<tcp::socket>>(std::move(sock), ctx_);
    auto [ec] = co_await tls->async_handshake(ssl::stream_base::server, use_tuple);
    if (ec) {
      ++handshakes_failed;
      co_return;
    }
    auto up = std::make_shared<tcp::socket>(ioc_);
    auto [cec] = co_await up->async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), upstream_), use_tuple);
    if (cec) co_return;
    asio::co_spawn(ioc_, pipe(tls, up, up), asio::detached);
    co_await pipe(up, tls, up);
  }

  std::uint16_t upstream_;
  asio::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_server};
  tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST(ClientTls, PublishOverRtmpsWithVerificationChoices) {
  Shared shared;
  auto server = start_server(shared);
  auto cert = make_self_signed();
  TlsProxy proxy(server->port(), cert);
  std::string url = "rtmps://127.0.0.1:" + std::to_string(proxy.port()) + "/live/key";
  Media media = make_media(0, 5, 1000);
  auto publish = [&](ClientOptions opts) {
    asio::io_context ioc;
    Client c(ioc.get_executor(), opts);
    return run(ioc, [&]() -> asio::awaitable<Result<void>> {
      if (auto r = co_await c.async_connect(url); !r) co_return r;
      if (auto r = co_await c.async_publish(); !r) co_return r;
      if (auto r = co_await send_all(c, media); !r) co_return r;
      co_await c.async_close();
      co_return Result<void>{};
    });
  };

  // The system store does not know this certificate.
  auto refused = publish(quick_options());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::handshake_failed);
  EXPECT_NE(refused.error().detail.find("certificate"), std::string::npos)
      << refused.error().detail;
  EXPECT_NE(refused.error().detail.find("tls_verify = false"), std::string::npos);

  auto insecure = quick_options();
  insecure.tls_verify = false;
  auto r1 = publish(insecure);
  ASSERT_TRUE(r1) << r1.error().message();

  std::string ca = ::testing::TempDir() + "rtmpcxx_client_test_ca.pem";
  std::ofstream(ca) << cert.cert_pem;
  auto trusted = quick_options();
  trusted.tls_ca_file = ca;
  auto r2 = publish(trusted);
  ASSERT_TRUE(r2) << r2.error().message();
  std::remove(ca.c_str());

  ASSERT_TRUE(shared.wait_disconnects(2));
  auto events = shared.get();
  auto first = std::find(events.begin(), events.end(), "publish key live");
  ASSERT_NE(first, events.end());
  std::vector<std::string> got(first + 1,
                               first + 1 + static_cast<std::ptrdiff_t>(media.expected.size()));
  EXPECT_EQ(got, media.expected);
}

}  // namespace
}  // namespace rtmp
