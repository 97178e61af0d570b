#include "relay/http_stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>

namespace rtmp::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

Result<std::shared_ptr<ssl::context>> https_context(const std::string& cert_file,
                                                    const std::string& key_file) {
  if (cert_file.empty() || key_file.empty())
    return Error(errc::invalid_argument, "HTTPS needs a TLS certificate file and key file");
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 and later only, as for RTMPS.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec)
    return Error(errc::invalid_argument,
                 "HTTPS certificate file '" + cert_file + "': " + ec.message());
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);  // OpenSSL checks the pair
  if (ec)
    return Error(errc::invalid_argument, "HTTPS key file '" + key_file + "': " + ec.message());
  return ctx;
}

asio::awaitable<boost::system::error_code> tls_handshake(TlsStream& stream,
                                                         std::chrono::milliseconds timeout) {
  // The TCP stream's timer bounds the whole handshake: a peer that connects and sends
  // nothing (or half a ClientHello) costs at most `timeout`.
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
  beast::get_lowest_layer(stream).expires_never();
  co_return ec;
}

std::string tls_handshake_failure(const boost::system::error_code& ec,
                                  std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout)
    return "no TLS handshake within " + std::to_string(timeout.count()) + " ms";
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated)
    return "closed during the TLS handshake";
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST)
    return "plain HTTP request on the HTTPS port";
  return "TLS handshake failed: " + ec.message();
}

asio::awaitable<void> close_stream(PlainStream& stream, std::chrono::milliseconds) {
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  co_return;
}

asio::awaitable<void> close_stream(TlsStream& stream, std::chrono::milliseconds timeout) {
  // close_notify tells the peer the data ended here, not truncated; the wait for its reply
  // is bounded, as many clients close without one.
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await stream.async_shutdown(use_tuple);
  boost::system::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace rtmp::relay
