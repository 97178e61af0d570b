#include "rtmp/client.hpp"

#include "support/net_server.hpp"
#include "support/scripted_server.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using namespace test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

TEST(BlockingClient, PublishThenPlay) {
  Shared shared;
  shared.play_media = make_media(1000, 10, 500);
  auto server = start_server(shared);
  Media media = make_media(0, 10, 2000);
  {
    BlockingClient c(quick_options());
    ASSERT_TRUE(c.connect(url_for(server->port())));
    ASSERT_TRUE(c.publish());
    EXPECT_EQ(c.state(), Client::State::publishing);
    for (const auto& codec : media.codecs) ASSERT_TRUE(c.send_codec(codec));
    for (const auto& s : media.samples) {
      if (auto* v = std::get_if<VideoSample>(&s))
        ASSERT_TRUE(c.send_video(*v));
      else
        ASSERT_TRUE(c.send_audio(std::get<AudioSample>(s)));
    }
    ASSERT_TRUE(c.drain());
    EXPECT_EQ(c.pending_output(), 0u);
    c.close();
    EXPECT_EQ(c.state(), Client::State::closed);
  }
  ASSERT_TRUE(shared.wait_disconnects(1));
  auto events = shared.get();
  std::vector<std::string> got(events.begin() + 2, events.end() - 1);
  EXPECT_EQ(got, media.expected);

  auto opts = quick_options();
  opts.player = true;
  BlockingClient p(opts);
  PlayRecorder rec;
  p.set_handler(&rec);
  ASSERT_TRUE(p.connect(url_for(server->port())));
  ASSERT_TRUE(p.play());
  Error e = p.wait_closed(5s);
  EXPECT_EQ(e.code, errc::closed) << e.message();
  p.close();  // already closed: no-op
  EXPECT_EQ(rec.events, shared.play_media.expected);
}

TEST(BlockingClient, ErrorsAndTimeouts) {
  ScriptedServer s([](Peer& p) { p.hold(); });
  BlockingClient c(quick_options());
  auto r = c.connect("rtmp://127.0.0.1:" + std::to_string(s.port()) + "/live/key");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  auto bad = c.connect("nonsense");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_argument);
  EXPECT_EQ(c.wait_closed(10ms).code, errc::timeout);  // the reason the last connection ended
}

}  // namespace
}  // namespace rtmp
