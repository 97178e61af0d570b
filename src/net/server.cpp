// rtmp::Server over Boost.Asio: one strand per connection; a reader coroutine feeds the
// sans-IO ServerSession, a writer coroutine drains its output queue with scatter-gather
// writes, and a watchdog applies the session's deadlines.
#include "rtmp/server.hpp"

#include "rtmp/core/server_session.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/muxer.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace rtmp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

class ConnectionAccess {
 public:
  static void set_session(Handler& h, std::shared_ptr<Session> s) { h.session_ = std::move(s); }
};

namespace {

class Connection;

// The live connections; shared with each connection so that one finishing after the
// Server object is gone (caller's io_context) still has somewhere to deregister.
struct Registry {
  std::mutex mutex;
  std::condition_variable drained;
  std::set<std::shared_ptr<Connection>> connections;
  bool stopping = false;

  void remove(Connection* c) {
    std::lock_guard lock(mutex);
    for (auto it = connections.begin(); it != connections.end(); ++it)
      if (it->get() == c) {
        connections.erase(it);
        break;
      }
    if (connections.empty()) drained.notify_all();
  }
};

// What a handler keeps: a weak reference, so a handler holding its session does not keep
// the connection alive after it closed.
class SessionHandle final : public Session {
 public:
  SessionHandle(std::weak_ptr<Connection> c, std::uint64_t id, std::string addr)
      : conn_(std::move(c)), id_(id), addr_(std::move(addr)) {}
  void send_codec(const Codec& codec) override;
  void send_video(const VideoSample& sample) override;
  void send_audio(const AudioSample& sample) override;
  void send_metadata(const amf::Value& metadata) override;
  void send_message(const Message& message) override;
  void send_status(std::string_view level, std::string_view code,
                   std::string_view description) override;
  void send_encoded(SharedBytes chunks, const Message& header) override;
  std::uint32_t chunk_size() const noexcept override;
  std::uint32_t play_stream_id() const noexcept override;
  void close() override;
  void abort(const Error& reason) override;
  std::uint64_t id() const noexcept override { return id_; }
  const std::string& remote_address() const noexcept override { return addr_; }
  std::size_t pending_output() const noexcept override;

 private:
  std::weak_ptr<Connection> conn_;
  std::uint64_t id_;
  std::string addr_;
};

class Connection final : public ServerSessionHandler,
                         public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Registry> registry, tcp::socket socket,
             std::unique_ptr<Handler> handler, std::uint64_t id, const ServerOptions& options);

  void start();
  // From any thread.
  void post_stop(Error reason) {
    asio::post(strand_, [self = shared_from_this(), reason = std::move(reason)]() mutable {
      self->finish(std::move(reason));
    });
  }
  template <class F>
  void post(F&& f) {
    asio::post(strand_, [self = shared_from_this(), f = std::forward<F>(f)]() mutable {
      if (!self->done_) {
        f(*self);
        self->wake_writer();
      }
    });
  }
  std::uint32_t play_stream() const {
    const auto& p = session_.playing();
    return p.empty() ? 0 : p.begin()->first;
  }
  void send(Message m) {
    if (m.stream_id == 0) m.stream_id = play_stream();
    if (m.stream_id == 0) return;  // not playing (yet): nothing to send to
    session_.send_message(m);
  }
  ServerSession& session() { return session_; }
  // Read from other threads through SessionHandle.
  std::atomic<std::size_t> pending{0};
  std::atomic<std::uint32_t> play_stream_id{0};
  std::atomic<std::uint32_t> chunk_size{0};

  // ServerSessionHandler
  Decision on_connect(const ConnectInfo& info) override;
  Decision on_publish(const PublishInfo& info) override;
  Decision on_play(const PlayInfo& info) override;
  void on_metadata(std::uint32_t, const amf::Value& data, const Message& raw) override;
  void on_data(const Message& m, const std::vector<amf::Value>&) override;
  void on_media(const Message& m) override;
  bool on_delete_stream(std::uint32_t stream_id) override;

 private:
  asio::awaitable<void> reader();
  asio::awaitable<void> writer();
  asio::awaitable<void> watchdog();
  void wake_writer() {
    pending = session_.output().size();
    write_signal_.cancel();
  }
  void finish(Error reason);

  std::shared_ptr<Registry> registry_;
  asio::strand<asio::any_io_executor> strand_;
  tcp::socket socket_;
  std::unique_ptr<Handler> handler_;
  std::uint64_t id_;
  std::string remote_;
  bool demux_;
  ServerSession session_;
  Demuxer demuxer_;
  std::vector<MediaEvent> events_;
  asio::steady_timer write_signal_;
  asio::steady_timer watchdog_timer_;
  bool done_ = false;
  bool draining_ = false;
  TimePoint drain_deadline_{};
  Error media_error_;
  std::string close_reason_ = "closed by server";
};

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(ServerOptions options) : options_(std::move(options)) {}
  ~ServerImpl() override { stop(); }

  Result<void> open();
  std::uint16_t port() const noexcept override { return port_; }
  void stop() override;
  void request_reconnect(std::string tc_url, std::string description) override;
  std::size_t session_count() const noexcept override {
    std::lock_guard lock(registry_->mutex);
    return registry_->connections.size();
  }
  const ServerOptions& options() const { return options_; }

 private:
  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor);
  Result<void> listen(const tcp::endpoint& ep, bool dual_stack);

  ServerOptions options_;
  std::unique_ptr<asio::io_context> own_ioc_;
  asio::io_context* ioc_ = nullptr;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::vector<std::thread> threads_;
  std::shared_ptr<Registry> registry_ = std::make_shared<Registry>();
  std::atomic<std::uint64_t> next_id_{1};
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

