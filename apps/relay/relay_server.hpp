// rtmp-server as an object: the relay with its RTMP listeners, HTTP outputs, HLS, push/pull,
// auth callbacks, stats and housekeeping timer, on its own io_context and thread pool.
//
//   RelayServerConfig config;
//   config.rtmp.port = 0;
//   config.rtmp.binds = {"127.0.0.1"};
//   auto server = RelayServer::start(std::move(config));
//   if (!server) fail(server.error());
//   (*server)->listeners()[0].port;  ...  (*server)->stop();
//
// Lifetime: start() runs the threads; stop() (or the destructor) ends every session
// gracefully (players get StreamEOF + UnpublishNotify, recordings close), then joins them.
//
// Thread safety: reload(), request_stop() and the accessors from any thread; wait() and
// stop() from one controlling thread, never from the server's own threads.
#pragma once

#include "relay/relay_server_config.hpp"
#include "rtmp/error.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rtmp::relay {

class Relay;

class RelayServer {
 public:
  // Errors: what Relay::init, rtmp::Server::start, HttpServer::start, HttpAuth::init,
  // Pusher::init and Puller::init return (bad addresses, ports in use, unreadable files, bad
  // URLs); nothing keeps running after an error.
  static Result<std::unique_ptr<RelayServer>> start(RelayServerConfig config);
  ~RelayServer();
  RelayServer(const RelayServer&) = delete;
  RelayServer& operator=(const RelayServer&) = delete;

  struct Listener {
    std::string bind;  // as configured ("" = all)
    std::uint16_t port = 0;
    std::uint16_t tls_port = 0;  // 0: no RTMPS
  };
  const std::vector<Listener>& listeners() const noexcept { return listeners_; }
  // 0 when the HTTP port is off.
  std::uint16_t http_port() const noexcept;
  // 0 when the HTTPS port is off.
  std::uint16_t https_port() const noexcept;

  // Re-reads the publish key file; the old keys stay on error.
  Result<void> reload();
  // Blocks until a stop signal (with handle_signals: SIGINT or SIGTERM; SIGHUP reloads) or
  // request_stop(); returns the signal number, 0 for request_stop().
  int wait();
  void request_stop();
  // Graceful stop (see above); idempotent.
  void stop();

  Relay& relay() noexcept;

  struct Impl;

 private:
  explicit RelayServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::vector<Listener> listeners_;
};

}  // namespace rtmp::relay
