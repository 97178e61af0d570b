#include "rtmp/client.hpp"

#include "rtmp/core/command.hpp"
#include "rtmp/media/muxer.hpp"
#include "support/net_server.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using namespace test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

TEST(Client, PublishIsFrameExactPast2p24) {
  Shared shared;
  auto server = start_server(shared, 128);
  asio::io_context ioc;
  auto opts = quick_options();
  opts.chunk_size = 128;
  Client c(ioc.get_executor(), opts);
  Media media = make_media((1 << 24) - 400, 40, 3000);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
    if (auto r = co_await c.async_publish(); !r) co_return r;
    EXPECT_EQ(c.state(), Client::State::publishing);
    if (auto r = c.send_metadata(amf::Value::ecma_array({{"width", amf::Value(640.0)}})); !r)
      co_return r;
    if (auto r = co_await send_all(c, media); !r) co_return r;
    co_await c.async_close();
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(shared.wait_disconnects(1));
  auto events = shared.get();
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events[0], "connect live rtmp://127.0.0.1:" + std::to_string(server->port()) + "/live");
  EXPECT_EQ(events[1], "publish key live");
  EXPECT_EQ(events[2], "metadata ecma{\"width\": 640}");
  std::vector<std::string> media_events(events.begin() + 3, events.end() - 1);
  EXPECT_EQ(media_events, media.expected);
  EXPECT_EQ(events.back(), "disconnect closed");
  EXPECT_EQ(c.state(), Client::State::closed);
}

// Timestamps wrapping past 2^32: the muxer sends the low 32 bits, the demuxer unwraps.
TEST(Client, PublishAcross2p32Wrap) {
  Shared shared;
  auto server = start_server(shared);
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  Media media = make_media((std::int64_t{1} << 32) - 300, 20, 100);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
    if (auto r = co_await c.async_publish(); !r) co_return r;
    if (auto r = co_await send_all(c, media); !r) co_return r;
    co_await c.async_close();
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(shared.wait_disconnects(1));
  auto events = shared.get();
  std::vector<std::string> media_events(events.begin() + 2, events.end() - 1);
  EXPECT_EQ(media_events, media.expected);
}

// Server send_* → client play: demuxed events identical, past 2^24, large frames.
TEST(Client, PlayIsFrameExactPast2p24) {
  Shared shared;
  shared.play_media = make_media((1 << 24) + 5, 30, 70'000);
  auto server = start_server(shared, 128);
  asio::io_context ioc;
  auto opts = quick_options();
  opts.player = true;
  Client c(ioc.get_executor(), opts);
  PlayRecorder rec;
  c.set_handler(&rec);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port(), "live/cam")); !r) co_return r;
    if (auto r = co_await c.async_play(); !r) co_return r;
    EXPECT_EQ(c.state(), Client::State::playing);
    Error e = co_await c.async_wait_closed();
    EXPECT_EQ(e.code, errc::closed) << e.message();
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  run(ioc, [&]() -> asio::awaitable<int> {  // lets the posted on_disconnect run
    co_await asio::post(ioc, asio::use_awaitable);
    co_return 0;
  });
  EXPECT_EQ(rec.events, shared.play_media.expected);
  ASSERT_GE(rec.statuses.size(), 1u);
  EXPECT_EQ(rec.statuses.back(), "NetStream.Play.Start");
  ASSERT_EQ(rec.disconnects.size(), 1u);
  EXPECT_EQ(rec.disconnects[0].code, errc::closed);
  EXPECT_EQ(shared.get().at(1), "play cam");
}

TEST(Client, PlayRawMessages) {
  Shared shared;
  shared.play_media = make_media(0, 5, 100);
  auto server = start_server(shared);
  asio::io_context ioc;
  auto opts = quick_options();
  opts.player = true;
  opts.demux = false;
  Client c(ioc.get_executor(), opts);
  PlayRecorder rec;
  c.set_handler(&rec);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
    if (auto r = co_await c.async_play(); !r) co_return r;
    co_await c.async_wait_closed();
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(rec.events.empty());
  std::erase_if(rec.messages, [](const Message& m) {  // data messages (|RtmpSampleAccess)
    return m.type != msg::audio && m.type != msg::video;
  });
  ASSERT_EQ(rec.messages.size(), 2u + 10u);
  EXPECT_EQ(rec.messages[0].type, msg::video);
  EXPECT_EQ(rec.messages[1].type, msg::audio);
  const auto& v = std::get<VideoSample>(shared.play_media.samples[0]);
  EXPECT_EQ(test::to_bytes(rec.messages[2].data()), test::to_bytes(Muxer::mux(v).data()));
  EXPECT_EQ(rec.messages[2].stream_id, c.stream_id());
}

