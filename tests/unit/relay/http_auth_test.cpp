// HttpAuth against a scripted HTTP server on a thread: 2xx allows, other statuses reject
// with the body, silence and refused connections reject; the form carries nginx-rtmp's
// fields. Also the Prometheus text of relay stats.
#include "relay/http_auth.hpp"
#include "relay/http_metrics.hpp"

#include <gtest/gtest.h>
#include <boost/asio.hpp>

#include <future>
#include <thread>

namespace rtmp::relay {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Accepts one connection, reads one request, answers `response` (or nothing when empty,
// holding the connection open until the test ends).
struct ScriptedServer {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
  std::promise<std::string> request;
  std::thread thread;
  std::string response;
  std::promise<void> release;

  explicit ScriptedServer(std::string r) : response(std::move(r)) {
    thread = std::thread([this] {
      tcp::socket s(ioc);
      acceptor.accept(s);
      std::string data;
      char buf[4096];
      boost::system::error_code ec;
      for (;;) {
        auto n = s.read_some(asio::buffer(buf), ec);
        if (ec) break;
        data.append(buf, n);
        auto end = data.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        auto cl = data.find("Content-Length: ");
        std::size_t len = cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16));
        if (data.size() >= end + 4 + len) break;
      }
      request.set_value(data);
      if (response.empty()) {
        release.get_future().wait();
        return;
      }
      asio::write(s, asio::buffer(response), ec);
      s.shutdown(tcp::socket::shutdown_send, ec);
    });
  }
  ~ScriptedServer() {
    if (response.empty()) release.set_value();
    thread.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/auth";
  }
};

Decision run_check(HttpCallbacks cb, AuthRequest req) {
  asio::io_context ioc;
  HttpAuth auth(ioc.get_executor(), std::move(cb));
  EXPECT_TRUE(auth.init());
  std::optional<Decision> got;
  int calls = 0;
  auth.check(std::move(req), [&](Decision d) {
    got = std::move(d);
    ++calls;
  });
  ioc.run();
  EXPECT_EQ(calls, 1);
  return got.value_or(Decision::reject("no decision"));
}

AuthRequest publish_request() {
  return {"publish", "live", "key?token=a b", "127.0.0.1:5000", "rtmp://h/live", 42};
}

TEST(HttpAuth, TwoHundredAllowsAndSendsTheForm) {
  ScriptedServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  auto d = run_check({server.url(), {}, 2s}, publish_request());
  EXPECT_TRUE(d.accepted);
  auto req = server.request.get_future().get();
  EXPECT_EQ(req.rfind("POST /auth HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find("application/x-www-form-urlencoded"), std::string::npos);
  EXPECT_NE(req.find("call=publish&app=live&name=key%3Ftoken%3Da+b&addr=127.0.0.1%3A5000&"
                     "clientid=42&tcurl=rtmp%3A%2F%2Fh%2Flive"),
            std::string::npos)
      << req;
}

TEST(HttpAuth, OtherStatusRejectsWithBody) {
  ScriptedServer server("HTTP/1.1 403 Forbidden\r\nContent-Length: 10\r\n\r\nbad token\n");
  auto d = run_check({server.url(), {}, 2s}, publish_request());
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.description, "bad token");
  EXPECT_EQ(d.code, "NetStream.Publish.BadName");
}

TEST(HttpAuth, RedirectRejectsAndEmptyBodyNamesTheStatus) {
  ScriptedServer server("HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n");
  AuthRequest req = publish_request();
  req.call = "play";
  auto d = run_check({{}, server.url(), 2s}, req);
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.description, "auth callback: HTTP 302");
  EXPECT_EQ(d.code, "NetStream.Play.Failed");
}

TEST(HttpAuth, SilenceTimesOutAndRejects) {
  ScriptedServer server("");
  auto start = std::chrono::steady_clock::now();
  auto d = run_check({server.url(), {}, 300ms}, publish_request());
  EXPECT_FALSE(d.accepted);
  EXPECT_NE(d.description.find("no answer within 300 ms"), std::string::npos) << d.description;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(HttpAuth, RefusedConnectionRejects) {
  std::uint16_t port;
  {
    asio::io_context ioc;
    tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  auto d = run_check({"http://127.0.0.1:" + std::to_string(port) + "/", {}, 2s}, publish_request());
  EXPECT_FALSE(d.accepted);
  EXPECT_NE(d.description.find("connect"), std::string::npos) << d.description;
}

TEST(HttpAuth, NoCallbackAllowsAndBadUrlsFailInit) {
  auto d = run_check({{}, {}, 1s}, publish_request());
  EXPECT_TRUE(d.accepted);
  asio::io_context ioc;
  for (auto bad : {"https://x/", "http://:80/", "http://h:0/", "http://h:99999/", "ftp://h/"}) {
    HttpAuth a(ioc.get_executor(), {bad, {}, 1s});
    auto r = a.init();
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::invalid_argument);
  }
  auto u = HttpUrl::parse("http://[::1]:8080/a/b?c=d");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/a/b?c=d");
}

TEST(HttpMetrics, PrometheusText) {
  StreamStats s;
  s.app = "live";
  s.key = "k\"1";
  s.live = true;
  s.players = 3;
  s.video_codec = "h264";
  s.bytes_in = 1234;
  s.bitrate_in_kbps = 2000;
  auto text = to_prometheus({s}, 4);
  EXPECT_NE(text.find("rtmp_connections 4\n"), std::string::npos);
  EXPECT_NE(text.find("rtmp_streams 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE rtmp_stream_received_bytes_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("rtmp_stream_players{app=\"live\",key=\"k\\\"1\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("rtmp_stream_received_bytes_total{app=\"live\",key=\"k\\\"1\"} 1234\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("rtmp_stream_bitrate_in_bits_per_second{app=\"live\",key=\"k\\\"1\"} 2000000\n"),
      std::string::npos);
  EXPECT_NE(text.find("video_codec=\"h264\",audio_codec=\"\"} 1\n"), std::string::npos);
  EXPECT_EQ(prometheus_label("a\\b\nc"), "a\\\\b\\nc");
}

}  // namespace
}  // namespace rtmp::relay
