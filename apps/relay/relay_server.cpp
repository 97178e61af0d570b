#include "relay/relay_server.hpp"

#include "relay/http_auth.hpp"
#include "relay/relay.hpp"
#include "relay/stats_json.hpp"
#include "relay/webhook.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace rtmp::relay {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

bool write_stats_file(const std::filesystem::path& path, const std::string& text) {
  // Written beside and renamed: readers never see a half-written file.
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << text << '\n';
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

// Members in destruction order (last first): the relay outlives the io_context, whose
// pending handlers may still hold sessions that refer to it.
struct RelayServer::Impl {
  explicit Impl(RelayServerConfig c) : config(std::move(c)) {}

  Result<void> start();
  Result<void> start_rtmp();
  Result<void> start_http();
  void tick();
  void log_stats(TimePoint now);
  void wait_signal();
  void signal_stop(int sig);
  std::size_t sessions() const;
  void wait_sessions(std::chrono::milliseconds limit) const;
  void stop();

  RelayServerConfig config;
  std::unique_ptr<HttpAuth> auth;
  std::shared_ptr<Webhooks> webhooks;  // its senders hold it while they run
  std::unique_ptr<Relay> relay;
  asio::io_context ioc;
  std::vector<std::unique_ptr<Server>> servers;
  std::unique_ptr<HlsRegistry> hls;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<Pusher> pusher;
  std::unique_ptr<Puller> puller;
  asio::steady_timer ticker{ioc};
  TimePoint last_stats_file = Clock::now();
  TimePoint last_stats_log = Clock::now();
  std::optional<asio::signal_set> signals;
  std::atomic<bool> stopping{false};
  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  std::optional<int> stop_signal;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> pool;
  bool stopped = false;
};

Result<void> RelayServer::Impl::start() {
  RelayConfig rc = config.relay;
  // The relay only calls it for publishes and plays, after `auth` exists (below).
  if (!config.callbacks.on_publish.empty() || !config.callbacks.on_play.empty())
    rc.authorize = [this](const RelayConfig::AuthQuery& q, std::function<void(Decision)> done) {
      if (!auth || !auth->wants(q.call)) return false;
      auth->check({q.call, q.app, q.name, q.addr, q.tc_url, q.session_id, q.protocol},
                  std::move(done));
      return true;
    };
  const bool with_auth = static_cast<bool>(rc.authorize);
  const auto& w = config.webhooks;
  if (!w.on_publish_done.empty() || !w.on_play_done.empty() || !w.on_record_done.empty()) {
    webhooks = std::make_shared<Webhooks>(ioc.get_executor(), w);
    if (auto r = webhooks->init(); !r) return r;
    rc.on_done = [hooks = webhooks](DoneEvent e) { hooks->post(std::move(e)); };
  }
  relay = std::make_unique<Relay>(std::move(rc));
  if (auto r = relay->init(); !r) return r;
  if (with_auth) {
    auth = std::make_unique<HttpAuth>(ioc.get_executor(), config.callbacks);
    if (auto r = auth->init(); !r) return r;
  }
  if (auto r = start_rtmp(); !r) return r;
  if (auto r = start_http(); !r) return r;
  pusher = std::make_unique<Pusher>(ioc, *relay, config.push);
  if (auto r = pusher->init(); !r) return r;
  puller = std::make_unique<Puller>(ioc, *relay, config.pull);
  if (auto r = puller->init(); !r) return r;
  tick();
  if (config.handle_signals) {
    signals.emplace(ioc, SIGINT, SIGTERM, SIGHUP);
    wait_signal();
  }
  work.emplace(asio::make_work_guard(ioc));
  unsigned n =
      config.rtmp.threads ? config.rtmp.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) pool.emplace_back([this] { ioc.run(); });
  return {};
}

Result<void> RelayServer::Impl::start_rtmp() {
  auto& rt = config.rtmp;
  if (rt.binds.empty()) rt.binds.emplace_back();  // all IPv4 and IPv6
  for (const auto& bind : rt.binds) {
    ServerOptions opts;
    opts.port = rt.port;
    opts.bind = bind;
    opts.demux = false;  // raw messages: relayed as received, demuxed only for codec facts
    opts.handler = relay->handler_factory();
    opts.chunk_size = rt.chunk_size;
    opts.limits = rt.limits;
    opts.io_context = &ioc;
    opts.socket_send_buffer = rt.socket_send_buffer;
    opts.fanout_hold_min_players = rt.fanout_hold_min_players;
    if (rt.tls_port >= 0) {
      opts.tls_port = static_cast<std::uint16_t>(rt.tls_port);
      opts.tls_cert_file = rt.tls_cert;
      opts.tls_key_file = rt.tls_key;
    }
    auto server = Server::start(std::move(opts));
    if (!server) return server.error();
    servers.push_back(std::move(*server));
  }
  return {};
}

Result<void> RelayServer::Impl::start_http() {
  auto& h = config.http;
  if (h.port < 0 && h.options.https_port < 0) return {};
  if (config.hls_enabled) hls = std::make_unique<HlsRegistry>(*relay, config.hls);
  HttpOptions options = h.options;
  options.bind = h.bind.empty() ? config.rtmp.binds.front() : h.bind;
  options.port = static_cast<std::uint16_t>(std::max(h.port, 0));
  options.plain_http = h.port >= 0;
  options.tls_cert_file = config.rtmp.tls_cert;  // one certificate for RTMPS and HTTPS
  options.tls_key_file = config.rtmp.tls_key;
  options.tls_handshake_timeout = options.request_timeout;
  if (auto www = StaticFiles::load_player(h.www, h.argv0.empty() ? nullptr : h.argv0.c_str()))
    options.www = *www;
  else
    spdlog::warn("http: no player page: {}", www.error().message());
  auto server = HttpServer::start(ioc, options, *relay, hls.get());
  if (!server) return server.error();
  http = std::move(*server);
  return {};
}

