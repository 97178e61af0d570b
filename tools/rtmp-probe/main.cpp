// rtmp-probe: prints every event of an RTMP publish as one JSON object per line, so other
// programs can compare it with ffprobe's packet lists.
#include "common/amf_json.hpp"
#include "common/crc32.hpp"
#include "rtmp/server.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>

namespace {

using json = nlohmann::ordered_json;

struct Shared {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  bool keep = false;

  void print(const json& j) {
    std::lock_guard lock(mutex);
    std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  void finish() {
    std::lock_guard lock(mutex);
    done = true;
    cv.notify_all();
  }
};

class ProbeHandler final : public rtmp::Handler {
 public:
  explicit ProbeHandler(Shared& shared) : shared_(shared) {}

  rtmp::Decision on_connect(const rtmp::ConnectInfo& info) override {
    shared_.print({{"event", "connect"}, {"app", info.app}, {"tcUrl", info.tc_url}});
    return rtmp::Decision::accept();
  }
  rtmp::Decision on_publish(const rtmp::PublishInfo& info) override {
    published_ = true;
    shared_.print({{"event", "publish"}, {"key", info.key}});
    return rtmp::Decision::accept();
  }
  rtmp::Decision on_play(const rtmp::PlayInfo&) override {
    return rtmp::Decision::reject("rtmp-probe only receives published streams",
                                  "NetStream.Play.StreamNotFound");
  }
  void on_metadata(const rtmp::amf::Value& data) override {
    shared_.print({{"event", "metadata"}, {"data", rtmp::tools::amf_to_json(data)}});
  }
  void on_codec(const rtmp::Codec& c) override {
    shared_.print({{"event", "codec"},
                   {"track", c.type == rtmp::TrackType::video ? "video" : "audio"},
                   {"codec", rtmp::codec_name(c.id)},
                   {"config_size", c.config.size()}});
  }
  void on_video(const rtmp::VideoSample& s) override {
    shared_.print({{"event", "video"},
                   {"dts", s.dts},
                   {"pts", s.pts},
                   {"key", s.keyframe},
                   {"size", s.data.size()},
                   {"nalus", s.nalus.size()}});
  }
  void on_audio(const rtmp::AudioSample& s) override {
    shared_.print({{"event", "audio"}, {"ts", s.timestamp}, {"size", s.data.size()}});
  }
  void on_message(const rtmp::Message& m) override {
    shared_.print({{"event", "message"},
                   {"type", m.type},
                   {"ts", m.timestamp},
                   {"stream_id", m.stream_id},
                   {"size", m.size()},
                   {"crc32", fmt::format("{:08x}", rtmp::tools::crc32(m.data()))}});
  }
  void on_disconnect(const rtmp::Error& reason) override {
    shared_.print({{"event", "disconnect"}, {"reason", reason.message()}});
    if (published_ && !shared_.keep) shared_.finish();
  }

 private:
  Shared& shared_;
  bool published_ = false;
};

Shared* g_shared = nullptr;
extern "C" void on_signal(int) {
  if (g_shared) {
    g_shared->done = true;  // checked with a timeout below; no locking in a signal handler
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rtmp-probe: print every RTMP event of a publish as JSON lines"};
  bool listen = false, raw = false, demux = false, keep = false, verbose = false;
  std::uint16_t port = 1935;
  std::string bind, url;
  app.add_flag("--listen", listen, "Run a server and print what publishers send");
  app.add_option("--port", port, "Port to listen on (0 = any free port)");
  app.add_option("--bind", bind, "Address to listen on (default: all)");
  app.add_flag("--demux", demux, "Print demuxed codec/video/audio events (default)");
  app.add_flag("--raw", raw, "Print raw RTMP messages instead of demuxed events");
  app.add_flag("--keep", keep, "Keep listening after the publisher disconnects");
  app.add_flag("-v,--verbose", verbose, "Log sessions on stderr");
  app.add_option("url", url, "rtmp://host/app/key to play (client mode)");
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("rtmp-probe");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::warn);

  if (!listen) {
    std::cerr << "rtmp-probe: client mode (rtmp-probe URL) needs rtmp::Client; use --listen\n";
    return 2;
  }
  if (raw && demux) {
    std::cerr << "rtmp-probe: --raw and --demux exclude each other\n";
    return 2;
  }
  Shared shared;
  shared.keep = keep;
  g_shared = &shared;
  rtmp::ServerOptions opts;
  opts.port = port;
  opts.bind = bind;
  opts.demux = !raw;
  opts.threads = 1;  // one line order for all sessions
  opts.handler = [&shared](const std::any&) { return std::make_unique<ProbeHandler>(shared); };
  auto server = rtmp::Server::start(std::move(opts));
  if (!server) {
    std::cerr << "rtmp-probe: " << server.error().message() << "\n";
    return 1;
  }
  std::cerr << "rtmp-probe: listening on " << (bind.empty() ? "0.0.0.0" : bind) << ":"
            << (*server)->port() << std::endl;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  {
    std::unique_lock lock(shared.mutex);
    while (!shared.done) shared.cv.wait_for(lock, std::chrono::milliseconds(200));
  }
  (*server)->stop();
  return 0;
}