TEST(Client, ServerRejectionsCarryCodeAndDescription) {
  Shared shared;
  auto server = start_server(shared);
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());

  shared.reject_publish = "key in use";
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
    co_return co_await c.async_publish();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rejected);
  EXPECT_EQ(r.error().detail, "NetStream.Publish.BadName: key in use");
  EXPECT_EQ(c.state(), Client::State::connected);  // the connection stays usable

  shared.reject_play = "no such stream";
  r = run(ioc, [&]() -> asio::awaitable<Result<void>> { co_return co_await c.async_play("x"); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "NetStream.Play.StreamNotFound: no such stream");
  c.close();

  shared.reject_connect = "bad app";
  r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    co_return co_await c.async_connect(url_for(server->port()));
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rejected);
  EXPECT_NE(r.error().detail.find("NetConnection.Connect.Rejected: bad app"), std::string::npos)
      << r.error().detail;
  EXPECT_EQ(c.state(), Client::State::closed);
}

TEST(Client, CloseThenConnectAgain) {
  Shared shared;
  auto server = start_server(shared);
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  PlayRecorder rec;
  c.set_handler(&rec);
  for (int i = 0; i < 3; ++i) {
    auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
      if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
      if (auto r = co_await c.async_publish(); !r) co_return r;
      if (auto r = c.send_codec(avc_codec()); !r) co_return r;
      co_await c.async_close();
      co_return Result<void>{};
    });
    ASSERT_TRUE(r) << "round " << i << ": " << r.error().message();
    ASSERT_TRUE(shared.wait_disconnects(i + 1));
  }
  run(ioc, [&]() -> asio::awaitable<int> {
    co_await asio::post(ioc, asio::use_awaitable);
    co_return 0;
  });
  EXPECT_EQ(shared.connects, 3);
  ASSERT_EQ(rec.disconnects.size(), 3u);
  for (const auto& e : rec.disconnects) EXPECT_EQ(e.message(), "closed: closed by client");
}

TEST(Client, OnDisconnectWhenServerStops) {
  Shared shared;
  auto server = start_server(shared);
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  PlayRecorder rec;
  c.set_handler(&rec);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
    co_return co_await c.async_publish();
  });
  ASSERT_TRUE(r) << r.error().message();
  std::thread stopper([&] { server->stop(); });
  Error e = run(ioc, [&]() { return c.async_wait_closed(); });
  stopper.join();
  EXPECT_EQ(e.code, errc::closed);
  run(ioc, [&]() -> asio::awaitable<int> {
    co_await asio::post(ioc, asio::use_awaitable);
    co_return 0;
  });
  ASSERT_EQ(rec.disconnects.size(), 1u);
  EXPECT_EQ(rec.disconnects[0].code, errc::closed);
  auto s = c.send_video(VideoSample::from_data(CodecId::h264, 0, 0, true, Bytes{0, 0, 0, 1, 0x65}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::closed);
}

TEST(Client, MisuseIsReported) {
  Shared shared;
  auto server = start_server(shared);
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  auto s = c.send_codec(avc_codec());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::closed);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port(), "live")); !r) co_return r;
    auto again = co_await c.async_connect(url_for(server->port()));
    EXPECT_EQ(again.error().code, errc::invalid_argument);
    auto media = c.send_codec(avc_codec());
    EXPECT_EQ(media.error().code, errc::unexpected_message);  // not publishing
    co_return co_await c.async_publish();                     // no key in the URL
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  auto p = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_publish("k"); !r) co_return r;
    co_return co_await c.async_play("k");
  });
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, errc::unexpected_message);
}

TEST(Client, ConnectionRefusedIsAnIoError) {
  std::uint16_t port;
  {
    asio::io_context tmp;
    tcp::acceptor a(tmp, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  auto r = run(ioc, [&]() { return c.async_connect(url_for(port)); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::io_error);
  EXPECT_NE(r.error().detail.find("127.0.0.1:" + std::to_string(port)), std::string::npos);
}

}  // namespace
}  // namespace rtmp
