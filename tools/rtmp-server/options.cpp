// One add_*_options function per feature, each binding its flags to its part of the config;
// values that need converting (seconds, names) are converted by a step it registers, run
// after parsing. A new feature adds its own function and one call in parse_command_line.
#include "options.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <sstream>
#include <vector>

namespace rtmp_server {

namespace {

using rtmp::relay::RelayServerConfig;
using Steps = std::vector<std::function<void()>>;

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
      auto item = json_item(entry.key(), entry.value());
      if (!item.inputs.empty()) items.push_back(std::move(item));
    }
    return items;
  }

 private:
  static CLI::ConfigItem json_item(const std::string& key, const nlohmann::json& value) {
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
    return item;
  }

  CLI::ConfigTOML toml_;
};

std::chrono::milliseconds ms_from_seconds(double s) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000));
}

// An option in seconds (a double) stored as milliseconds in `target`, converted after parsing.
template <class Target>
CLI::Option* add_seconds(CLI::App& app, Steps& steps, const std::string& name, Target& target,
                         double default_seconds, const std::string& help) {
  auto seconds = std::make_shared<double>(default_seconds);
  steps.push_back([seconds, &target] {
    if constexpr (std::is_same_v<Target, std::chrono::milliseconds>)
      target = ms_from_seconds(*seconds);
    else
      target = static_cast<Target>(*seconds * 1000);
  });
  return app.add_option(name, *seconds, help);
}

void add_listen_options(CLI::App& app, RelayServerConfig& c) {
  app.add_option("--port", c.rtmp.port, "TCP port (0 = any free port)")->capture_default_str();
  app.add_option("--bind", c.rtmp.binds,
                 "Address to listen on, repeatable (default: 0.0.0.0 and [::])");
  app.add_option("--threads", c.rtmp.threads, "I/O threads (0 = one per core)")
      ->capture_default_str();
  app.add_option("--chunk-size", c.rtmp.chunk_size, "Outgoing RTMP chunk size")
      ->check(CLI::Range(128u, 65536u))
      ->capture_default_str();
  app.add_flag("--reconnect-on-stop", c.stop.reconnect_on_stop,
               "On SIGINT/SIGTERM first send Enhanced RTMP NetConnection.Connect.ReconnectRequest "
               "to every client and give them 5 s to leave");
  app.add_option("--reconnect-url", c.stop.reconnect_url,
                 "tcUrl sent in the ReconnectRequest (default: the one each client used)");
}

void add_relay_options(CLI::App& app, RelayServerConfig& c, Steps& steps) {
  auto& r = c.relay;
  auto caps = std::make_shared<std::string>("enforce");
  app.add_option("--player-caps", *caps,
                 "enforce: players get only the codecs/tracks their connect announced (legacy "
                 "players: track 0 of legacy codecs); ignore: forward everything to everyone")
      ->check(CLI::IsMember({"enforce", "ignore"}))
      ->capture_default_str();
  auto gop = std::make_shared<std::string>("on");
  app.add_option("--gop-cache", *gop,
                 "on: a new player starts with the current GOP; off: at the next keyframe")
      ->check(CLI::IsMember({"on", "off", "true", "false"}))
      ->capture_default_str();
  auto wait = std::make_shared<double>(-1);
  app.add_option("--wait-for-publisher", *wait,
                 "Seconds a player of a key that is not live waits for its publisher, then "
                 "NetStream.Play.StreamNotFound (-1 = forever, 0 = reject at once)")
      ->capture_default_str();
  steps.push_back([&r, caps, gop, wait] {
    r.enforce_player_caps = *caps == "enforce";
    r.gop.enabled = *gop == "on" || *gop == "true";
    if (*wait >= 0) r.wait_for_publisher = ms_from_seconds(*wait);
  });
  app.add_option("--player-queue-bytes", r.player_queue_bytes,
                 "Unwritten bytes per player before it skips frames to the next keyframe")
      ->capture_default_str();
  app.add_option("--player-queue-ms", r.player_queue_ms,
                 "Unwritten media milliseconds per player before it skips frames")
      ->capture_default_str();
  add_seconds(app, steps, "--slow-player-timeout", r.slow_player_timeout, 30,
              "Seconds a player may stay behind (skipping), or write nothing while data "
              "waits for it, before it is disconnected")
      ->capture_default_str();
  app.add_option("--record", r.record_dir,
                 "Record every published stream to DIR/app/key-<UTC>.flv");
  app.add_option("--publish-key-file", r.publish_key_file,
                 "Only keys listed in FILE may publish (one per line; 'app/key' or 'key')");
}

