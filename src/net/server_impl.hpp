// rtmp::Server's implementation (the Asio examples' server): the listening sockets and
// their accept loops, the io_context and its threads (or the caller's io_context), the
// ConnectionManager, and stop() with the optional reconnect-request grace period.
#pragma once

#include "net/connection_manager.hpp"
#include "rtmp/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace rtmp::net {

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(ServerOptions options) : options_(std::move(options)) {}
  ~ServerImpl() override { stop(); }

  Result<void> open();
  std::uint16_t port() const noexcept override { return port_; }
  std::uint16_t tls_port() const noexcept override { return tls_port_; }
  void stop() override;
  void request_reconnect(std::string tc_url, std::string description) override;
  std::size_t session_count() const noexcept override { return manager_->size(); }
  const ServerOptions& options() const { return options_; }

 private:
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor, bool tls);
  Result<void> listen(const boost::asio::ip::tcp::endpoint& ep, bool dual_stack, bool tls);
  Result<void> listen_all(std::uint16_t port, bool tls);
  Result<void> load_tls();

  ServerOptions options_;
  std::unique_ptr<boost::asio::io_context> own_ioc_;
  boost::asio::io_context* ioc_ = nullptr;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::vector<bool> acceptor_tls_;  // parallel to acceptors_
  std::shared_ptr<boost::asio::ssl::context> tls_ctx_;
  std::vector<std::thread> threads_;
  std::shared_ptr<ConnectionManager> manager_ = std::make_shared<ConnectionManager>();
  std::atomic<std::uint64_t> next_id_{1};
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace rtmp::net
