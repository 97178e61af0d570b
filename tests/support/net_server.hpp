// A real rtmp::Server for client tests: it records what publishers send (as describe()
// strings, see net_media.hpp) and plays prepared media to players; plus the client side:
// a recording ClientHandler, a coroutine runner and a send-everything loop.
#pragma once

#include "rtmp/client.hpp"
#include "rtmp/server.hpp"
#include "support/net_media.hpp"

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rtmp::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Runs the coroutine f() on ioc until it completes (at most `limit`) and returns its value.
template <class F>
auto run(asio::io_context& ioc, F f, std::chrono::milliseconds limit = 20s) ->
    typename decltype(f())::value_type {
  using T = typename decltype(f())::value_type;
  std::optional<T> out;
  std::exception_ptr ex;
  bool done = false;
  asio::co_spawn(ioc, std::move(f), [&](std::exception_ptr e, T v) {
    ex = e;
    out.emplace(std::move(v));
    done = true;
  });
  if (ioc.stopped()) ioc.restart();
  auto deadline = Clock::now() + limit;
  while (!done && Clock::now() < deadline) ioc.run_one_for(20ms);
  if (ex) std::rethrow_exception(ex);
  if (!done) throw std::runtime_error("coroutine did not finish in time");
  return std::move(*out);
}

struct Shared {
  std::mutex mutex;
  std::vector<std::string> events;
  std::vector<std::thread> senders;
  std::condition_variable changed;
  std::atomic<int> connects{0}, disconnects{0};
  Media play_media;
  std::string reject_connect, reject_publish, reject_play;
  std::vector<std::string> get() {
    std::lock_guard lock(mutex);
    return events;
  }
  void add(std::string s) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(s));
  }
  void disconnected() {
    {
      std::lock_guard lock(mutex);
      ++disconnects;
    }
    changed.notify_all();
  }
  bool wait_disconnects(int n, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, [&] { return disconnects >= n; });
  }
  ~Shared() {
    for (auto& t : senders) t.join();
  }
};

class RecordingHandler final : public Handler {
 public:
  explicit RecordingHandler(Shared& s) : s_(s) {}
  Decision on_connect(const ConnectInfo& i) override {
    ++s_.connects;
    s_.add("connect " + i.app + " " + i.tc_url);
    if (!s_.reject_connect.empty()) return Decision::reject(s_.reject_connect);
    return Decision::accept();
  }
  Decision on_publish(const PublishInfo& i) override {
    s_.add("publish " + i.key + " " + i.type);
    if (!s_.reject_publish.empty())
      return Decision::reject(s_.reject_publish, "NetStream.Publish.BadName");
    return Decision::accept();
  }
  Decision on_play(const PlayInfo& i) override {
    s_.add("play " + i.name);
    if (!s_.reject_play.empty())
      return Decision::reject(s_.reject_play, "NetStream.Play.StreamNotFound");
    std::lock_guard lock(s_.mutex);
    s_.senders.emplace_back([session = session(), &media = s_.play_media] {
      for (const auto& c : media.codecs) session->send_codec(c);
      for (const auto& s : media.samples) {
        if (auto* v = std::get_if<VideoSample>(&s))
          session->send_video(*v);
        else
          session->send_audio(std::get<AudioSample>(s));
      }
      session->close();
    });
    return Decision::accept();
  }
  void on_metadata(const amf::Value& v) override { s_.add("metadata " + amf::to_string(v)); }
  void on_codec(const Codec& c) override { s_.add(describe(c)); }
  void on_video(const VideoSample& v) override { s_.add(describe(v)); }
  void on_audio(const AudioSample& a) override { s_.add(describe(a)); }
  void on_disconnect(const Error& e) override {
    s_.add(std::string("disconnect ") + to_string(e.code));
    s_.disconnected();
  }

 private:
  Shared& s_;
};

inline std::unique_ptr<Server> start_server(Shared& shared, std::uint32_t chunk_size = 4096) {
  ServerOptions o;
  o.port = 0;
  o.bind = "127.0.0.1";
  o.threads = 2;
  o.chunk_size = chunk_size;
  o.handler = [&shared](const std::any&) { return std::make_unique<RecordingHandler>(shared); };
  auto s = Server::start(std::move(o));
  if (!s) throw std::runtime_error(s.error().message());
  return std::move(*s);
}

inline std::string url_for(std::uint16_t port, std::string_view path = "live/key") {
  return "rtmp://127.0.0.1:" + std::to_string(port) + "/" + std::string(path);
}

// What a playing client receives.
class PlayRecorder final : public ClientHandler {
 public:
  std::vector<std::string> events;
  std::vector<std::string> statuses;
  std::vector<Message> messages;
  std::vector<Error> disconnects;
  void on_status(const Status& s) override { statuses.push_back(s.code); }
  void on_codec(const Codec& c) override { events.push_back(describe(c)); }
  void on_video(const VideoSample& v) override { events.push_back(describe(v)); }
  void on_audio(const AudioSample& a) override { events.push_back(describe(a)); }
  void on_message(const Message& m) override { messages.push_back(m); }
  void on_disconnect(const Error& e) override { disconnects.push_back(e); }
};

inline asio::awaitable<Result<void>> send_all(Client& c, const Media& m) {
  for (const auto& codec : m.codecs)
    if (auto r = c.send_codec(codec); !r) co_return r;
  for (const auto& s : m.samples) {
    for (;;) {
      auto r = std::holds_alternative<VideoSample>(s) ? c.send_video(std::get<VideoSample>(s))
                                                      : c.send_audio(std::get<AudioSample>(s));
      if (r) break;
      if (r.error().code != errc::output_full) co_return r;
      if (auto d = co_await c.async_drain(c.options().max_output_bytes / 2); !d) co_return d;
    }
  }
  co_return co_await c.async_drain(0);
}

inline ClientOptions quick_options() {
  ClientOptions o;
  o.connect_timeout = 2s;
  o.handshake_timeout = 500ms;
  o.read_timeout = 500ms;
  o.write_timeout = 500ms;
  return o;
}

}  // namespace rtmp::test
