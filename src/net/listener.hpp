// Socket set-up for rtmp::Server: listening sockets, the TLS server context, peer names.
#pragma once

#include "rtmp/error.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace rtmp {

// Opens, binds (SO_REUSEADDR) and listens on `ep`; an IPv6 socket also takes IPv4 when
// `dual_stack`. Errors: address_in_use, io_error (with the address in the detail).
Result<std::unique_ptr<boost::asio::ip::tcp::acceptor>> open_acceptor(
    boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& ep, bool dual_stack);

// A TLS 1.2+ server context from PEM files: the certificate chain (leaf first) and its
// private key. Errors: invalid_argument naming the file and OpenSSL's reason.
Result<std::shared_ptr<boost::asio::ssl::context>> server_tls_context(const std::string& cert_file,
                                                                      const std::string& key_file);

// "address:port" of the peer (IPv4-mapped addresses as IPv4); empty when unknown.
std::string peer_name(const boost::asio::ip::tcp::socket& socket);

}  // namespace rtmp
