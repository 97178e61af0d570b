#include "relay/http_server.hpp"

#include "relay/http_connection.hpp"
#include "relay/http_metrics.hpp"
#include "relay/stats_json.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <nlohmann/json.hpp>

#include <map>

namespace rtmp::relay {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr const char* protocols[] = {"rtmp", "http-flv", "ws-flv", "internal"};

// HTTP players name their protocol in their remote address ("http-flv://1.2.3.4:5");
// the relay's own players (HLS output, pushes) theirs ("hls:live/k", "push:rtmp://...").
const char* protocol_of(const PlayerStats& p) {
  for (const char* proto : {"http-flv", "ws-flv"})
    if (p.remote.starts_with(std::string(proto) + "://")) return proto;
  if (p.remote.starts_with("hls:") || p.remote.starts_with("push:")) return "internal";
  return "rtmp";
}

std::map<std::string, std::size_t> players_by_protocol(const StreamStats& s) {
  std::map<std::string, std::size_t> n;
  for (const char* p : protocols) n[p] = 0;
  for (const auto& p : s.player_list) ++n[protocol_of(p)];
  return n;
}

// The stats with what only the HTTP server knows added (ctx null: the relay's alone).
HttpReply stats_answer(const Relay& relay, HttpContext* ctx, std::string_view method,
                       std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  if (path != "/api/streams" && path != "/metrics")
    return {404, "text/plain; charset=utf-8", "not found\n"};
  if (method != "GET" && method != "HEAD") return {405, "text/plain; charset=utf-8", "only GET\n"};
  const auto now = Clock::now();
  auto stats = relay.stats(now);
  std::vector<std::size_t> viewers;
  for (const auto& s : stats)
    viewers.push_back(ctx ? ctx->hls_clients.viewers(s.app + "/" + s.key, now) : 0);
  if (path == "/metrics") {
    std::string text = to_prometheus(stats, relay.connections());
    if (!ctx) return {200, "text/plain; version=0.0.4; charset=utf-8", std::move(text)};
    text += "# HELP rtmp_stream_hls_viewers Client addresses that fetched HLS in the last 30 s.\n";
    text += "# TYPE rtmp_stream_hls_viewers gauge\n";
    for (std::size_t i = 0; i < stats.size(); ++i)
      text +=
          fmt::format("rtmp_stream_hls_viewers{{app=\"{}\",key=\"{}\"}} {}\n",
                      prometheus_label(stats[i].app), prometheus_label(stats[i].key), viewers[i]);
    text += "# HELP rtmp_stream_players_by_protocol Players now, by protocol.\n";
    text += "# TYPE rtmp_stream_players_by_protocol gauge\n";
    for (const auto& s : stats)
      for (const auto& [proto, n] : players_by_protocol(s))
        text += fmt::format(
            "rtmp_stream_players_by_protocol{{app=\"{}\",key=\"{}\",protocol=\"{}\"}} {}\n",
            prometheus_label(s.app), prometheus_label(s.key), proto, n);
    text += "# HELP rtmp_http_sent_bytes_total Bytes written to HTTP players, by protocol.\n";
    text += "# TYPE rtmp_http_sent_bytes_total counter\n";
    text += fmt::format("rtmp_http_sent_bytes_total{{protocol=\"http-flv\"}} {}\n",
                        ctx->bytes_http_flv.load());
    text += fmt::format("rtmp_http_sent_bytes_total{{protocol=\"ws-flv\"}} {}\n",
                        ctx->bytes_ws_flv.load());
    text +=
        fmt::format("rtmp_http_sent_bytes_total{{protocol=\"hls\"}} {}\n", ctx->bytes_hls.load());
    text += "# HELP rtmp_http_connections HTTP and HTTPS connections open now.\n";
    text += "# TYPE rtmp_http_connections gauge\n";
    text += fmt::format("rtmp_http_connections {}\n", ctx->connections.load());
    return {200, "text/plain; version=0.0.4; charset=utf-8", std::move(text)};
  }
  // With an HTTP server, /api/streams is http_api.cpp's (viewers and bytes by protocol).
  return {200, "application/json", to_json(stats).dump(2) + "\n"};
}

}  // namespace

HttpRoutes stats_routes(const Relay& relay) {
  return [&relay](std::string_view method, std::string_view target) {
    return stats_answer(relay, nullptr, method, target);
  };
}

