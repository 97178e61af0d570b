#include "relay/webhook.hpp"

#include <gtest/gtest.h>
#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace rtmp::relay {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A real HTTP/1.1 receiver on 127.0.0.1: answers each request with the next status of
// `script` (the last one repeats); 0 means never answer (hang). Records request bodies.
class Receiver {
 public:
  explicit Receiver(asio::io_context& ioc, std::vector<int> script)
      : acceptor_(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        script_(std::move(script)) {
    accept();
  }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }
  std::vector<std::string> bodies;
  std::vector<std::chrono::steady_clock::time_point> times;

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      auto sock = std::make_shared<tcp::socket>(std::move(s));
      auto buf = std::make_shared<std::string>();
      read(sock, buf);
      accept();
    });
  }
  void read(std::shared_ptr<tcp::socket> sock, std::shared_ptr<std::string> buf) {
    auto chunk = std::make_shared<std::array<char, 4096>>();
    sock->async_read_some(asio::buffer(*chunk), [this, sock, buf, chunk](auto ec, std::size_t n) {
      if (ec) return;
      buf->append(chunk->data(), n);
      auto head = buf->find("\r\n\r\n");
      if (head == std::string::npos) return read(sock, buf);
      auto cl = buf->find("Content-Length: ");
      std::size_t len = cl == std::string::npos ? 0 : std::stoul(buf->substr(cl + 16));
      if (buf->size() < head + 4 + len) return read(sock, buf);
      bodies.push_back(buf->substr(head + 4, len));
      times.push_back(std::chrono::steady_clock::now());
      int status = script_[std::min(next_++, script_.size() - 1)];
      if (status == 0) {
        hung_.push_back(sock);  // keep it open, never answer
        return;
      }
      auto res = std::make_shared<std::string>("HTTP/1.1 " + std::to_string(status) +
                                               " X\r\nContent-Length: 2\r\nConnection: "
                                               "close\r\n\r\nok");
      asio::async_write(*sock, asio::buffer(*res), [sock, res](auto, auto) {});
    });
  }

  tcp::acceptor acceptor_;
  std::vector<int> script_;
  std::size_t next_ = 0;
  std::vector<std::shared_ptr<tcp::socket>> hung_;
};

DoneEvent publish_done() {
  DoneEvent e;
  e.call = "publish_done";
  e.app = "live";
  e.name = "cam 1";
  e.addr = "127.0.0.1:5000";
  e.client_id = 7;
  e.duration_ms = 12'345;
  e.bytes = 1000;
  e.frames = 42;
  return e;
}

void run_until(asio::io_context& ioc, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    ioc.run_for(20ms);
    ioc.restart();
  }
}

TEST(Webhooks, PostsTheFormLikeNginxRtmp) {
  asio::io_context ioc;
  Receiver rx(ioc, {200});
  auto hooks =
      std::make_shared<Webhooks>(ioc.get_executor(), WebhookConfig{.on_publish_done = rx.url()});
  ASSERT_TRUE(hooks->init().has_value());
  EXPECT_TRUE(hooks->wants("publish_done"));
  EXPECT_FALSE(hooks->wants("play_done"));
  EXPECT_FALSE(hooks->post(DoneEvent{.call = "play_done"}));  // no hook for it
  EXPECT_TRUE(hooks->post(publish_done()));
  run_until(
      ioc, [&] { return hooks->delivered() == 1; }, 5s);
  ASSERT_EQ(rx.bodies.size(), 1u);
  EXPECT_EQ(rx.bodies[0],
            "call=publish_done&app=live&name=cam+1&addr=127.0.0.1%3A5000&clientid=7&"
            "duration=12.345&bytes=1000&frames=42");
}

TEST(Webhooks, RecordDoneCarriesThePathAndTheError) {
  DoneEvent e{.call = "record_done",
              .app = "live",
              .name = "k",
              .path = "/r/live/k.mp4",
              .error = "disk full"};
  auto f = e.form();
  ASSERT_EQ(f.size(), 10u);
  EXPECT_EQ(f[8], (std::pair<std::string, std::string>("path", "/r/live/k.mp4")));
  EXPECT_EQ(f[9], (std::pair<std::string, std::string>("error", "disk full")));
}

TEST(Webhooks, RetriesWithBackoffUntilA2xx) {
  asio::io_context ioc;
  Receiver rx(ioc, {500, 500, 200});
  auto hooks = std::make_shared<Webhooks>(
      ioc.get_executor(), WebhookConfig{.on_publish_done = rx.url(), .backoff = 100ms});
  ASSERT_TRUE(hooks->init().has_value());
  hooks->post(publish_done());
  run_until(
      ioc, [&] { return hooks->delivered() + hooks->failed() == 1; }, 5s);
  EXPECT_EQ(hooks->delivered(), 1u);
  ASSERT_EQ(rx.times.size(), 3u);
  EXPECT_GE(rx.times[1] - rx.times[0], 100ms);
  EXPECT_GE(rx.times[2] - rx.times[1], 200ms);  // doubled
  EXPECT_EQ(rx.bodies[0], rx.bodies[2]);
}

TEST(Webhooks, AHangingReceiverTimesOutAndDelaysNoOtherHook) {
  asio::io_context ioc;
  Receiver hang(ioc, {0});
  Receiver ok(ioc, {200});
  auto hooks =
      std::make_shared<Webhooks>(ioc.get_executor(), WebhookConfig{.on_publish_done = hang.url(),
                                                                   .on_play_done = ok.url(),
                                                                   .timeout = 300ms,
                                                                   .retries = 1,
                                                                   .backoff = 50ms});
  ASSERT_TRUE(hooks->init().has_value());
  const auto t0 = std::chrono::steady_clock::now();
  hooks->post(publish_done());
  auto play = publish_done();
  play.call = "play_done";
  hooks->post(play);
  run_until(
      ioc, [&] { return hooks->delivered() == 1; }, 5s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 300ms);  // not behind the hanging one
  run_until(
      ioc, [&] { return hooks->failed() == 1; }, 5s);
  EXPECT_EQ(hooks->failed(), 1u);
  EXPECT_EQ(hang.bodies.size(), 2u);  // the first try and one retry, each timed out
}

TEST(Webhooks, AFullQueueDropsInsteadOfBlocking) {
  asio::io_context ioc;  // not run: nothing is sent
  auto hooks = std::make_shared<Webhooks>(
      ioc.get_executor(),
      WebhookConfig{.on_publish_done = "http://127.0.0.1:9/x", .queue_limit = 3, .senders = 1});
  ASSERT_TRUE(hooks->init().has_value());
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += hooks->post(publish_done());
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(hooks->dropped(), 7u);
}

TEST(Webhooks, BadUrlIsRejectedAtInit) {
  asio::io_context ioc;
  Webhooks hooks(ioc.get_executor(), WebhookConfig{.on_record_done = "https://x/y"});
  auto r = hooks.init();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace rtmp::relay
