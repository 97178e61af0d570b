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
  bool legacy = false;  // players: connect without Enhanced RTMP caps

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
  // Players (rtmp-play, rtmp-probe): --legacy.
  void add_player(CLI::App& app) {
    add(app);
    app.add_flag("--legacy", legacy,
                 "Connect as a legacy player (no fourCcList / capsEx): a relay then sends the "
                 "default tracks with legacy headers, or refuses codecs legacy RTMP lacks");
  }
  // What a player announces unless --legacy: any codec ("*" in fourCcList, for v1 servers,
  // and in the info maps) and multitrack, ModEx and nanosecond offsets, so a relay sends the
  // stream as published (the tools write or print it as received). No Reconnect: the tools
  // do not reconnect.
  void apply_player(ClientOptions& o) const {
    apply(o);
    if (legacy) {
      o.caps = {};
      return;
    }
    o.caps = ConnectCaps::forwarder();
    o.caps.caps_ex &= ~caps_ex::reconnect;
    o.caps.fourcc_list = {"*"};
    for (auto* map : {&o.caps.video_fourcc_info, &o.caps.audio_fourcc_info})
      (*map)["*"] |= fourcc_info::can_decode | fourcc_info::can_forward;
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
