// rtmp-server: the live relay. Publishers push rtmp://HOST/APP/KEY, any number of players
// play the same URL. See --help, and apps/relay/ for the behaviour.
//
// Threads: one io_context run by --threads threads (default: one per core). Every connection
// lives on its own strand; a published message is encoded once on the publisher's strand and
// handed by reference to each player's strand (apps/relay/stream.hpp).
#include "relay/hls_output.hpp"
#include "relay/http_auth.hpp"
#include "relay/http_server.hpp"
#include "relay/pull.hpp"
#include "relay/push.hpp"
#include "relay/relay.hpp"
#include "relay/stats_json.hpp"
#include "rtmp/server.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <thread>

#include <sys/resource.h>

namespace {

namespace asio = boost::asio;
using rtmp::relay::Relay;
using rtmp::relay::RelayConfig;
using namespace std::chrono_literals;

// --config FILE: JSON ({"port": 1936, "gop-cache": "off", "bind": ["127.0.0.1"]}) or
// CLI11's TOML/INI (port = 1936). Keys are the long option names; '_' and '-' are the same.
// Flags on the command line win over the file.
class JsonOrTomlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool defaults, bool descriptions,
                        std::string prefix) const override {
    return toml_.to_config(app, defaults, descriptions, std::move(prefix));
  }
  std::vector<CLI::ConfigItem> from_config(std::istream& in) const override {
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || s[first] != '{') {
      std::istringstream again(s);
      return toml_.from_config(again);
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(s);
    } catch (const std::exception& e) {
      throw CLI::ConversionError("config", std::string("not valid JSON: ") + e.what());
    }
    std::vector<CLI::ConfigItem> items;
    for (auto& entry : j.items()) {
      const std::string key = entry.key();  // not a structured binding: lambdas capture it
      const nlohmann::json& value = entry.value();
      CLI::ConfigItem item;
      item.name = key;
      for (auto& c : item.name)
        if (c == '_') c = '-';
      auto add = [&](const nlohmann::json& v) {
        if (v.is_string())
          item.inputs.push_back(v.get<std::string>());
        else if (v.is_boolean())
          item.inputs.push_back(v.get<bool>() ? "true" : "false");
        else if (v.is_number())
          item.inputs.push_back(v.dump());
        else if (!v.is_null())
          throw CLI::ConversionError(key, "config: only strings, numbers, booleans and arrays");
      };
      if (value.is_array())
        for (auto& v : value) add(v);
      else
        add(value);
      if (!item.inputs.empty()) items.push_back(std::move(item));
    }
    return items;
  }

 private:
  CLI::ConfigTOML toml_;
};

std::chrono::milliseconds ms_from_seconds(double s) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000));
}

