// own_event_loop: rtmp::Server and rtmp::Client on the application's own io_context, next
// to its own timer, all on one thread. The client publishes a few MP3 frames to the server;
// when the server's handler has seen the publisher leave, the application stops everything
// and io_context::run() returns.
//
//   own_event_loop [FRAMES]
#include <rtmp/client.hpp>
#include <rtmp/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

namespace asio = boost::asio;

namespace {

// Runs on the io_context's thread like everything else here: no locks needed.
struct Counts {
  int audio = 0;
  int ticks = 0;
  bool publisher_left = false;
  std::function<void()> on_publisher_left;
};

class CountingHandler : public rtmp::Handler {
 public:
  explicit CountingHandler(Counts& counts) : counts_(counts) {}
  rtmp::Decision on_publish(const rtmp::PublishInfo&) override {
    publisher_ = true;
    return rtmp::Decision::accept();
  }
  void on_audio(const rtmp::AudioSample&) override { ++counts_.audio; }
  void on_disconnect(const rtmp::Error&) override {
    if (!publisher_) return;
    counts_.publisher_left = true;
    if (counts_.on_publisher_left) counts_.on_publisher_left();
  }

 private:
  Counts& counts_;
  bool publisher_ = false;
};

// An MPEG-1 Layer III frame header (128 kb/s, 44.1 kHz, mono) and silence: the demuxer
// needs no sequence header for MP3.
rtmp::AudioSample mp3_frame(std::int64_t timestamp) {
  std::array<std::uint8_t, 417> frame{0xff, 0xfb, 0x90, 0xc4};
  return rtmp::AudioSample::from_data(rtmp::CodecId::mp3, timestamp, frame);
}

asio::awaitable<void> publish(std::string url, int frames, int& sent) {
  // The executor first: GCC 12 mishandles a temporary (the default ClientOptions) in a
  // full expression that also co_awaits.
  auto executor = co_await asio::this_coro::executor;
  rtmp::Client client(executor);
  if (auto r = co_await client.async_connect(url); !r) {
    std::fprintf(stderr, "connect: %s\n", r.error().message().c_str());
    co_return;
  }
  if (auto r = co_await client.async_publish(); !r) {
    std::fprintf(stderr, "publish: %s\n", r.error().message().c_str());
    co_return;
  }
  asio::steady_timer pace(executor);
  for (int i = 0; i < frames; ++i) {
    if (client.send_audio(mp3_frame(i * 26))) ++sent;
    pace.expires_after(std::chrono::milliseconds(5));
    co_await pace.async_wait(asio::use_awaitable);
  }
  co_await client.async_close();  // FCUnpublish + deleteStream; the server sees it leave
}

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::atoi(argv[1]) : 20;
  asio::io_context io;  // the application's loop, run by this thread only
  Counts counts;

  rtmp::ServerOptions opts;
  opts.port = 0;
  opts.io_context = &io;  // no threads of the server's own
  opts.handler = [&counts](const std::any&) { return std::make_unique<CountingHandler>(counts); };
  auto server = rtmp::Server::start(std::move(opts));
  if (!server) {
    std::fprintf(stderr, "own_event_loop: %s\n", server.error().message().c_str());
    return 1;
  }

  // The application's own timer, ticking beside the RTMP traffic.
  asio::steady_timer tick(io);
  std::function<void()> arm = [&] {
    tick.expires_after(std::chrono::milliseconds(10));
    tick.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      ++counts.ticks;
      arm();
    });
  };
  arm();
  counts.on_publisher_left = [&] {
    tick.cancel();
    (*server)->stop();  // on the caller's io_context stop() does not block; run() ends
  };

  int sent = 0;
  const auto url = "rtmp://127.0.0.1:" + std::to_string((*server)->port()) + "/live/key";
  asio::co_spawn(io, publish(url, frames, sent), asio::detached);
  io.run();

  std::printf("{\"sent\":%d,\"received\":%d,\"ticks\":%d,\"publisher_left\":%s}\n", sent,
              counts.audio, counts.ticks, counts.publisher_left ? "true" : "false");
  return sent == counts.audio && counts.publisher_left ? 0 : 1;
}
