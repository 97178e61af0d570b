// Command-line options shared by the client tools (rtmp-publish, rtmp-play, rtmp-probe URL).
#pragma once

#include "rtmp/client.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

namespace rtmp::tools {

struct ClientCli {
  double timeout = 10;  // seconds: connect, handshake, and each wait for the server
  bool no_tls_verify = false;
  std::string ca_file;
  std::string flash_ver;

  void add(CLI::App& app) {
    app.add_option("--timeout", timeout,
                   "Seconds to wait for connect, handshake and each server answer (and, when "
                   "playing, for media)")
        ->check(CLI::PositiveNumber);
    app.add_flag("--no-tls-verify", no_tls_verify,
                 "rtmps: accept any server certificate (like ffmpeg -tls_verify 0)");
    app.add_option("--ca-file", ca_file, "rtmps: PEM file of trusted CAs (default: system store)");
    app.add_option("--flash-ver", flash_ver, "flashVer sent in connect");
  }
  void apply(ClientOptions& o) const {
    auto ms = std::chrono::milliseconds(static_cast<long long>(timeout * 1000));
    o.connect_timeout = o.handshake_timeout = o.read_timeout = ms;
    o.tls_verify = !no_tls_verify;
    o.tls_ca_file = ca_file;
    if (!flash_ver.empty()) o.flash_ver = flash_ver;
  }
};

}  // namespace rtmp::tools