bool write_stats_file(const std::filesystem::path& path, const std::string& text) {
  // Written beside and renamed: readers never see a half-written file.
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << text << '\n';
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

// Every connection is a descriptor: take the hard limit, as the soft default (often 1024)
// would refuse players long before memory runs out. Returns the limit in force.
std::uint64_t raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
  }
  return rl.rlim_cur;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "rtmp-server: live RTMP relay. Publish to rtmp://HOST/APP/KEY (ffmpeg, OBS); any number "
      "of players play the same URL."};
  app.config_formatter(std::make_shared<JsonOrTomlConfig>());
  app.set_config("--config", "", "Config file: JSON object or TOML, keys = long option names");
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error

  std::uint16_t port = 1935;
  std::vector<std::string> binds;
  unsigned threads = 0;
  std::uint32_t chunk_size = 4096;
  std::string gop_cache = "on";
  double wait_for_publisher = -1;
  std::size_t queue_bytes = RelayConfig{}.player_queue_bytes;
  std::uint32_t queue_ms = RelayConfig{}.player_queue_ms;
  double slow_timeout = 30;
  std::string record_dir, key_file, stats_file, log_level = "info";
  std::size_t max_connections = 0;
  std::size_t socket_send_buffer = 1024 * 1024;
  std::size_t hold_min_players = rtmp::ServerOptions{}.fanout_hold_min_players;
  double handshake_timeout = 10, idle_timeout = 60, stats_interval = 0;
  rtmp::Limits limits;
  int tls_port = -1;
  std::string tls_cert, tls_key;
  int http_port = -1;
  std::string http_bind;
  rtmp::relay::HttpOptions http_options;
  std::vector<std::string> push_urls;
  std::string push_pattern;
  std::vector<std::string> pull_urls;
  std::string on_publish, on_play;
  double auth_timeout = 5;

  app.add_option("--port", port, "TCP port (0 = any free port)")->capture_default_str();
  app.add_option("--bind", binds, "Address to listen on, repeatable (default: 0.0.0.0 and [::])");
  app.add_option("--threads", threads, "I/O threads (0 = one per core)")->capture_default_str();
  app.add_option("--chunk-size", chunk_size, "Outgoing RTMP chunk size")
      ->check(CLI::Range(128u, 65536u))
      ->capture_default_str();
  bool reconnect_on_stop = false;
  std::string reconnect_url;
  app.add_flag("--reconnect-on-stop", reconnect_on_stop,
               "On SIGINT/SIGTERM first send Enhanced RTMP NetConnection.Connect.ReconnectRequest "
               "to every client and give them 5 s to leave");
  app.add_option("--reconnect-url", reconnect_url,
                 "tcUrl sent in the ReconnectRequest (default: the one each client used)");
  std::string player_caps = "enforce";
  app.add_option("--player-caps", player_caps,
                 "enforce: players get only the codecs/tracks their connect announced (legacy "
                 "players: track 0 of legacy codecs); ignore: forward everything to everyone")
      ->check(CLI::IsMember({"enforce", "ignore"}))
      ->capture_default_str();
  app.add_option("--gop-cache", gop_cache,
                 "on: a new player starts with the current GOP; off: at the next keyframe")
      ->check(CLI::IsMember({"on", "off", "true", "false"}))
      ->capture_default_str();
  app.add_option("--wait-for-publisher", wait_for_publisher,
                 "Seconds a player of a key that is not live waits for its publisher, then "
                 "NetStream.Play.StreamNotFound (-1 = forever, 0 = reject at once)")
      ->capture_default_str();
  app.add_option("--player-queue-bytes", queue_bytes,
                 "Unwritten bytes per player before it skips frames to the next keyframe")
      ->capture_default_str();
  app.add_option("--player-queue-ms", queue_ms,
                 "Unwritten media milliseconds per player before it skips frames")
      ->capture_default_str();
  app.add_option("--slow-player-timeout", slow_timeout,
                 "Seconds a player may stay behind (skipping), or write nothing while data "
                 "waits for it, before it is disconnected")
      ->capture_default_str();
  app.add_option("--record", record_dir, "Record every published stream to DIR/app/key-<UTC>.flv");
  app.add_option("--publish-key-file", key_file,
                 "Only keys listed in FILE may publish (one per line; 'app/key' or 'key')");
  app.add_option("--socket-send-buffer", socket_send_buffer,
                 "SO_SNDBUF per connection in bytes (0 = OS autotuning, up to 4 MB on Linux): "
                 "what the kernel holds for a slow player before the relay sees its backlog")
      ->capture_default_str();
  app.add_option("--audio-hold-min-players", hold_min_players,
                 "Stream audience from which audio waits (up to one video frame interval) to share "
                 "the next video frame's write: fewer writes per player at scale, no added audio "
                 "latency below it (0 = always)")
      ->capture_default_str();
  app.add_option("--max-connections", max_connections, "Refuse connections past N (0 = no limit)")
      ->capture_default_str();
  app.add_option("--handshake-timeout", handshake_timeout,
                 "Seconds to complete the handshake and send the connect command")
      ->capture_default_str();
  app.add_option("--idle-timeout", idle_timeout,
                 "Close a publisher (or a connection that neither publishes nor plays) silent "
                 "for this many seconds (0 = never)")
      ->capture_default_str();
  // Caps on what one peer can make the server hold (rtmp::Limits); a peer past one is closed
  // with a log line naming the cap.
  app.add_option("--max-message-size", limits.max_message_length,
                 "Largest incoming RTMP message in bytes, checked at its chunk header before "
                 "anything is allocated (the wire allows up to 16777215)")
      ->check(CLI::Range(1024u, 16u * 1024 * 1024))
      ->capture_default_str();
  app.add_option("--max-chunk-streams", limits.max_chunk_streams,
                 "Chunk streams one peer may use (FFmpeg and OBS use fewer than 10)")
      ->check(CLI::Range(8u, 65599u))
      ->capture_default_str();
  app.add_option("--max-output-bytes", limits.max_output_bytes,
                 "Unread output to one peer (plus 128 bytes per queued message) past which a peer "
                 "that keeps sending requests (pings, commands) is closed")
      ->check(CLI::Range(std::size_t{64 * 1024}, std::size_t{1} << 32))
      ->capture_default_str();
  app.add_option("--stats-file", stats_file,
                 "Write per-stream stats as JSON to FILE every second (atomically replaced)");
  app.add_option("--stats-interval", stats_interval,
                 "Log a stats line per stream every S seconds (0 = off)")
      ->capture_default_str();
  app.add_option("--tls-port", tls_port,
                 "Also accept RTMPS (TLS) on this port (0 = any free port; -1 = no RTMPS)")
      ->check(CLI::Range(-1, 65535))
      ->capture_default_str();
  app.add_option("--tls-cert", tls_cert, "RTMPS certificate chain, PEM (leaf first)");
  app.add_option("--tls-key", tls_key, "RTMPS private key, PEM");
  app.add_option("--http-port", http_port,
                 "HTTP port (0 = any free port; -1 = off): HTTP-FLV and WebSocket-FLV at "
                 "/APP/KEY.flv, HLS at /APP/KEY/index.m3u8, /api/streams (JSON), /metrics")
      ->check(CLI::Range(-1, 65535))
      ->capture_default_str();
  app.add_option("--http-bind", http_bind,
                 "Address for --http-port (default: the first --bind, else all)");
  app.add_option("--http-cors-origin", http_options.cors_origin,
                 "Access-Control-Allow-Origin on HTTP answers (empty: no CORS headers)")
      ->capture_default_str();
  app.add_option("--http-max-connections", http_options.max_connections,
                 "Close HTTP connections accepted past N")
      ->capture_default_str();
  bool hls_on = true;
  app.add_flag("--hls,!--no-hls", hls_on,
               "HLS at http://HOST:HTTP_PORT/APP/KEY/index.m3u8 for every live stream (with "
               "--http-port)")
      ->capture_default_str();
  std::string hls_format = "fmp4";
  app.add_option("--hls-format", hls_format, "fmp4 (CMAF, LL-HLS parts) or mpegts")
      ->check(CLI::IsMember({"fmp4", "mpegts"}))
      ->capture_default_str();
  double hls_segment_seconds = 2;
  app.add_option("--hls-segment-seconds", hls_segment_seconds, "HLS segment target duration")
      ->check(CLI::Range(0.5, 60.0))
      ->capture_default_str();
  std::size_t hls_window = 7;
  app.add_option("--hls-window", hls_window, "HLS segments kept in the playlist")
      ->check(CLI::Range(std::size_t{2}, std::size_t{1000}))
      ->capture_default_str();
  int hls_part_ms = 200;
  app.add_option("--hls-part-ms", hls_part_ms,
                 "LL-HLS part duration in ms (fmp4; 0 = no LL-HLS: segments only)")
      ->check(CLI::Range(0, 5000))
      ->capture_default_str();
  std::string hls_dir;
  app.add_option("--hls-dir", hls_dir,
                 "Also write HLS files to DIR/APP/KEY/ (atomic renames) for nginx or a CDN");
  std::string http_www;
  app.add_option("--http-www", http_www,
                 "Serve the browser player page from DIR at /player.html (default: the "
                 "build tree's browser/www or PREFIX/share/rtmpcxx/www beside the binary)");
  double http_request_timeout = 10;
  app.add_option("--http-request-timeout", http_request_timeout,
                 "Seconds for an HTTP request's headers to arrive (slow clients are closed); "
                 "idle keep-alive connections close after 30")
      ->capture_default_str();
  app.add_option("--push", push_urls,
                 "Re-publish every live stream to rtmp[s]://HOST[:PORT]/APP/KEY (repeatable; "
                 "reconnects with back-off)");
  app.add_option("--push-pattern", push_pattern,
                 "Only push streams whose 'app/key' matches this regex (default: all)");
  app.add_option("--pull", pull_urls,
                 "Edge: a player of a key not live here gets it played from "
                 "rtmp[s]://ORIGIN[:PORT]/APP/KEY (first URL that applies)");
  app.add_option("--on-publish", on_publish,
                 "Before a publish, POST call/app/name/addr/clientid/tcurl (form) to this "
                 "http:// URL: 2xx allows, else rejected with the body (nginx-rtmp on_publish)");
  app.add_option("--on-play", on_play, "The same check before a play");
  app.add_option("--auth-timeout", auth_timeout,
                 "Seconds to wait for --on-publish/--on-play answers (then rejected)")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("rtmp-server");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(log_level));

  const std::uint64_t open_files = raise_fd_limit();
  RelayConfig config;
  config.gop.enabled = gop_cache == "on" || gop_cache == "true";
  config.enforce_player_caps = player_caps == "enforce";
  if (wait_for_publisher >= 0) config.wait_for_publisher = ms_from_seconds(wait_for_publisher);
  config.player_queue_bytes = queue_bytes;
  config.player_queue_ms = queue_ms;
  config.slow_player_timeout = ms_from_seconds(slow_timeout);
  config.record_dir = record_dir;
  config.publish_key_file = key_file;
  config.max_connections = max_connections;
  // Made once the io_context exists (below); the relay only calls it for publishes/plays.
  std::unique_ptr<rtmp::relay::HttpAuth> auth;
  if (!on_publish.empty() || !on_play.empty())
    config.authorize = [&auth](const RelayConfig::AuthQuery& q,
                               std::function<void(rtmp::Decision)> done) {
      if (!auth || !auth->wants(q.call)) return false;
      auth->check({q.call, q.app, q.name, q.addr, q.tc_url, q.session_id, q.protocol},
                  std::move(done));
      return true;
    };
  Relay relay(config);
  if (auto r = relay.init(); !r) {
    std::cerr << "rtmp-server: " << r.error().message() << "\n";
    return 1;
  }

  asio::io_context ioc;
  if (config.authorize) {
    auth = std::make_unique<rtmp::relay::HttpAuth>(
        ioc.get_executor(),
        rtmp::relay::HttpCallbacks{on_publish, on_play, ms_from_seconds(auth_timeout)});
    if (auto r = auth->init(); !r) {
      std::cerr << "rtmp-server: " << r.error().message() << "\n";
      return 1;
    }
  }
  std::vector<std::unique_ptr<rtmp::Server>> servers;
  if (binds.empty()) binds.emplace_back();  // all IPv4 and IPv6
  for (const auto& bind : binds) {
    rtmp::ServerOptions opts;
    opts.port = port;
    opts.bind = bind;
    opts.demux = false;  // raw messages: relayed as received, demuxed only for codec facts
    opts.handler = relay.handler_factory();
    opts.chunk_size = chunk_size;
    opts.limits = limits;
    opts.limits.handshake_timeout_ms = static_cast<std::uint32_t>(handshake_timeout * 1000);
    opts.limits.idle_timeout_ms = static_cast<std::uint32_t>(idle_timeout * 1000);
    opts.io_context = &ioc;
    opts.socket_send_buffer = socket_send_buffer;
    opts.fanout_hold_min_players = hold_min_players;
    if (tls_port >= 0) {
      opts.tls_port = static_cast<std::uint16_t>(tls_port);
      opts.tls_cert_file = tls_cert;
      opts.tls_key_file = tls_key;
    }
    auto server = rtmp::Server::start(std::move(opts));
    if (!server) {
      std::cerr << "rtmp-server: " << server.error().message() << "\n";
      return 1;
    }
    // Tests read the port from this line (--port 0).
    std::cerr << "rtmp-server: listening on "
              << (bind.empty()                          ? std::string("[::]")
                  : bind.find(':') != std::string::npos ? "[" + bind + "]"
                                                        : bind)
              << ":" << (*server)->port() << std::endl;
    if ((*server)->tls_port() != 0)
      std::cerr << "rtmp-server: rtmps on port " << (*server)->tls_port() << std::endl;
    servers.push_back(std::move(*server));
  }
  std::unique_ptr<rtmp::relay::HlsRegistry> hls;
  if (http_port >= 0 && hls_on) {
    rtmp::relay::HlsConfig hc;
    hc.options.container =
        hls_format == "mpegts" ? rtmp::hls::Container::mpegts : rtmp::hls::Container::fmp4;
    hc.options.target_ms = static_cast<std::int64_t>(hls_segment_seconds * 1000);
    hc.options.window = hls_window;
    hc.options.low_latency = hls_part_ms > 0 && hls_format == "fmp4";
    if (hls_part_ms > 0) hc.options.part_target_ms = hls_part_ms;
    hc.dir = hls_dir;
    hls = std::make_unique<rtmp::relay::HlsRegistry>(relay, hc);
  }
  std::unique_ptr<rtmp::relay::HttpServer> http;
  if (http_port >= 0) {
    http_options.bind = http_bind.empty() ? binds.front() : http_bind;
    http_options.port = static_cast<std::uint16_t>(http_port);
    http_options.request_timeout = ms_from_seconds(http_request_timeout);
    if (auto www = rtmp::relay::StaticFiles::load_player(http_www, argv[0]))
      http_options.www = *www;
    else
      spdlog::warn("http: no player page: {}", www.error().message());
    auto h = rtmp::relay::HttpServer::start(ioc, http_options, relay, hls.get());
    if (!h) {
      std::cerr << "rtmp-server: " << h.error().message() << "\n";
      return 1;
    }
    http = std::move(*h);
    std::cerr << "rtmp-server: http on port " << http->port() << std::endl;
  }
  spdlog::info(
      "rtmp-server: gop_cache={} wait_for_publisher={} player_queue_bytes={} "
      "player_queue_ms={} slow_player_timeout={}s record={} publish_key_file={} "
      "max_connections={} max_message_size={} max_chunk_streams={} max_output_bytes={} "
      "open_files={}",
      config.gop.enabled ? "on" : "off",
      config.wait_for_publisher ? fmt::format("{:g}s", wait_for_publisher) : "forever", queue_bytes,
      queue_ms, slow_timeout, record_dir.empty() ? "-" : record_dir,
      key_file.empty() ? "-" : key_file, max_connections, limits.max_message_length,
      limits.max_chunk_streams, limits.max_output_bytes, open_files);

  std::vector<rtmp::relay::PushTarget> push_targets;
  for (const auto& u : push_urls) push_targets.push_back({u, push_pattern});
  rtmp::relay::Pusher pusher(ioc, relay, std::move(push_targets));
  if (auto r = pusher.init(); !r) {
    std::cerr << "rtmp-server: " << r.error().message() << "\n";
    return 1;
  }

  std::vector<rtmp::relay::PullSource> pull_sources;
  for (const auto& u : pull_urls) pull_sources.push_back({u, {}});
  rtmp::relay::Puller puller(ioc, relay, std::move(pull_sources));
  if (auto r = puller.init(); !r) {
    std::cerr << "rtmp-server: " << r.error().message() << "\n";
    return 1;
  }

  // Housekeeping: relay timers, stats.
  asio::steady_timer ticker(ioc);
  auto last_stats_file = rtmp::Clock::now();
  auto last_stats_log = rtmp::Clock::now();
  std::function<void()> tick = [&] {
    ticker.expires_after(250ms);
    ticker.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      auto now = rtmp::Clock::now();
      relay.tick(now);
      if (hls) hls->tick(now);
      pusher.tick(now);
      puller.tick(now);
      if (!stats_file.empty() && now - last_stats_file >= 1s) {
        last_stats_file = now;
        auto text = rtmp::relay::to_json(relay.stats(now)).dump(2);
        if (!write_stats_file(stats_file, text))
          spdlog::warn("rtmp-server: cannot write stats file {}", stats_file);
      }
      if (stats_interval > 0 && now - last_stats_log >= ms_from_seconds(stats_interval)) {
        last_stats_log = now;
        for (const auto& s : relay.stats(now, false))
          spdlog::info(
              "relay: stats app={} key={} live={} players={} fps={:.1f} "
              "kbps_in={:.0f} kbps_out={:.0f} frames_dropped={} slow_disconnects={}",
              s.app, s.key, s.live, s.players, s.fps, s.bitrate_in_kbps, s.bitrate_out_kbps,
              s.frames_dropped, s.players_dropped_slow);
      }
      tick();
    });
  };
  tick();

  // A recording that hits a file-size limit (ulimit -f) must fail that write with EFBIG, not
  // kill the relay with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  // SIGINT/SIGTERM: graceful stop. SIGHUP: reload the key file.
  std::promise<int> stop_signal;
  auto stopped = stop_signal.get_future();
  asio::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
  std::atomic<bool> stopping{false};
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        if (auto r = relay.reload_keys(); !r) spdlog::error("rtmp-server: {}", r.error().message());
      } else if (!stopping.exchange(true)) {
        stop_signal.set_value(sig);
      } else {
        spdlog::warn("rtmp-server: second signal: exiting now");
        std::_Exit(1);
      }
      wait_signal();
    });
  };
  wait_signal();

  auto work = asio::make_work_guard(ioc);
  unsigned n = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < n; ++i) pool.emplace_back([&ioc] { ioc.run(); });

  int sig = stopped.get();
  spdlog::info("rtmp-server: {}: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  // Players get StreamEOF + UnpublishNotify and close once it is written; recordings close.
  pusher.stop();
  if (hls) hls->stop();
  puller.stop();
  auto sessions = [&] {
    std::size_t total = 0;
    for (auto& s : servers) total += s->session_count();
    return total;
  };
  if (reconnect_on_stop) {
    // Clients that speak Enhanced RTMP move elsewhere while they are still served.
    for (auto& s : servers) s->request_reconnect(reconnect_url, "server stopping");
    auto grace = rtmp::Clock::now() + 5s;
    while (sessions() > 0 && rtmp::Clock::now() < grace) std::this_thread::sleep_for(20ms);
  }
  relay.shutdown("server stopping");
  auto deadline = rtmp::Clock::now() + 3s;
  while (sessions() > 0 && rtmp::Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  for (auto& s : servers) s->stop();  // closes listeners and whatever is left
  if (http) http->stop();
  deadline = rtmp::Clock::now() + 2s;
  while (sessions() > 0 && rtmp::Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  asio::post(ioc, [&] {
    ticker.cancel();
    signals.cancel();
  });
  work.reset();
  ioc.stop();
  for (auto& t : pool) t.join();
  servers.clear();
  spdlog::info("rtmp-server: stopped");
  return 0;
}
