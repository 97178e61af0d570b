#include "net/server_impl.hpp"

#include "net/connection.hpp"
#include "net/handler_guard.hpp"
#include "net/listener.hpp"
#include "net/log.hpp"

#include <future>

namespace rtmp::net {

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

Result<void> ServerImpl::listen(const tcp::endpoint& ep, bool dual_stack, bool tls) {
  auto acc = open_acceptor(*ioc_, ep, dual_stack);
  if (!acc) return acc.error();
  (tls ? tls_port_ : port_) = (*acc)->local_endpoint().port();
  acceptors_.push_back(std::move(*acc));
  acceptor_tls_.push_back(tls);
  return {};
}

Result<void> ServerImpl::listen_all(std::uint16_t port, bool tls) {
  if (options_.bind.empty()) {
    // One dual-stack socket serves IPv4 and IPv6; fall back to IPv4 where IPv6 is off.
    auto r = listen({tcp::v6(), port}, true, tls);
    if (!r) {
      if (r.error().code == errc::address_in_use) return r.error();
      if (auto r4 = listen({tcp::v4(), port}, false, tls); !r4) return r4.error();
    }
    return {};
  }
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(options_.bind, ec);
  if (ec) return Error(errc::invalid_argument, "bad bind address '" + options_.bind + "'");
  return listen({addr, port}, false, tls);
}

Result<void> ServerImpl::load_tls() {
  auto ctx = server_tls_context(options_.tls_cert_file, options_.tls_key_file);
  if (!ctx) return ctx.error();
  tls_ctx_ = std::move(*ctx);
  return {};
}

Result<void> ServerImpl::open() {
  if (!options_.handler) return Error(errc::invalid_argument, "ServerOptions::handler is required");
  if (options_.chunk_size == 0 || options_.chunk_size > 0x7FFFFFFF)
    return Error(errc::invalid_argument, "chunk_size must be 1..2147483647");
  if (options_.io_context) {
    ioc_ = options_.io_context;
  } else {
    own_ioc_ = std::make_unique<asio::io_context>();
    ioc_ = own_ioc_.get();
  }
  if (options_.tls_port)
    if (auto r = load_tls(); !r) return r.error();
  if (auto r = listen_all(options_.port, false); !r) return r.error();
  if (options_.tls_port)
    if (auto r = listen_all(*options_.tls_port, true); !r) return r.error();
  for (std::size_t i = 0; i < acceptors_.size(); ++i)
    asio::co_spawn(*ioc_, accept_loop(*acceptors_[i], acceptor_tls_[i]), asio::detached);
  if (own_ioc_) {
    unsigned n =
        options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    work_.emplace(own_ioc_->get_executor());
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { own_ioc_->run(); });
  }
  return {};
}

asio::awaitable<void> ServerImpl::accept_loop(tcp::acceptor& acceptor, bool tls) {
  for (;;) {
    Strand strand = asio::make_strand(ioc_->get_executor());
    tcp::socket socket(strand);
    auto [ec] = co_await acceptor.async_accept(socket, use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      logging::warn("accept: {}", ec.message());
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec.value() == ENOMEM ||
          ec == asio::error::no_buffer_space) {
        // Out of descriptors: retrying at once would spin and flood the log; wait for some
        // connections to end.
        asio::steady_timer pause(ioc_->get_executor(), std::chrono::milliseconds(100));
        co_await pause.async_wait(use_tuple);
      }
      continue;
    }
    HandlerGuard guard;
    guard.set_name("server: connection from " + peer_name(socket));
    std::unique_ptr<Handler> handler;
    guard.call("handler factory", [&] { handler = options_.handler(options_.handler_options); });
    if (!handler) {
      // No handler, no session: the peer is closed at once (a reset if it already sent).
      if (!guard.failed()) logging::warn("server: the handler factory returned no handler");
      continue;
    }
    auto conn = manager_->add([&] {
      return std::make_shared<Connection>(manager_, strand, std::move(socket), std::move(handler),
                                          next_id_++, options_, tls ? tls_ctx_ : nullptr);
    });
    if (!conn) co_return;  // stopping
    conn->start();
  }
}

void ServerImpl::request_reconnect(std::string tc_url, std::string description) {
  for (auto& c : manager_->snapshot())
    c->post("request_reconnect", [tc_url, description](Connection& k) {
      k.session().send_reconnect_request(tc_url, description);
    });
}

void ServerImpl::stop() {
  if (stopped_.exchange(true)) return;
  manager_->begin_stop();
  if (!ioc_) return;
  if (own_ioc_ && threads_.empty()) {  // open() failed before any thread started
    acceptors_.clear();
    return;
  }
  // Acceptors belong to the io_context: close them on it.
  auto closed = std::make_shared<std::promise<void>>();
  auto closed_f = closed->get_future();
  asio::post(*ioc_, [this, closed] {
    for (auto& a : acceptors_) {
      boost::system::error_code ec;
      a->close(ec);
    }
    closed->set_value();
  });
  auto stop_all = [manager = manager_] {
    for (auto& c : manager->snapshot()) c->post_stop(Error(errc::closed, "server stopping"));
  };
  if (options_.reconnect_on_stop) {
    // E-RTMP "Reconnect Request": the old server keeps serving until the client leaves.
    request_reconnect(options_.reconnect_tc_url, "The server is shutting down.");
    if (!own_ioc_) {
      // The caller's io_context: end the rest when the grace period is over, without
      // blocking the caller (who may be on that io_context).
      auto timer = std::make_shared<asio::steady_timer>(*ioc_, options_.reconnect_grace);
      timer->async_wait([timer, stop_all](const boost::system::error_code&) { stop_all(); });
      return;
    }
    manager_->wait_empty(options_.reconnect_grace);
  }
  stop_all();
  if (!own_ioc_) return;  // the caller's io_context runs the rest
  closed_f.wait();
  manager_->wait_empty(std::chrono::seconds(10));
  work_.reset();
  own_ioc_->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  acceptors_.clear();
  manager_->close_handles();  // before ~ServerImpl lets own_ioc_ go
}

}  // namespace rtmp::net

namespace rtmp {

Result<std::unique_ptr<Server>> Server::start(ServerOptions options) {
  auto server = std::make_unique<net::ServerImpl>(std::move(options));
  if (auto r = server->open(); !r) {
    return r.error();
  }
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace rtmp