// ---- Connection ----

SessionOptions session_options(const ServerOptions& o) {
  SessionOptions s;
  s.limits = o.limits;
  s.chunk_size = o.chunk_size;
  s.enhanced_caps = o.enhanced_caps;
  return s;
}

Connection::Connection(std::shared_ptr<Registry> registry, tcp::socket socket,
                       std::unique_ptr<Handler> handler, std::uint64_t id,
                       const ServerOptions& options)
    : registry_(std::move(registry)),
      strand_(socket.get_executor()),
      socket_(std::move(socket)),
      handler_(std::move(handler)),
      id_(id),
      demux_(options.demux),
      session_(session_options(options), *this),
      write_signal_(strand_),
      watchdog_timer_(strand_) {
  chunk_size = options.chunk_size;
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
      addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    remote_ = addr.to_string() + ":" + std::to_string(ep.port());
  }
  socket_.set_option(tcp::no_delay(true), ec);
  if (options.socket_send_buffer > 0)
    socket_.set_option(
        asio::socket_base::send_buffer_size(static_cast<int>(options.socket_send_buffer)), ec);
}

void Connection::start() {
  ConnectionAccess::set_session(*handler_,
                                std::make_shared<SessionHandle>(weak_from_this(), id_, remote_));
  auto self = shared_from_this();
  asio::co_spawn(strand_, reader(), asio::detached);
  asio::co_spawn(strand_, writer(), asio::detached);
  asio::co_spawn(strand_, watchdog(), asio::detached);
}

asio::awaitable<void> Connection::reader() {
  auto self = shared_from_this();
  std::vector<std::uint8_t> buf(64 * 1024);
  while (!done_) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf), use_tuple);
    if (done_) break;
    if (ec) {
      if (draining_)
        finish(Error(errc::closed, close_reason_));
      else if (ec == asio::error::eof)
        finish(Error(errc::closed, "peer closed the connection"));
      else
        finish(Error(errc::io_error, ec.message()));
      break;
    }
    auto r = session_.feed(ByteView(buf.data(), n), Clock::now());
    if (!r) {
      finish(r.error());
      break;
    }
    if (media_error_.code != errc::ok) {
      finish(media_error_);
      break;
    }
    wake_writer();
  }
}

asio::awaitable<void> Connection::writer() {
  auto self = shared_from_this();
  std::vector<ByteView> views;
  std::vector<asio::const_buffer> bufs;
  while (!done_) {
    auto& out = session_.output();
    if (out.empty()) {
      pending = 0;
      if (session_.want_close() && !draining_) {
        // Half-close and let the reader drain what the peer still sends: closing with
        // unread input would reset the connection and could destroy data the peer has
        // not read yet (the end of a stream, an _error).
        draining_ = true;
        drain_deadline_ = Clock::now() + std::chrono::seconds(3);
        boost::system::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
      }
      write_signal_.expires_at(asio::steady_timer::time_point::max());
      co_await write_signal_.async_wait(use_tuple);
      continue;
    }
    views.clear();
    bufs.clear();
    out.views(views, 64);
    for (auto v : views) bufs.emplace_back(v.data(), v.size());
    auto [ec, n] = co_await asio::async_write(socket_, bufs, use_tuple);
    if (done_) break;
    if (ec) {
      finish(Error(errc::io_error, "write: " + ec.message()));
      break;
    }
    out.consume(n);
    pending = out.size();
  }
}

