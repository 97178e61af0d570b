#include "net/listener.hpp"

#include <boost/asio/ip/v6_only.hpp>

namespace rtmp {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

Result<std::unique_ptr<tcp::acceptor>> open_acceptor(asio::io_context& ioc, const tcp::endpoint& ep,
                                                     bool dual_stack) {
  auto acc = std::make_unique<tcp::acceptor>(ioc);
  boost::system::error_code ec;
  acc->open(ep.protocol(), ec);
  if (!ec && ep.address().is_v6()) acc->set_option(asio::ip::v6_only(!dual_stack), ec);
  if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    auto where = ep.address().to_string() + " port " + std::to_string(ep.port());
    if (ec == asio::error::address_in_use)
      return Error(errc::address_in_use, where + ": " + ec.message());
    return Error(errc::io_error, "listen on " + where + ": " + ec.message());
  }
  return acc;
}

Result<std::shared_ptr<ssl::context>> server_tls_context(const std::string& cert_file,
                                                         const std::string& key_file) {
  if (cert_file.empty() || key_file.empty())
    return Error(errc::invalid_argument, "tls_port needs tls_cert_file and tls_key_file");
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 and later only; SSLv2/3, TLS 1.0/1.1 are off.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec)
    return Error(errc::invalid_argument,
                 "TLS certificate file '" + cert_file + "': " + ec.message());
  // OpenSSL checks that the key matches the certificate loaded above.
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return Error(errc::invalid_argument, "TLS key file '" + key_file + "': " + ec.message());
  return ctx;
}

std::string peer_name(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return {};
  auto addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  return addr.to_string() + ":" + std::to_string(ep.port());
}

}  // namespace rtmp
