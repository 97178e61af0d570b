// rtmp-server's command line and --config file (JSON or TOML) → RelayServerConfig.
#pragma once

#include "relay/relay_server_config.hpp"

#include <optional>
#include <string>

namespace rtmp_server {

struct CommandLine {
  rtmp::relay::RelayServerConfig config;
  std::string log_level = "info";
};

// Parses argv into `out`. Returns nullopt to run the server, else the exit code (after
// --help, --version or an error, which CLI11 has already printed).
std::optional<int> parse_command_line(int argc, char** argv, CommandLine& out);

}  // namespace rtmp_server