asio::awaitable<void> Connection::watchdog() {
  auto self = shared_from_this();
  while (!done_) {
    auto deadline = session_.next_deadline();
    auto now = Clock::now();
    watchdog_timer_.expires_at(deadline ? std::min(*deadline, now + std::chrono::seconds(1))
                                        : now + std::chrono::seconds(1));
    co_await watchdog_timer_.async_wait(use_tuple);
    if (done_) break;
    if (draining_ && Clock::now() >= drain_deadline_) finish(Error(errc::closed, close_reason_));
    if (auto r = session_.on_deadline(Clock::now()); !r) finish(r.error());
  }
}

void Connection::finish(Error reason) {
  if (done_) return;
  done_ = true;
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  write_signal_.cancel();
  watchdog_timer_.cancel();
  if (reason.code == errc::closed || reason.code == errc::io_error)
    spdlog::info("session {} {}: closed: {}", id_, remote_, reason.message());
  else
    spdlog::warn("session {} {}: closed: {}", id_, remote_, reason.message());
  handler_->on_disconnect(reason);
  registry_->remove(this);
}

Decision Connection::on_connect(const ConnectInfo& info) {
  Decision d = handler_->on_connect(info);
  spdlog::info("session {} {}: connect app={} tcUrl={} flashVer={}{}", id_, remote_, info.app,
               info.tc_url, info.flash_ver, d.accepted ? "" : " rejected: " + d.description);
  if (!d.accepted) close_reason_ = "connect rejected: " + d.description;
  return d;
}

Decision Connection::on_publish(const PublishInfo& info) {
  Decision d = handler_->on_publish(info);
  spdlog::info("session {} {}: publish key={} type={}{}", id_, remote_, info.key, info.type,
               d.accepted ? "" : " rejected: " + d.description);
  return d;
}

Decision Connection::on_play(const PlayInfo& info) {
  Decision d = handler_->on_play(info);
  if (d.accepted && play_stream_id == 0) play_stream_id = info.stream_id;
  spdlog::info("session {} {}: play name={}{}", id_, remote_, info.name,
               d.accepted ? "" : " rejected: " + d.description);
  return d;
}

void Connection::on_metadata(std::uint32_t, const amf::Value& data, const Message& raw) {
  handler_->on_metadata(data);
  if (!demux_) handler_->on_message(raw);
}

void Connection::on_data(const Message& m, const std::vector<amf::Value>&) {
  if (!demux_) handler_->on_message(m);
}

void Connection::on_media(const Message& m) {
  if (!demux_) {
    handler_->on_message(m);
    return;
  }
  if (media_error_.code != errc::ok) return;
  events_.clear();
  if (auto r = demuxer_.push(m, events_); !r) {
    // Closes this session after the current feed; what came before stays delivered.
    media_error_ = r.error();
    session_.close();
    return;
  }
  for (auto& e : events_) {
    if (auto* c = std::get_if<Codec>(&e))
      handler_->on_codec(*c);
    else if (auto* v = std::get_if<VideoSample>(&e))
      handler_->on_video(*v);
    else if (auto* a = std::get_if<AudioSample>(&e))
      handler_->on_audio(*a);
    else
      handler_->on_media_event(e);
  }
}

bool Connection::on_delete_stream(std::uint32_t stream_id) {
  spdlog::info("session {} {}: delete stream {}", id_, remote_, stream_id);
  bool keep = handler_->on_delete_stream(stream_id);
  if (stream_id == play_stream_id) play_stream_id = 0;
  if (!keep) close_reason_ = "stream deleted";
  return keep;
}

// ---- SessionHandle ----

void SessionHandle::send_codec(const Codec& codec) {
  // Legacy audio formats (MP3, PCM, G.711, ...) have no sequence header on the wire.
  if (!Muxer::has_wire_form(codec)) return;
  if (auto c = conn_.lock()) c->post([codec](Connection& k) { k.send(Muxer::mux(codec, 0)); });
}
void SessionHandle::send_video(const VideoSample& sample) {
  if (auto c = conn_.lock()) c->post([sample](Connection& k) { k.send(Muxer::mux(sample, 0)); });
}
void SessionHandle::send_audio(const AudioSample& sample) {
  if (auto c = conn_.lock()) c->post([sample](Connection& k) { k.send(Muxer::mux(sample, 0)); });
}
void SessionHandle::send_metadata(const amf::Value& metadata) {
  if (auto c = conn_.lock())
    c->post([metadata](Connection& k) {
      k.send(make_data(0, {amf::Value("onMetaData"), metadata}));
    });
}
void SessionHandle::send_message(const Message& message) {
  if (auto c = conn_.lock()) c->post([message](Connection& k) { k.send(message); });
}
void SessionHandle::send_status(std::string_view level, std::string_view code,
                                std::string_view description) {
  if (auto c = conn_.lock())
    c->post([l = std::string(level), co = std::string(code),
             d = std::string(description)](Connection& k) {
      if (auto sid = k.play_stream()) k.session().send_status(sid, l, co, d);
    });
}
void SessionHandle::send_encoded(SharedBytes chunks, const Message& header) {
  if (auto c = conn_.lock())
    c->post([chunks = std::move(chunks), header](Connection& k) {
      k.session().send_encoded(chunks, header);
    });
}
std::uint32_t SessionHandle::chunk_size() const noexcept {
  auto c = conn_.lock();
  return c ? c->chunk_size.load() : 0;
}
std::uint32_t SessionHandle::play_stream_id() const noexcept {
  auto c = conn_.lock();
  return c ? c->play_stream_id.load() : 0;
}
void SessionHandle::close() {
  if (auto c = conn_.lock()) c->post([](Connection& k) { k.session().close(); });
}
void SessionHandle::abort(const Error& reason) {
  if (auto c = conn_.lock()) c->post_stop(reason);
}
std::size_t SessionHandle::pending_output() const noexcept {
  auto c = conn_.lock();
  return c ? c->pending.load() : 0;
}