HttpReply stats_reply(HttpContext& ctx, std::string_view method, std::string_view target) {
  return stats_answer(ctx.relay, &ctx, method, target);
}

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  struct Listener {
    std::unique_ptr<tcp::acceptor> acceptor;
    bool tls;
  };
  asio::io_context& ioc;
  std::shared_ptr<HttpContext> ctx;
  std::shared_ptr<asio::ssl::context> tls;  // null: no HTTPS
  std::vector<Listener> listeners;
  std::uint16_t port = 0, https_port = 0;

  Impl(asio::io_context& c, const HttpOptions& o, Relay& r, HlsRegistry* h)
      : ioc(c), ctx(std::make_shared<HttpContext>(o, r, h)) {}

  Result<void> listen(const tcp::endpoint& ep, bool dual_stack, bool secure) {
    auto acc = std::make_unique<tcp::acceptor>(ioc);
    boost::system::error_code ec;
    acc->open(ep.protocol(), ec);
    if (!ec && ep.address().is_v6()) acc->set_option(asio::ip::v6_only(!dual_stack), ec);
    if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      auto where = std::string(secure ? "HTTPS" : "HTTP") + " on " + ep.address().to_string() +
                   " port " + std::to_string(ep.port());
      return Error(ec == asio::error::address_in_use ? errc::address_in_use : errc::io_error,
                   where + ": " + ec.message());
    }
    (secure ? https_port : port) = acc->local_endpoint().port();
    listeners.push_back({std::move(acc), secure});
    return {};
  }

  // One listener set (all addresses, or the bind address) for plain HTTP or HTTPS.
  Result<void> listen_on(const std::string& bind, std::uint16_t p, bool secure) {
    if (bind.empty()) {
      auto r = listen({tcp::v6(), p}, true, secure);
      if (!r) {
        if (r.error().code == errc::address_in_use) return r.error();
        if (auto r4 = listen({tcp::v4(), p}, false, secure); !r4) return r4.error();
      }
      return {};
    }
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(bind, ec);
    if (ec) return Error(errc::invalid_argument, "HTTP: bad bind address '" + bind + "'");
    return listen({addr, p}, false, secure);
  }

  asio::awaitable<void> accept_loop(Listener& l) {
    auto self = shared_from_this();
    for (;;) {
      tcp::socket socket(asio::make_strand(ioc));
      auto [ec] = co_await l.acceptor->async_accept(socket, use_tuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !l.acceptor->is_open()) co_return;
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
      if (l.tls)
        asio::co_spawn(ex, serve_https_connection(std::move(socket), ctx, tls), asio::detached);
      else
        asio::co_spawn(ex, serve_http_connection(std::move(socket), ctx), asio::detached);
    }
  }
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& ioc,
                                                      const HttpOptions& options, Relay& relay,
                                                      HlsRegistry* hls) {
  auto impl = std::make_shared<Impl>(ioc, options, relay, hls);
  if (options.plain_http)
    if (auto r = impl->listen_on(options.bind, options.port, false); !r) return r.error();
  if (options.https_port >= 0) {
    if (options.https_port > 65535)
      return Error(errc::invalid_argument,
                   "HTTPS: port " + std::to_string(options.https_port) + " out of range");
    auto tls = https_context(options.tls_cert_file, options.tls_key_file);
    if (!tls) return tls.error();
    impl->tls = std::move(*tls);
    auto p = static_cast<std::uint16_t>(options.https_port);
    if (auto r = impl->listen_on(options.bind, p, true); !r) return r.error();
  }
  for (auto& l : impl->listeners) asio::co_spawn(ioc, impl->accept_loop(l), asio::detached);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() {
  stop();
}

std::uint16_t HttpServer::port() const noexcept {
  return impl_->port;
}

std::uint16_t HttpServer::https_port() const noexcept {
  return impl_->https_port;
}

void HttpServer::stop() {
  if (impl_->ctx->stopped.exchange(true)) return;
  // Acceptors belong to the io_context: close them on it.
  asio::post(impl_->ioc, [impl = impl_] {
    for (auto& l : impl->listeners) {
      boost::system::error_code ec;
      l.acceptor->close(ec);
    }
  });
}

}  // namespace rtmp::relay
