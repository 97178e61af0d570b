// rtmp-test-server: an rtmp::Server whose handler behaviour is chosen by flags, for interop
// tests of the Handler contract (reject paths, one publisher per key, send_* to a player,
// on_disconnect, a handler that throws). Prints one JSON line per event on stdout.
#include "common/amf_json.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/muxer.hpp"
#include "rtmp/server.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace {

using json = nlohmann::ordered_json;

struct Config {
  std::string reject_connect, reject_publish, reject_play, play_file;
  std::string throw_in;  // a callback name: the first session to reach it throws there
  bool log_samples = false;
};

struct State {
  std::mutex mutex;
  std::set<std::string> live_keys;
  std::vector<std::thread> senders;
  bool thrown = false;  // --throw-in: once per server
  void print(const json& j) {
    std::lock_guard lock(mutex);
    std::string line = j.dump();
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
};

// Plays an FLV file to a session with the demuxed send_* API: demux → mux must reproduce
// the file's tags on the wire.
void play_file(std::shared_ptr<rtmp::Session> session, std::string path, State& state) {
  std::ifstream in(path, std::ios::binary);
  rtmp::Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rtmp::FlvReader reader;
  std::vector<rtmp::Message> tags;
  if (auto r = reader.feed(file, tags); !r) {
    state.print({{"event", "error"}, {"reason", r.error().message()}});
    session->close();
    return;
  }
  rtmp::Demuxer demuxer;
  std::vector<rtmp::MediaEvent> events;
  std::size_t sent = 0;
  for (const auto& tag : tags) {
    if (tag.type == rtmp::msg::data_amf0) {
      auto values = rtmp::parse_data(tag);
      if (values)
        if (const auto* meta = rtmp::find_metadata(*values)) session->send_metadata(*meta);
      continue;
    }
    events.clear();
    if (auto r = demuxer.push(tag, events); !r) {
      state.print({{"event", "error"}, {"reason", r.error().message()}});
      break;
    }
    for (const auto& e : events) {
      if (auto* c = std::get_if<rtmp::Codec>(&e))
        session->send_codec(*c);
      else if (auto* v = std::get_if<rtmp::VideoSample>(&e))
        session->send_video(*v);
      else if (auto* a = std::get_if<rtmp::AudioSample>(&e))
        session->send_audio(*a);
      else
        session->send_message(rtmp::Muxer::mux(e, 0));
      ++sent;
    }
    // Keep the queue bounded: wait while more than 4 MB are pending.
    while (session->pending_output() > 4 * 1024 * 1024)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  state.print({{"event", "sent"}, {"count", sent}});
  session->close();
}

class TestHandler final : public rtmp::Handler {
 public:
  TestHandler(const Config& c, State& s) : config_(c), state_(s) {}

  rtmp::Decision on_connect(const rtmp::ConnectInfo& info) override {
    maybe_throw("on_connect");
    state_.print({{"event", "connect"}, {"app", info.app}, {"tcUrl", info.tc_url}});
    if (!config_.reject_connect.empty()) return rtmp::Decision::reject(config_.reject_connect);
    return rtmp::Decision::accept();
  }
  rtmp::Decision on_publish(const rtmp::PublishInfo& info) override {
    state_.print({{"event", "publish"}, {"key", info.key}});
    maybe_throw("on_publish");
    if (!config_.reject_publish.empty())
      return rtmp::Decision::reject(config_.reject_publish, "NetStream.Publish.Failed");
    std::lock_guard lock(state_.mutex);
    if (!state_.live_keys.insert(info.key).second)
      return rtmp::Decision::reject(info.key + " is already being published",
                                    "NetStream.Publish.BadName");
    key_ = info.key;
    return rtmp::Decision::accept();
  }
  rtmp::Decision on_play(const rtmp::PlayInfo& info) override {
    state_.print({{"event", "play"}, {"name", info.name}});
    if (!config_.reject_play.empty())
      return rtmp::Decision::reject(config_.reject_play, "NetStream.Play.StreamNotFound");
    if (!config_.play_file.empty()) {
      std::lock_guard lock(state_.mutex);
      // The play is accepted when this returns; the sender's first message queues after
      // NetStream.Play.Start because sends are posted to this session's strand.
      state_.senders.emplace_back(play_file, session(), config_.play_file, std::ref(state_));
    }
    return rtmp::Decision::accept();
  }
  void on_codec(const rtmp::Codec& c) override {
    maybe_throw("on_codec");
    state_.print({{"event", "codec"},
                  {"codec", rtmp::codec_name(c.id)},
                  {"config_size", c.config.size()},
                  {"from_frame", c.from_frame}});
  }
  void on_video(const rtmp::VideoSample& s) override {
    maybe_throw("on_video");
    ++video_;
    if (config_.log_samples)
      state_.print({{"event", "video"},
                    {"codec", rtmp::codec_name(s.codec)},
                    {"dts", s.dts},
                    {"pts", s.pts},
                    {"key", s.keyframe},
                    {"size", s.data.size()}});
  }
  void on_audio(const rtmp::AudioSample&) override {
    maybe_throw("on_audio");
    ++audio_;
  }
  void on_disconnect(const rtmp::Error& reason) override {
    if (!key_.empty()) {
      std::lock_guard lock(state_.mutex);
      state_.live_keys.erase(key_);
    }
    state_.print({{"event", "disconnect"},
                  {"code", rtmp::to_string(reason.code)},
                  {"reason", reason.message()},
                  {"video", video_},
                  {"audio", audio_}});
  }

 private:
  void maybe_throw(const char* callback) {
    if (config_.throw_in != callback) return;
    {
      std::lock_guard lock(state_.mutex);
      if (state_.thrown) return;
      state_.thrown = true;
    }
    throw std::runtime_error(std::string("test handler throws in ") + callback);
  }

  const Config& config_;
  State& state_;
  std::string key_;
  std::uint64_t video_ = 0, audio_ = 0;
};

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) {
  g_stop = 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rtmp-test-server: a scriptable rtmp::Server for interop tests"};
  Config config;
  std::uint16_t port = 0;
  app.add_option("--port", port, "Port (0 = any)");
  app.add_option("--reject-connect", config.reject_connect, "Reject connect with this description");
  app.add_option("--reject-publish", config.reject_publish, "Reject publish with this description");
  app.add_option("--reject-play", config.reject_play, "Reject play with this description");
  app.add_option("--play-file", config.play_file, "FLV file sent to every player with send_*");
  app.add_option("--throw-in", config.throw_in,
                 "Throw from this callback (on_connect, on_publish, on_codec, on_video, "
                 "on_audio), in the first session that reaches it");
  app.add_flag("--log-samples", config.log_samples, "Print every video sample");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_default_logger(spdlog::stderr_color_mt("rtmp-test-server"));

  State state;
  rtmp::ServerOptions opts;
  opts.port = port;
  opts.bind = "127.0.0.1";
  opts.handler = [&](const std::any&) { return std::make_unique<TestHandler>(config, state); };
  auto server = rtmp::Server::start(std::move(opts));
  if (!server) {
    std::cerr << "rtmp-test-server: " << server.error().message() << "\n";
    return 1;
  }
  std::cerr << "rtmp-test-server: listening on 127.0.0.1:" << (*server)->port() << std::endl;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  (*server)->stop();
  std::vector<std::thread> senders;
  {
    std::lock_guard lock(state.mutex);
    senders.swap(state.senders);
  }
  for (auto& t : senders) t.join();
  state.print({{"event", "stopped"}});
  return 0;
}