// Housekeeping every 250 ms: relay timers, HLS, push/pull, stats.
void RelayServer::Impl::tick() {
  ticker.expires_after(250ms);
  ticker.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    auto now = Clock::now();
    relay->tick(now);
    if (hls) hls->tick(now);
    pusher->tick(now);
    puller->tick(now);
    log_stats(now);
    tick();
  });
}

void RelayServer::Impl::log_stats(TimePoint now) {
  if (!config.stats_file.empty() && now - last_stats_file >= 1s) {
    last_stats_file = now;
    auto text = to_json(relay->stats(now)).dump(2);
    if (!write_stats_file(config.stats_file, text))
      spdlog::warn("rtmp-server: cannot write stats file {}", config.stats_file.string());
  }
  if (config.stats_interval > 0ms && now - last_stats_log >= config.stats_interval) {
    last_stats_log = now;
    for (const auto& s : relay->stats(now, false))
      spdlog::info(
          "relay: stats app={} key={} live={} players={} fps={:.1f} "
          "kbps_in={:.0f} kbps_out={:.0f} frames_dropped={} slow_disconnects={}",
          s.app, s.key, s.live, s.players, s.fps, s.bitrate_in_kbps, s.bitrate_out_kbps,
          s.frames_dropped, s.players_dropped_slow);
  }
}

// SIGINT/SIGTERM: graceful stop (a second one exits at once). SIGHUP: reload the key file.
void RelayServer::Impl::wait_signal() {
  signals->async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      if (auto r = relay->reload_keys(); !r) spdlog::error("rtmp-server: {}", r.error().message());
    } else if (stopping.load()) {
      spdlog::warn("rtmp-server: second signal: exiting now");
      std::_Exit(1);
    } else {
      signal_stop(sig);
    }
    wait_signal();
  });
}

void RelayServer::Impl::signal_stop(int sig) {
  std::lock_guard lock(stop_mutex);
  if (stop_signal) return;
  stop_signal = sig;
  stopping = true;
  stop_cv.notify_all();
}

std::size_t RelayServer::Impl::sessions() const {
  std::size_t total = 0;
  for (const auto& s : servers) total += s->session_count();
  return total;
}

void RelayServer::Impl::wait_sessions(std::chrono::milliseconds limit) const {
  auto deadline = Clock::now() + limit;
  while (sessions() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
}

void RelayServer::Impl::stop() {
  if (stopped) return;
  stopped = true;
  stopping = true;
  // Players get StreamEOF + UnpublishNotify and close once it is written; recordings close.
  if (pusher) pusher->stop();
  if (hls) hls->stop();
  if (puller) puller->stop();
  if (config.stop.reconnect_on_stop && !pool.empty()) {
    // Clients that speak Enhanced RTMP move elsewhere while they are still served.
    for (auto& s : servers) s->request_reconnect(config.stop.reconnect_url, "server stopping");
    wait_sessions(config.stop.reconnect_grace);
  }
  if (relay) relay->shutdown("server stopping");
  if (!pool.empty()) wait_sessions(3s);
  for (auto& s : servers) s->stop();  // closes listeners and whatever is left
  if (http) http->stop();
  if (!pool.empty()) wait_sessions(2s);
  if (webhooks) webhooks->stop(pool.empty() ? 0s : 2s);  // the last *-done posts
  asio::post(ioc, [this] {
    ticker.cancel();
    if (signals) signals->cancel();
  });
  work.reset();
  ioc.stop();
  for (auto& t : pool) t.join();
  pool.clear();
  servers.clear();
}

RelayServer::RelayServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  for (std::size_t i = 0; i < impl_->servers.size(); ++i)
    listeners_.push_back(
        {impl_->config.rtmp.binds[i], impl_->servers[i]->port(), impl_->servers[i]->tls_port()});
}

Result<std::unique_ptr<RelayServer>> RelayServer::start(RelayServerConfig config) {
  auto impl = std::make_unique<Impl>(std::move(config));
  if (auto r = impl->start(); !r) {
    impl->stop();
    return r.error();
  }
  return std::unique_ptr<RelayServer>(new RelayServer(std::move(impl)));
}

RelayServer::~RelayServer() {
  stop();
}

std::uint16_t RelayServer::http_port() const noexcept {
  return impl_->http ? impl_->http->port() : 0;
}

std::uint16_t RelayServer::https_port() const noexcept {
  return impl_->http ? impl_->http->https_port() : 0;
}

Result<void> RelayServer::reload() {
  return impl_->relay->reload_keys();
}

int RelayServer::wait() {
  std::unique_lock lock(impl_->stop_mutex);
  impl_->stop_cv.wait(lock, [this] { return impl_->stop_signal.has_value(); });
  return *impl_->stop_signal;
}

void RelayServer::request_stop() {
  impl_->signal_stop(0);
}

void RelayServer::stop() {
  impl_->stop();
}

Relay& RelayServer::relay() noexcept {
  return *impl_->relay;
}

}  // namespace rtmp::relay