void add_connection_options(CLI::App& app, RelayServerConfig& c, Steps& steps) {
  auto& rt = c.rtmp;
  app.add_option("--socket-send-buffer", rt.socket_send_buffer,
                 "SO_SNDBUF per connection in bytes (0 = OS autotuning, up to 4 MB on Linux): "
                 "what the kernel holds for a slow player before the relay sees its backlog")
      ->capture_default_str();
  app.add_option("--audio-hold-min-players", rt.fanout_hold_min_players,
                 "Stream audience from which audio waits (up to one video frame interval) to share "
                 "the next video frame's write: fewer writes per player at scale, no added audio "
                 "latency below it (0 = always)")
      ->capture_default_str();
  app.add_option("--max-connections", c.relay.max_connections,
                 "Refuse connections past N (0 = no limit)")
      ->capture_default_str();
  add_seconds(app, steps, "--handshake-timeout", rt.limits.handshake_timeout_ms, 10,
              "Seconds to complete the handshake and send the connect command")
      ->capture_default_str();
  add_seconds(app, steps, "--idle-timeout", rt.limits.idle_timeout_ms, 60,
              "Close a publisher (or a connection that neither publishes nor plays) silent "
              "for this many seconds (0 = never)")
      ->capture_default_str();
  // Caps on what one peer can make the server hold (rtmp::Limits); a peer past one is closed
  // with a log line naming the cap.
  app.add_option("--max-message-size", rt.limits.max_message_length,
                 "Largest incoming RTMP message in bytes, checked at its chunk header before "
                 "anything is allocated (the wire allows up to 16777215)")
      ->check(CLI::Range(1024u, 16u * 1024 * 1024))
      ->capture_default_str();
  app.add_option("--max-chunk-streams", rt.limits.max_chunk_streams,
                 "Chunk streams one peer may use (FFmpeg and OBS use fewer than 10)")
      ->check(CLI::Range(8u, 65599u))
      ->capture_default_str();
  app.add_option("--max-output-bytes", rt.limits.max_output_bytes,
                 "Unread output to one peer (plus 128 bytes per queued message) past which a peer "
                 "that keeps sending requests (pings, commands) is closed")
      ->check(CLI::Range(std::size_t{64 * 1024}, std::size_t{1} << 32))
      ->capture_default_str();
}

void add_stats_options(CLI::App& app, RelayServerConfig& c, Steps& steps) {
  app.add_option("--stats-file", c.stats_file,
                 "Write per-stream stats as JSON to FILE every second (atomically replaced)");
  add_seconds(app, steps, "--stats-interval", c.stats_interval, 0,
              "Log a stats line per stream every S seconds (0 = off)")
      ->capture_default_str();
}

void add_tls_options(CLI::App& app, RelayServerConfig& c) {
  app.add_option("--tls-port", c.rtmp.tls_port,
                 "Also accept RTMPS (TLS) on this port (0 = any free port; -1 = no RTMPS)")
      ->check(CLI::Range(-1, 65535))
      ->capture_default_str();
  app.add_option("--https-port", c.http.options.https_port,
                 "Also serve every HTTP route over TLS (https://, wss://) on this port, with "
                 "--tls-cert/--tls-key (0 = any free port; -1 = no HTTPS)")
      ->check(CLI::Range(-1, 65535))
      ->capture_default_str();
  app.add_option("--tls-cert", c.rtmp.tls_cert,
                 "Certificate chain for RTMPS and HTTPS, PEM (leaf first)");
  app.add_option("--tls-key", c.rtmp.tls_key, "Private key for RTMPS and HTTPS, PEM");
}

void add_http_options(CLI::App& app, RelayServerConfig& c) {
  auto& h = c.http;
  app.add_option("--http-port", h.port,
                 "HTTP port (0 = any free port; -1 = off): HTTP-FLV and WebSocket-FLV at "
                 "/APP/KEY.flv, HLS at /APP/KEY/index.m3u8, /api/streams (JSON), /metrics")
      ->check(CLI::Range(-1, 65535))
      ->capture_default_str();
  app.add_option("--http-bind", h.bind,
                 "Address for --http-port (default: the first --bind, else all)");
  app.add_option("--http-cors-origin", h.options.cors_origin,
                 "Access-Control-Allow-Origin on HTTP answers (empty: no CORS headers)")
      ->capture_default_str();
  app.add_option("--http-max-connections", h.options.max_connections,
                 "Close HTTP connections accepted past N")
      ->capture_default_str();
}

