// RelayServer without the command line: listeners on free ports of 127.0.0.1, an
// rtmp::BlockingClient publisher and player, a clean stop.
#include "relay/relay_server.hpp"

#include "relay/relay.hpp"
#include "rtmp/client.hpp"
#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rtmp::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;

// What a player received: "type timestamp size" per message, status codes, "StreamEOF".
class Events final : public ClientHandler {
 public:
  void on_message(const Message& m) override { add(event(m)); }
  void on_status(const Status& s) override { add(s.code); }
  void on_stream_eof() override { add("StreamEOF"); }
  static std::string event(const Message& m) {
    return std::to_string(m.type) + " " + std::to_string(m.timestamp) + " " +
           std::to_string(m.size());
  }
  bool wait_for(const std::string& e, std::chrono::milliseconds t = 5s) {
    std::unique_lock l(mutex_);
    return cv_.wait_for(
        l, t, [&] { return std::find(events_.begin(), events_.end(), e) != events_.end(); });
  }

 private:
  void add(std::string e) {
    std::lock_guard l(mutex_);
    events_.push_back(std::move(e));
    cv_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

RelayServerConfig test_config() {
  RelayServerConfig c;
  c.rtmp.port = 0;
  c.rtmp.binds = {"127.0.0.1"};
  c.rtmp.threads = 2;
  c.http.port = 0;
  return c;
}

std::string url(const RelayServer& s) {
  return "rtmp://127.0.0.1:" + std::to_string(s.listeners().at(0).port) + "/live/key";
}

TEST(RelayServerTest, RelaysAPublishToAPlayerAndStopsCleanly) {
  auto started = RelayServer::start(test_config());
  ASSERT_TRUE(started.has_value()) << started.error().message();
  auto& server = **started;
  ASSERT_EQ(server.listeners().size(), 1u);
  EXPECT_NE(server.listeners()[0].port, 0);
  EXPECT_EQ(server.listeners()[0].tls_port, 0);
  EXPECT_NE(server.http_port(), 0);

  Events events;
  ClientOptions po;
  po.demux = false;
  po.player = true;
  BlockingClient player(po);
  player.set_handler(&events);
  ASSERT_TRUE(player.connect(url(server)).has_value());
  ASSERT_TRUE(player.play().has_value());

  BlockingClient publisher;
  ASSERT_TRUE(publisher.connect(url(server)).has_value());
  ASSERT_TRUE(publisher.publish().has_value());
  std::vector<Message> sent = {avc_config(), aac_config(), avc_frame(0, true, 3000), aac_frame(10),
                               avc_frame(40, false, 200)};
  for (const auto& m : sent) ASSERT_TRUE(publisher.send_message(m).has_value());
  ASSERT_TRUE(publisher.drain().has_value());
  for (const auto& m : sent) EXPECT_TRUE(events.wait_for(Events::event(m))) << Events::event(m);
  EXPECT_EQ(server.relay().stream_count(), 1u);
  EXPECT_TRUE(server.reload().has_value());  // no key file: nothing to re-read

  server.stop();
  EXPECT_TRUE(events.wait_for("NetStream.Play.UnpublishNotify"));
  server.stop();  // idempotent
}

TEST(RelayServerTest, WaitReturnsAfterRequestStop) {
  auto started = RelayServer::start(test_config());
  ASSERT_TRUE(started.has_value()) << started.error().message();
  std::thread stopper([&] { (*started)->request_stop(); });
  EXPECT_EQ((*started)->wait(), 0);
  stopper.join();
  (*started)->stop();
}

TEST(RelayServerTest, StartFailsWhenThePortIsTaken) {
  auto first = RelayServer::start(test_config());
  ASSERT_TRUE(first.has_value()) << first.error().message();
  auto config = test_config();
  config.rtmp.port = (*first)->listeners()[0].port;
  auto second = RelayServer::start(std::move(config));
  EXPECT_FALSE(second.has_value());
}

TEST(RelayServerTest, StartFailsOnAMissingKeyFile) {
  auto config = test_config();
  config.relay.publish_key_file = "/nonexistent/keys.txt";
  EXPECT_FALSE(RelayServer::start(std::move(config)).has_value());
}

}  // namespace
}  // namespace rtmp::relay
