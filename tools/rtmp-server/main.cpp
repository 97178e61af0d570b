// rtmp-server: the live relay. Publishers push rtmp://HOST/APP/KEY, any number of players
// play the same URL. See --help (options.cpp), and apps/relay/ for the behaviour
// (relay_server.hpp runs it all).
//
// Threads: one io_context run by --threads threads (default: one per core). Every connection
// lives on its own strand; a published message is encoded once on the publisher's strand and
// handed by reference to each player's strand (apps/relay/stream.hpp).
#include "options.hpp"
#include "relay/relay_server.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdint>
#include <iostream>

#include <sys/resource.h>

namespace {

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

// Tests read the ports from these lines (--port 0).
void announce(const rtmp::relay::RelayServer& server) {
  for (const auto& l : server.listeners()) {
    std::cerr << "rtmp-server: listening on "
              << (l.bind.empty()                          ? std::string("[::]")
                  : l.bind.find(':') != std::string::npos ? "[" + l.bind + "]"
                                                          : l.bind)
              << ":" << l.port << std::endl;
    if (l.tls_port != 0) std::cerr << "rtmp-server: rtmps on port " << l.tls_port << std::endl;
  }
  if (server.http_port() != 0)
    std::cerr << "rtmp-server: http on port " << server.http_port() << std::endl;
  if (server.https_port() != 0)
    std::cerr << "rtmp-server: https on port " << server.https_port() << std::endl;
}

void log_config(const rtmp::relay::RelayServerConfig& c, std::uint64_t open_files) {
  const auto& r = c.relay;
  const auto& limits = c.rtmp.limits;
  spdlog::info(
      "rtmp-server: gop_cache={} wait_for_publisher={} player_queue_bytes={} "
      "player_queue_ms={} slow_player_timeout={}s record={} publish_key_file={} "
      "max_connections={} max_message_size={} max_chunk_streams={} max_output_bytes={} "
      "open_files={}",
      r.gop.enabled ? "on" : "off",
      r.wait_for_publisher ? fmt::format("{:g}s", r.wait_for_publisher->count() / 1000.0)
                           : "forever",
      r.player_queue_bytes, r.player_queue_ms, r.slow_player_timeout.count() / 1000.0,
      r.record_dir.empty() ? "-" : r.record_dir.string(),
      r.publish_key_file.empty() ? "-" : r.publish_key_file.string(), r.max_connections,
      limits.max_message_length, limits.max_chunk_streams, limits.max_output_bytes, open_files);
}

}  // namespace

int main(int argc, char** argv) {
  rtmp_server::CommandLine cli;
  if (auto code = rtmp_server::parse_command_line(argc, argv, cli)) return *code;

  auto logger = spdlog::stderr_color_mt("rtmp-server");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(cli.log_level));

  const std::uint64_t open_files = raise_fd_limit();
  // A recording that hits a file-size limit (ulimit -f) must fail that write with EFBIG, not
  // kill the relay with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  const auto config = cli.config;
  auto server = rtmp::relay::RelayServer::start(std::move(cli.config));
  if (!server) {
    std::cerr << "rtmp-server: " << server.error().message() << "\n";
    return 1;
  }
  announce(**server);
  log_config(config, open_files);

  int sig = (*server)->wait();
  spdlog::info("rtmp-server: {}: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->stop();
  spdlog::info("rtmp-server: stopped");
  return 0;
}
