// The byte streams an HTTP connection of HttpServer runs over: plain TCP (--http-port) and
// TLS over TCP (--https-port). The connection code (http_connection, http_flv_serve,
// http_hls) is written once as templates over the stream type and instantiated for these
// two; only the handshake and the close differ, and they live here. Internal to the HTTP
// server.
#pragma once

#include "rtmp/error.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace rtmp::relay {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

// A TLS 1.2+ server context from PEM files (the certificate chain, leaf first, and its key:
// the RTMPS ones). Errors: invalid_argument naming the file and OpenSSL's reason.
Result<std::shared_ptr<boost::asio::ssl::context>> https_context(const std::string& cert_file,
                                                                 const std::string& key_file);

// The server side of the TLS handshake, within `timeout`. The error says what failed (a
// timeout is `timeout`), for the caller's log line.
boost::asio::awaitable<boost::system::error_code> tls_handshake(TlsStream& stream,
                                                                std::chrono::milliseconds timeout);

// Ends a connection after its last response: TLS sends close_notify (waiting at most
// `timeout` for the peer's), then the TCP send side is shut down. Errors are ignored: the
// peer may be gone.
boost::asio::awaitable<void> close_stream(PlainStream& stream, std::chrono::milliseconds timeout);
boost::asio::awaitable<void> close_stream(TlsStream& stream, std::chrono::milliseconds timeout);

// What a failed TLS handshake's error means, in words for a log line ("no TLS handshake
// within 2000 ms", "not TLS (plain HTTP?)", OpenSSL's reason).
std::string tls_handshake_failure(const boost::system::error_code& ec,
                                  std::chrono::milliseconds timeout);

}  // namespace rtmp::relay
