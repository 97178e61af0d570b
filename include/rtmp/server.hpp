// rtmp::Server: accepts RTMP connections and hands each to its own Handler.
//
//   rtmp::ServerOptions opts;
//   opts.port = 0;                                   // any free port
//   opts.handler = [](const std::any&) { return std::make_unique<MyHandler>(); };
//   auto server = rtmp::Server::start(std::move(opts));
//   if (!server) { log(server.error().message()); }
//   (*server)->port();  ...  (*server)->stop();
#pragma once

#include "rtmp/core/connect_caps.hpp"
#include "rtmp/core/limits.hpp"
#include "rtmp/error.hpp"
#include "rtmp/handler.hpp"

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace rtmp {

using HandlerFactory = std::function<std::unique_ptr<Handler>(const std::any& handler_options)>;

struct ServerOptions {
  std::uint16_t port = 1935;  // 0 = any free port; Server::port() tells which
  std::string bind;           // address to listen on; empty = all IPv4 and IPv6
  HandlerFactory handler;     // required
  std::any handler_options;   // handed to every handler the factory makes
  bool demux = true;          // false: Handler::on_message gets raw messages
  Limits limits;
  std::uint32_t chunk_size = 4096;  // outgoing chunk size
  unsigned threads = 0;             // 0 = hardware concurrency (own threads only)
  // Run on the caller's io_context instead of own threads (the caller runs it).
  boost::asio::io_context* io_context = nullptr;
  // SO_SNDBUF of accepted connections in bytes; 0 = the OS default (Linux autotunes it up
  // to net.ipv4.tcp_wmem's maximum, 4 MB). A bounded buffer keeps a slow reader's backlog in
  // the session's queue, where Session::pending_output() sees it, rather than in the kernel.
  std::size_t socket_send_buffer = 0;
  // Audio a handler hands to players (Session::send_encoded) while a publisher's read is
  // processed may wait up to one video frame interval, to go out in the same write as the
  // next video frame: one write per player per frame instead of one per message. Only when
  // that publisher's previous read reached at least this many players: the saving matters
  // at scale, and a small audience gets its audio without the wait. 0 = always.
  std::size_t fanout_hold_min_players = 16;
  // Enhanced RTMP capabilities put in the connect _result for clients that announced their
  // own (fourCcList, *FourCcInfoMap or capsEx); empty = none. Default: forwards any codec,
  // Reconnect, Multitrack, ModEx, TimestampNanoOffset.
  ConnectCaps enhanced_caps = ConnectCaps::forwarder();
  // Graceful stop (Enhanced RTMP v2 "Reconnect Request"): stop() first sends
  // NetConnection.Connect.ReconnectRequest to every connected session, to reconnect_tc_url
  // (empty = the tcUrl each client used), keeps serving them and waits up to reconnect_grace
  // for them to leave, then ends the rest.
  bool reconnect_on_stop = false;
  std::string reconnect_tc_url;
  std::chrono::milliseconds reconnect_grace{5000};
  // RTMPS: with tls_port set, the server also accepts TLS connections there (0 = any free
  // port; Server::tls_port() tells which), on the same bind address as the plain listener.
  // PEM files: the certificate chain (leaf first) and its private key. The handshake
  // timeout (limits.handshake_timeout_ms) covers the TLS handshake too.
  std::optional<std::uint16_t> tls_port;
  std::string tls_cert_file;
  std::string tls_key_file;
};

class Server {
 public:
  // Binds and starts accepting. Errors: invalid_argument (no handler, bad bind address,
  // bad TLS files), address_in_use, io_error.
  static Result<std::unique_ptr<Server>> start(ServerOptions options);

  virtual ~Server() = default;  // stops
  virtual std::uint16_t port() const noexcept = 0;
  // The RTMPS port; 0 when ServerOptions::tls_port is not set.
  virtual std::uint16_t tls_port() const noexcept = 0;
  // Closes the listener, ends every session (each handler gets on_disconnect) and, when
  // running on own threads, waits for handlers to finish. Idempotent.
  virtual void stop() = 0;
  // Sends NetConnection.Connect.ReconnectRequest (to tc_url; empty = the client's own
  // tcUrl) to every session past connect, without closing anything. Thread-safe.
  virtual void request_reconnect(std::string tc_url = {}, std::string description = {}) = 0;
  virtual std::size_t session_count() const noexcept = 0;
};

}  // namespace rtmp