void add_hls_options(CLI::App& app, RelayServerConfig& c, Steps& steps) {
  app.add_flag("--hls,!--no-hls", c.hls_enabled,
               "HLS at http://HOST:HTTP_PORT/APP/KEY/index.m3u8 for every live stream (with "
               "--http-port)")
      ->capture_default_str();
  auto format = std::make_shared<std::string>("fmp4");
  app.add_option("--hls-format", *format, "fmp4 (CMAF, LL-HLS parts) or mpegts")
      ->check(CLI::IsMember({"fmp4", "mpegts"}))
      ->capture_default_str();
  auto segment_seconds = std::make_shared<double>(2);
  app.add_option("--hls-segment-seconds", *segment_seconds, "HLS segment target duration")
      ->check(CLI::Range(0.5, 60.0))
      ->capture_default_str();
  auto& o = c.hls.options;
  o.window = 7;
  app.add_option("--hls-window", o.window, "HLS segments kept in the playlist")
      ->check(CLI::Range(std::size_t{2}, std::size_t{1000}))
      ->capture_default_str();
  auto part_ms = std::make_shared<int>(200);
  app.add_option("--hls-part-ms", *part_ms,
                 "LL-HLS part duration in ms (fmp4; 0 = no LL-HLS: segments only)")
      ->check(CLI::Range(0, 5000))
      ->capture_default_str();
  app.add_option("--hls-dir", c.hls.dir,
                 "Also write HLS files to DIR/APP/KEY/ (atomic renames) for nginx or a CDN");
  steps.push_back([&o, format, segment_seconds, part_ms] {
    const bool mpegts = *format == "mpegts";
    o.container = mpegts ? rtmp::hls::Container::mpegts : rtmp::hls::Container::fmp4;
    o.target_ms = static_cast<std::int64_t>(*segment_seconds * 1000);
    o.low_latency = *part_ms > 0 && !mpegts;
    if (*part_ms > 0) o.part_target_ms = *part_ms;
  });
}

void add_http_page_options(CLI::App& app, RelayServerConfig& c, Steps& steps) {
  app.add_option("--http-www", c.http.www,
                 "Serve the browser player page from DIR at /player.html (default: the "
                 "build tree's browser/www or PREFIX/share/rtmpcxx/www beside the binary)");
  app.add_option("--api-token", c.http.options.api_token,
                 "Require TOKEN (Authorization: Bearer, or the dashboard's login) for /api/*, "
                 "/stat, /metrics and the dashboard at /; enables the kick endpoints");
  add_seconds(app, steps, "--http-request-timeout", c.http.options.request_timeout, 10,
              "Seconds for an HTTP request's headers to arrive (slow clients are closed); "
              "idle keep-alive connections close after 30")
      ->capture_default_str();
}

void add_push_pull_options(CLI::App& app, RelayServerConfig& c, Steps& steps) {
  auto push_urls = std::make_shared<std::vector<std::string>>();
  auto push_pattern = std::make_shared<std::string>();
  auto pull_urls = std::make_shared<std::vector<std::string>>();
  app.add_option("--push", *push_urls,
                 "Re-publish every live stream to rtmp[s]://HOST[:PORT]/APP/KEY (repeatable; "
                 "reconnects with back-off)");
  app.add_option("--push-pattern", *push_pattern,
                 "Only push streams whose 'app/key' matches this regex (default: all)");
  app.add_option("--pull", *pull_urls,
                 "Edge: a player of a key not live here gets it played from "
                 "rtmp[s]://ORIGIN[:PORT]/APP/KEY (first URL that applies)");
  steps.push_back([&c, push_urls, push_pattern, pull_urls] {
    for (const auto& u : *push_urls) c.push.push_back({u, *push_pattern});
    for (const auto& u : *pull_urls) c.pull.push_back({u, {}});
  });
}

