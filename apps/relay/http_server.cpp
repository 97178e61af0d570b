#include "relay/http_server.hpp"

#include "relay/http_connection.hpp"
#include "relay/http_metrics.hpp"
#include "relay/stats_json.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>

namespace rtmp::relay {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

HttpRoutes stats_routes(const Relay& relay) {
  return [&relay](std::string_view method, std::string_view target) -> HttpReply {
    auto path = target.substr(0, target.find('?'));
    if (path != "/api/streams" && path != "/metrics")
      return {404, "text/plain; charset=utf-8", "not found\n"};
    if (method != "GET" && method != "HEAD")
      return {405, "text/plain; charset=utf-8", "only GET\n"};
    auto stats = relay.stats(Clock::now());
    if (path == "/metrics")
      return {200, "text/plain; version=0.0.4; charset=utf-8",
              to_prometheus(stats, relay.connections())};
    return {200, "application/json", to_json(stats).dump(2) + "\n"};
  };
}

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  asio::io_context& ioc;
  std::shared_ptr<HttpContext> ctx;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::uint16_t port = 0;

  Impl(asio::io_context& c, const HttpOptions& o, Relay& r)
      : ioc(c), ctx(std::make_shared<HttpContext>(o, r)) {}

  Result<void> listen(const tcp::endpoint& ep, bool dual_stack) {
    auto acc = std::make_unique<tcp::acceptor>(ioc);
    boost::system::error_code ec;
    acc->open(ep.protocol(), ec);
    if (!ec && ep.address().is_v6()) acc->set_option(asio::ip::v6_only(!dual_stack), ec);
    if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      auto where = "HTTP on " + ep.address().to_string() + " port " + std::to_string(ep.port());
      return Error(ec == asio::error::address_in_use ? errc::address_in_use : errc::io_error,
                   where + ": " + ec.message());
    }
    port = acc->local_endpoint().port();
    acceptors.push_back(std::move(acc));
    return {};
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    auto self = shared_from_this();
    for (;;) {
      tcp::socket socket(asio::make_strand(ioc));
      auto [ec] = co_await acceptor.async_accept(socket, use_tuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;
      }
      if (ctx->connections.load() >= ctx->options.max_connections) {
        boost::system::error_code ignored;
        auto ep = socket.remote_endpoint(ignored);
        spdlog::warn("http: connection from {}:{} refused: http-max-connections {} reached",
                     ep.address().to_string(), ep.port(), ctx->options.max_connections);
        socket.close(ignored);
        continue;
      }
      auto ex = socket.get_executor();
      asio::co_spawn(ex, serve_http_connection(std::move(socket), ctx), asio::detached);
    }
  }
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& ioc,
                                                      const HttpOptions& options, Relay& relay) {
  auto impl = std::make_shared<Impl>(ioc, options, relay);
  if (options.bind.empty()) {
    auto r = impl->listen({tcp::v6(), options.port}, true);
    if (!r) {
      if (r.error().code == errc::address_in_use) return r.error();
      if (auto r4 = impl->listen({tcp::v4(), options.port}, false); !r4) return r4.error();
    }
  } else {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(options.bind, ec);
    if (ec) return Error(errc::invalid_argument, "HTTP: bad bind address '" + options.bind + "'");
    if (auto r = impl->listen({addr, options.port}, false); !r) return r.error();
  }
  for (auto& acc : impl->acceptors) asio::co_spawn(ioc, impl->accept_loop(*acc), asio::detached);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() {
  stop();
}

std::uint16_t HttpServer::port() const noexcept {
  return impl_->port;
}

void HttpServer::stop() {
  if (impl_->ctx->stopped.exchange(true)) return;
  // Acceptors belong to the io_context: close them on it.
  asio::post(impl_->ioc, [impl = impl_] {
    for (auto& a : impl->acceptors) {
      boost::system::error_code ec;
      a->close(ec);
    }
  });
}

}  // namespace rtmp::relay