// ---- ServerImpl ----

Result<void> ServerImpl::listen(const tcp::endpoint& ep, bool dual_stack) {
  auto acc = std::make_unique<tcp::acceptor>(*ioc_);
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
  port_ = acc->local_endpoint().port();
  acceptors_.push_back(std::move(acc));
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
  if (options_.bind.empty()) {
    // One dual-stack socket serves IPv4 and IPv6; fall back to IPv4 where IPv6 is off.
    auto r = listen({tcp::v6(), options_.port}, true);
    if (!r) {
      if (r.error().code == errc::address_in_use) return r.error();
      if (auto r4 = listen({tcp::v4(), options_.port}, false); !r4) return r4.error();
    }
  } else {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(options_.bind, ec);
    if (ec) return Error(errc::invalid_argument, "bad bind address '" + options_.bind + "'");
    if (auto r = listen({addr, options_.port}, false); !r) return r.error();
  }
  for (auto& acc : acceptors_) asio::co_spawn(*ioc_, accept_loop(*acc), asio::detached);
  if (own_ioc_) {
    unsigned n =
        options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    work_.emplace(own_ioc_->get_executor());
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { own_ioc_->run(); });
  }
  return {};
}

asio::awaitable<void> ServerImpl::accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    tcp::socket socket(asio::make_strand(*ioc_));
    auto [ec] = co_await acceptor.async_accept(socket, use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      spdlog::warn("accept: {}", ec.message());
      continue;
    }
    std::unique_ptr<Handler> handler;
    try {
      handler = options_.handler(options_.handler_options);
    } catch (const std::exception& e) {
      spdlog::error("handler factory threw: {}", e.what());
    }
    if (!handler) continue;  // socket closes
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard lock(registry_->mutex);
      if (registry_->stopping) co_return;
      conn = std::make_shared<Connection>(registry_, std::move(socket), std::move(handler),
                                          next_id_++, options_);
      registry_->connections.insert(conn);
    }
    conn->start();
  }
}

void ServerImpl::request_reconnect(std::string tc_url, std::string description) {
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard lock(registry_->mutex);
    conns.assign(registry_->connections.begin(), registry_->connections.end());
  }
  for (auto& c : conns)
    c->post([tc_url, description](Connection& k) {
      k.session().send_reconnect_request(tc_url, description);
    });
}

void ServerImpl::stop() {
  if (stopped_.exchange(true)) return;
  {
    std::lock_guard lock(registry_->mutex);
    registry_->stopping = true;
  }
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
  auto stop_all = [registry = registry_] {
    std::vector<std::shared_ptr<Connection>> conns;
    {
      std::lock_guard lock(registry->mutex);
      conns.assign(registry->connections.begin(), registry->connections.end());
    }
    for (auto& c : conns) c->post_stop(Error(errc::closed, "server stopping"));
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
    std::unique_lock lock(registry_->mutex);
    registry_->drained.wait_for(lock, options_.reconnect_grace,
                                [this] { return registry_->connections.empty(); });
  }
  stop_all();
  if (!own_ioc_) return;  // the caller's io_context runs the rest
  closed_f.wait();
  {
    std::unique_lock lock(registry_->mutex);
    registry_->drained.wait_for(lock, std::chrono::seconds(10),
                                [this] { return registry_->connections.empty(); });
  }
  work_.reset();
  own_ioc_->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  acceptors_.clear();
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(ServerOptions options) {
  auto server = std::make_unique<ServerImpl>(std::move(options));
  if (auto r = server->open(); !r) {
    return r.error();
  }
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace rtmp
