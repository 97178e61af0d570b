// rtmp-probe: prints every event of an RTMP stream as one JSON object per line, so other
// programs can compare it with ffprobe's packet lists. Listen mode (--listen) runs a server
// and prints what publishers send; client mode (rtmp-probe URL) plays URL and prints what
// the server sends. Both print the same objects for the same events (common/probe_json.hpp).
#include "common/client_cli.hpp"
#include "common/probe_json.hpp"
#include "rtmp/client.hpp"
#include "rtmp/server.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>

namespace {

namespace probe = rtmp::tools::probe;
namespace asio = boost::asio;

struct Shared {
  probe::Printer printer;
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  bool keep = false;

  void print(const probe::json& j) { printer.print(j); }
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
    shared_.print(probe::connect_event(info.app, info.tc_url));
    return rtmp::Decision::accept();
  }
  rtmp::Decision on_publish(const rtmp::PublishInfo& info) override {
    published_ = true;
    shared_.print(probe::publish_event(info.key));
    return rtmp::Decision::accept();
  }
  rtmp::Decision on_play(const rtmp::PlayInfo&) override {
    return rtmp::Decision::reject("rtmp-probe only receives published streams",
                                  "NetStream.Play.StreamNotFound");
  }
  void on_metadata(const rtmp::amf::Value& data) override {
    shared_.print(probe::metadata_event(data));
  }
  void on_codec(const rtmp::Codec& c) override { shared_.print(probe::codec_event(c)); }
  void on_video(const rtmp::VideoSample& s) override { shared_.print(probe::video_event(s)); }
  void on_audio(const rtmp::AudioSample& s) override { shared_.print(probe::audio_event(s)); }
  void on_message(const rtmp::Message& m) override { shared_.print(probe::message_event(m)); }
  void on_disconnect(const rtmp::Error& reason) override {
    shared_.print(probe::disconnect_event(reason));
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

int run_listen(Shared& shared, std::uint16_t port, const std::string& bind, bool raw) {
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

// ---- client mode ----

// Prints what the played stream carries and asks the main coroutine to stop when the
// stream ends (Play.Stop, UnpublishNotify, StreamEOF) or --duration of media was seen.
class PlayPrinter final : public rtmp::ClientHandler {
 public:
  PlayPrinter(probe::Printer& out, asio::steady_timer& stop, std::string name, double duration)
      : out_(out), stop_(stop), name_(std::move(name)), duration_ms_(duration * 1000) {}

  void on_status(const rtmp::Status& s) override {
    // The play line comes from Play.Start itself: media may follow in the same read, before
    // async_play returns.
    if (s.code == "NetStream.Play.Start" && !started_) {
      started_ = true;
      out_.print(probe::play_event(name_));
    }
    out_.print(probe::status_event(s.level, s.code, s.description));
    if (s.code == "NetStream.Play.Stop" || s.code == "NetStream.Play.UnpublishNotify") end();
  }
  void on_metadata(const rtmp::amf::Value& data) override {
    if (!ended_) out_.print(probe::metadata_event(data));
  }
  void on_codec(const rtmp::Codec& c) override {
    if (!ended_) out_.print(probe::codec_event(c));
  }
  void on_video(const rtmp::VideoSample& s) override {
    if (within(s.dts)) out_.print(probe::video_event(s));
  }
  void on_audio(const rtmp::AudioSample& s) override {
    if (within(s.timestamp)) out_.print(probe::audio_event(s));
  }
  void on_message(const rtmp::Message& m) override {
    bool media = m.type == rtmp::msg::audio || m.type == rtmp::msg::video;
    if (media ? within(m.timestamp) : !ended_) out_.print(probe::message_event(m));
  }
  void on_stream_eof() override { end(); }
  void on_disconnect(const rtmp::Error& reason) override {
    out_.print(probe::disconnect_event(reason));
    end();
  }

 private:
  // False once the stream ended or --duration of media has been printed (frames still in
  // flight after that are not printed, like ffmpeg -t).
  bool within(std::int64_t ts) {
    if (ended_) return false;
    if (duration_ms_ <= 0) return true;
    if (!first_ts_) first_ts_ = ts;
    if (static_cast<double>(ts - *first_ts_) < duration_ms_) return true;
    end();
    return false;
  }
  void end() {
    ended_ = true;
    stop_.cancel();
  }

  probe::Printer& out_;
  asio::steady_timer& stop_;
  std::string name_;
  double duration_ms_;
  bool started_ = false;
  bool ended_ = false;
  std::optional<std::int64_t> first_ts_;
};

int run_client(const std::string& url, bool raw, double duration,
               const rtmp::tools::ClientCli& cli) {
  auto parsed = rtmp::RtmpUrl::parse(url);
  if (!parsed) {
    std::cerr << "rtmp-probe: " << parsed.error().message() << "\n";
    return 2;
  }
  asio::io_context ioc(1);
  rtmp::ClientOptions opts;
  opts.player = true;
  opts.demux = !raw;
  cli.apply_player(opts);
  rtmp::Client client(ioc.get_executor(), opts);
  asio::steady_timer stop(ioc, asio::steady_timer::time_point::max());
  probe::Printer out;
  PlayPrinter printer(out, stop, parsed->stream, duration);
  client.set_handler(&printer);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) stop.cancel();
  });
  int rc = 0;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        if (auto r = co_await client.async_connect(*parsed); !r) {
          std::cerr << "rtmp-probe: " << r.error().message() << "\n";
          rc = 1;
          co_return;
        }
        out.print(probe::connect_event(parsed->app, parsed->tc_url));
        if (auto r = co_await client.async_play(); !r) {
          std::cerr << "rtmp-probe: " << r.error().message() << "\n";
          rc = 1;
          client.close();
          co_return;
        }
        co_await stop.async_wait(asio::as_tuple(asio::use_awaitable));
        co_await client.async_close();
      },
      [&](std::exception_ptr e) {
        if (e) rc = 3;
        signals.cancel();
      });
  ioc.run();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rtmp-probe: print every RTMP event of a stream as JSON lines"};
  bool listen = false, raw = false, demux = false, keep = false, verbose = false;
  rtmp::tools::ClientCli cli;
  std::uint16_t port = 1935;
  double duration = 0;
  std::string bind, url;
  app.add_flag("--listen", listen, "Run a server and print what publishers send");
  app.add_option("--port", port, "Port to listen on (0 = any free port)");
  app.add_option("--bind", bind, "Address to listen on (default: all)");
  app.add_flag("--demux", demux, "Print demuxed codec/video/audio events (default)");
  app.add_flag("--raw", raw, "Print raw RTMP messages instead of demuxed events");
  app.add_flag("--keep", keep, "Keep listening after the publisher disconnects");
  app.add_option("--duration", duration, "Client mode: stop after this many seconds of media");
  cli.add_player(app);
  app.add_flag("-v,--verbose", verbose, "Log sessions on stderr");
  app.add_option("url", url, "rtmp[s]://host[:port]/app/name to play (client mode)");
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("rtmp-probe");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::warn);

  if (raw && demux) {
    std::cerr << "rtmp-probe: --raw and --demux exclude each other\n";
    return 2;
  }
  if (listen == !url.empty()) {
    std::cerr << "rtmp-probe: give either --listen or a URL to play\n";
    return 2;
  }
  if (!listen) return run_client(url, raw, duration, cli);
  Shared shared;
  shared.keep = keep;
  return run_listen(shared, port, bind, raw);
}