void add_record_options(CLI::App& app, RelayServerConfig& c, Steps& steps) {
  auto& rec = c.relay.record;
  auto format = std::make_shared<std::string>("flv");
  auto split_seconds = std::make_shared<double>(0);
  app.add_option("--record-format", *format,
                 "--record files: flv, or mp4 (fragmented: playable while written and after "
                 "a crash up to the last fragment)")
      ->check(CLI::IsMember({"flv", "mp4"}))
      ->capture_default_str();
  app.add_option("--record-split-seconds", *split_seconds,
                 "mp4: start a new file at the first keyframe after this many seconds (0: never)");
  app.add_option("--record-split-bytes", rec.split_bytes,
                 "mp4: start a new file at the first keyframe once a file has this many bytes "
                 "(0: never)");
  steps.push_back([format, split_seconds, &rec] {
    rec.format = *format == "mp4" ? rtmp::relay::RecordFormat::mp4 : rtmp::relay::RecordFormat::flv;
    rec.split_seconds = std::chrono::seconds(static_cast<std::int64_t>(*split_seconds));
  });
}

void add_webhook_options(CLI::App& app, RelayServerConfig& c, Steps& steps) {
  auto& w = c.webhooks;
  app.add_option("--on-publish-done", w.on_publish_done,
                 "When a publish ends, POST call=publish_done, app, name, addr, clientid, "
                 "duration, bytes, frames (form) to this http:// URL (nginx-rtmp "
                 "on_publish_done); retried 3 times with back-off, off the media path");
  app.add_option("--on-play-done", w.on_play_done, "The same when a play ends (play_done)");
  app.add_option("--on-record-done", w.on_record_done,
                 "The same when a recording file is finished, split or stopped by an error "
                 "(record_done, with path and error)");
  add_seconds(app, steps, "--webhook-timeout", w.timeout, 5,
              "Seconds one webhook POST may take before it is retried")
      ->capture_default_str();
}

void add_auth_options(CLI::App& app, RelayServerConfig& c, Steps& steps) {
  app.add_option("--on-publish", c.callbacks.on_publish,
                 "Before a publish, POST call/app/name/addr/clientid/tcurl (form) to this "
                 "http:// URL: 2xx allows, else rejected with the body (nginx-rtmp on_publish)");
  app.add_option("--on-play", c.callbacks.on_play, "The same check before a play");
  add_seconds(app, steps, "--auth-timeout", c.callbacks.timeout, 5,
              "Seconds to wait for --on-publish/--on-play answers (then rejected)")
      ->capture_default_str();
}

void add_takeover_options(CLI::App& app, RelayServerConfig& c, Steps& steps) {
  using Takeover = rtmp::relay::RelayConfig::Takeover;
  auto mode = std::make_shared<std::string>("stale");
  app.add_option("--publisher-takeover", *mode,
                 "A publish of a live key replaces its publisher: off (rejected, BadName), stale "
                 "(when it sent nothing for --takeover-stale-ms) or always; players stay")
      ->check(CLI::IsMember({"off", "stale", "always"}))
      ->capture_default_str();
  auto stale_ms = std::make_shared<std::int64_t>(2000);
  app.add_option("--takeover-stale-ms", *stale_ms,
                 "Milliseconds without data after which a publisher is stale")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  steps.push_back([&r = c.relay, mode, stale_ms] {
    r.publisher_takeover = *mode == "off"      ? Takeover::off
                           : *mode == "always" ? Takeover::always
                                               : Takeover::stale;
    r.takeover_stale = std::chrono::milliseconds(*stale_ms);
  });
}

}  // namespace

std::optional<int> parse_command_line(int argc, char** argv, CommandLine& out) {
  CLI::App app{
      "rtmp-server: live RTMP relay. Publish to rtmp://HOST/APP/KEY (ffmpeg, OBS); any number "
      "of players play the same URL."};
  app.config_formatter(std::make_shared<JsonOrTomlConfig>());
  app.set_config("--config", "", "Config file: JSON object or TOML, keys = long option names");
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error

  auto& c = out.config;
  Steps steps;
  add_listen_options(app, c);
  add_relay_options(app, c, steps);
  add_connection_options(app, c, steps);
  add_stats_options(app, c, steps);
  add_tls_options(app, c);
  add_http_options(app, c);
  add_hls_options(app, c, steps);
  add_http_page_options(app, c, steps);
  add_push_pull_options(app, c, steps);
  add_auth_options(app, c, steps);
  add_takeover_options(app, c, steps);
  add_record_options(app, c, steps);
  add_webhook_options(app, c, steps);
  app.add_option("--log-level", out.log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& step : steps) step();
  c.http.argv0 = argv[0];
  c.handle_signals = true;
  return std::nullopt;
}

}  // namespace rtmp_server
