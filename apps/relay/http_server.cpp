#include "relay/http_server.hpp"

#include "relay/http_metrics.hpp"
#include "relay/stats_json.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

namespace rtmp::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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
  HttpRoutes routes;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::uint16_t port = 0;
  std::atomic<bool> stopped{false};

  Impl(asio::io_context& c, HttpRoutes r) : ioc(c), routes(std::move(r)) {}

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
      auto ex = socket.get_executor();
      asio::co_spawn(ex, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      stream.expires_after(std::chrono::seconds(30));
      http::request_parser<http::string_body> parser;
      parser.header_limit(8 * 1024);
      parser.body_limit(64 * 1024);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
      if (ec) break;  // closed, timed out or malformed: nothing more to say
      const auto& req = parser.get();
      HttpReply reply;
      try {
        reply = routes(std::string_view(req.method_string()), std::string_view(req.target()));
      } catch (const std::exception& e) {
        reply = {500, "text/plain; charset=utf-8", std::string(e.what()) + "\n"};
      }
      http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
      res.set(http::field::server, "rtmp-server");
      res.set(http::field::content_type, reply.content_type);
      res.set(http::field::cache_control, "no-store");
      res.keep_alive(req.keep_alive() && !stopped);
      res.body() = std::move(reply.body);
      res.prepare_payload();
      if (req.method() == http::verb::head) res.body().clear();  // length stays prepared
      auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
      if (wec || !res.keep_alive()) break;
    }
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& ioc,
                                                      const std::string& bind, std::uint16_t port,
                                                      HttpRoutes routes) {
  auto impl = std::make_shared<Impl>(ioc, std::move(routes));
  if (bind.empty()) {
    auto r = impl->listen({tcp::v6(), port}, true);
    if (!r) {
      if (r.error().code == errc::address_in_use) return r.error();
      if (auto r4 = impl->listen({tcp::v4(), port}, false); !r4) return r4.error();
    }
  } else {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(bind, ec);
    if (ec) return Error(errc::invalid_argument, "HTTP: bad bind address '" + bind + "'");
    if (auto r = impl->listen({addr, port}, false); !r) return r.error();
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
  if (impl_->stopped.exchange(true)) return;
  // Acceptors belong to the io_context: close them on it.
  asio::post(impl_->ioc, [impl = impl_] {
    for (auto& a : impl->acceptors) {
      boost::system::error_code ec;
      a->close(ec);
    }
  });
}

}  // namespace rtmp::relay
