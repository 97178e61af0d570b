// rtmp::Server over Boost.Asio: one strand per connection; a reader coroutine feeds the
// sans-IO ServerSession, its output goes out in non-blocking gather writes (an async write
// chain takes what the socket refuses), and a timer applies the session's deadlines. An idle
// connection keeps one coroutine frame and no read buffer. RTMPS connections run the same
// over an asio::ssl::stream after a TLS handshake.
#include "rtmp/server.hpp"

#include "net/handler_guard.hpp"
#include "net/listener.hpp"
#include "net/log.hpp"
#include "rtmp/core/server_session.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/muxer.hpp"

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <iterator>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

namespace rtmp {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

class ConnectionAccess {
 public:
  static void set_session(Handler& h, std::shared_ptr<Session> s) { h.session_ = std::move(s); }
};

namespace {

class Connection;

// Fan-out hand-offs made on this thread while a connection's reader feeds its session: the
// handler may queue one message for hundreds of players per message read, and each target
// is woken once at the end of the feed (one drain job and one write per player per read)
// instead of once per message.
struct HeldInbox {
  std::shared_ptr<Connection> target;
  std::uint64_t gen;     // the target's hold number (a later hold is not released early)
  TimePoint deadline{};  // released then at the latest
};
struct FanoutBatch {
  bool active = false;
  bool may_hold = false;                          // the feeding publisher reaches many players
  std::vector<std::shared_ptr<Connection>> wake;  // targets to drain now
  std::vector<HeldInbox> held;                    // targets holding audio for a video frame
  std::uint32_t hold_ms = 0;                      // shortest video interval among `held`
};
thread_local FanoutBatch t_fanout;

// The live connections; shared with each connection so that one finishing after the
// Server object is gone (caller's io_context) still has somewhere to deregister.
struct Registry {
  std::mutex mutex;
  std::condition_variable drained;
  std::set<std::shared_ptr<Connection>> connections;
  bool stopping = false;
  // Handles are called from any thread. A call holds a strong reference on its connection
  // for a moment; once the server is gone, dropping the last one would destroy the
  // connection's sockets and timers after their io_context. The server closes this gate and
  // waits out the calls in flight before it lets the io_context go.
  std::atomic<std::size_t> handle_calls{0};
  std::atomic<bool> handles_closed{false};

  void close_handles() {
    handles_closed.store(true);
    while (handle_calls.load() != 0) std::this_thread::yield();
  }

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

// A connection's figures that handles read from other threads, shared so that reading them
// (a fan-out reads pending once per message per player) takes no reference on the
// connection. Zero once the connection is finished.
struct SharedCounters {
  std::atomic<std::size_t> pending{0};
  std::atomic<std::uint32_t> play_stream_id{0};
  std::atomic<std::uint32_t> chunk_size{0};
};

// What a handler keeps: a weak reference, so a handler holding its session does not keep
// the connection alive after it closed.
class SessionHandle final : public Session {
 public:
  SessionHandle(std::weak_ptr<Connection> c, std::shared_ptr<Registry> registry,
                std::shared_ptr<const SharedCounters> counters, std::uint64_t id, std::string addr)
      : conn_(std::move(c)),
        registry_(std::move(registry)),
        counters_(std::move(counters)),
        id_(id),
        addr_(std::move(addr)) {}
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
  void resolve(Decision decision) override;
  void close() override;
  void abort(const Error& reason) override;
  std::uint64_t id() const noexcept override { return id_; }
  const std::string& remote_address() const noexcept override { return addr_; }
  std::size_t pending_output() const noexcept override;

 private:
  // Runs f(connection) if the connection is alive and its server has not let go of it.
  template <class F>
  void with_connection(F&& f);

  std::weak_ptr<Connection> conn_;
  std::shared_ptr<Registry> registry_;
  std::shared_ptr<const SharedCounters> counters_;
  std::uint64_t id_;
  std::string addr_;
};

class Connection final : public ServerSessionHandler,
                         public std::enable_shared_from_this<Connection> {
 public:
  // tls: the server's TLS context for an RTMPS connection, null for plain RTMP.
  // `socket` runs on `strand`.
  Connection(std::shared_ptr<Registry> registry, Strand strand, tcp::socket socket,
             std::unique_ptr<Handler> handler, std::uint64_t id, const ServerOptions& options,
             std::shared_ptr<ssl::context> tls = nullptr);

  void start();
  // From any thread.
  void post_stop(Error reason) {
    asio::post(strand_, [self = shared_from_this(), reason = std::move(reason)]() mutable {
      self->finish(std::move(reason));
    });
  }
  // Runs f(*this) on the strand; `what` names it in the log if it throws (which closes the
  // connection like a throwing handler callback).
  template <class F>
  void post(const char* what, F&& f) {
    std::uint64_t mark;
    {
      std::lock_guard lock(inbox_mutex_);
      mark = inbox_taken_ + inbox_.size();  // hand-offs made so far
    }
    asio::post(strand_, [self = shared_from_this(), what, mark, f = std::forward<F>(f)]() mutable {
      if (!self->done_) {
        // Hand-offs made before this job was posted go first (a status after the media
        // that preceded it, also when that media waits for the end of a feed); those made
        // since stay behind it (a PublishNotify before the new publisher's first frames).
        self->drain_inbox(mark);
        self->guard_.call(what, [&] { f(*self); });
        if (self->finish_if_handler_failed()) return;
        self->flush_output();
      }
    });
  }
  // Fan-out hand-off: encoded messages from other threads collect in an inbox and one
  // strand job moves them all to the session, instead of one posted job per message.
  // During a reader's feed on this thread the job is posted at the end of the feed; audio
  // may wait there for the video frame that follows it (see holds_audio).
  void push_encoded(SharedBytes chunks, const Message& header) {
    {
      std::lock_guard lock(inbox_mutex_);
      inbox_.emplace_back(std::move(chunks), header);
      const bool hold = t_fanout.active && t_fanout.may_hold && holds_audio(header);
      if (inbox_scheduled_) return;
      if (hold) {
        if (!inbox_held_) {
          inbox_held_ = true;
          t_fanout.held.push_back({shared_from_this(), ++hold_gen_});
          t_fanout.hold_ms = std::min(t_fanout.hold_ms, video_interval_ms_);
        }
        return;
      }
      inbox_scheduled_ = true;
    }
    if (t_fanout.active)
      t_fanout.wake.push_back(shared_from_this());
    else
      post_drain(shared_from_this());
  }
  // Ends hold number `gen`: the inbox goes out now, unless it already went (or is going)
  // with a video frame.
  void release_held(std::uint64_t gen) {
    {
      std::lock_guard lock(inbox_mutex_);
      if (!inbox_held_ || hold_gen_ != gen || inbox_scheduled_) return;
      inbox_scheduled_ = true;
    }
    post_drain(shared_from_this());
  }
  static void post_drain(std::shared_ptr<Connection> self) {
    auto& strand = self->strand_;
    asio::post(strand, [self = std::move(self)] {
      if (self->done_) return;
      self->drain_inbox();
      self->flush_output();
    });
  }
  // Moves the inbox's messages up to hand-off number `upto` (all by default) to the session.
  // Ones left behind keep their scheduled drain job or hold.
  void drain_inbox(std::uint64_t upto = std::numeric_limits<std::uint64_t>::max()) {
    batch_.clear();
    {
      std::lock_guard lock(inbox_mutex_);
      const auto n = static_cast<std::size_t>(
          std::min<std::uint64_t>(inbox_.size(), upto > inbox_taken_ ? upto - inbox_taken_ : 0));
      inbox_taken_ += n;
      if (n == inbox_.size()) {
        std::swap(batch_, inbox_);
        inbox_scheduled_ = false;
        inbox_held_ = false;
      } else {
        const auto end = inbox_.begin() + static_cast<std::ptrdiff_t>(n);
        batch_.assign(std::make_move_iterator(inbox_.begin()), std::make_move_iterator(end));
        inbox_.erase(inbox_.begin(), end);
      }
    }
    for (auto& [chunks, header] : batch_) session_.send_encoded(chunks, header);
    batch_.clear();
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
  void resolve(Decision d) {
    if (!session_.decision_pending()) return;
    logging::info("session {} {}: deferred decision: {}", id_, remote_,
                  d.accepted ? std::string("accepted") : "rejected: " + d.description);
    if (!d.accepted && session_.state() == ServerSession::State::connecting)
      close_reason_ = "connect rejected: " + d.description;
    auto r = session_.resolve(d);
    if (finish_if_handler_failed()) return;
    if (!session_.playing().empty() && play_stream_id == 0)
      play_stream_id = session_.playing().begin()->first;
    if (!r) finish(r.error());
  }
  // A handler callback (or posted work) threw: the connection ends at once, output
  // discarded, so a publisher is not left sending into a session nobody reads.
  bool finish_if_handler_failed() {
    if (!guard_.failed()) return false;
    finish(guard_.error());
    return true;
  }
  // Read from other threads through SessionHandle.
  std::shared_ptr<SharedCounters> counters = std::make_shared<SharedCounters>();
  std::atomic<std::size_t>& pending = counters->pending;
  std::atomic<std::uint32_t>& play_stream_id = counters->play_stream_id;
  std::atomic<std::uint32_t>& chunk_size = counters->chunk_size;

  // ServerSessionHandler
  Decision on_connect(const ConnectInfo& info) override;
  Decision on_publish(const PublishInfo& info) override;
  Decision on_play(const PlayInfo& info) override;
  void on_metadata(std::uint32_t, const amf::Value& data, const Message& raw) override;
  void on_data(const Message& m, const std::vector<amf::Value>&) override;
  void on_media(const Message& m) override;
  bool on_delete_stream(std::uint32_t stream_id) override;

 private:
  // The coroutine holds the connection through its `self` parameter, copied into the
  // frame at co_spawn: one that has not started yet must keep it alive too.
  asio::awaitable<void> reader(std::shared_ptr<Connection> self);
  // Starts an async write of queued output unless one is in flight; with nothing queued,
  // half-closes a session that wants to close. Completion handlers hold the connection.
  void write_more();
  // The first queued output segments as Asio buffers (flush_bufs_), for one gather write.
  const std::vector<asio::const_buffer>& gather_output();
  // The session's deadlines (handshake, connect, setup, drain), checked at least once a second.
  void arm_watchdog();
  // Writes queued output now when no async write is in flight (one non-blocking gather
  // write); what the socket does not take, and closing, is left to write_more.
  void flush_output();
  // Audio waits in the inbox (not woken) while video flows: the next video frame is due
  // within one video frame interval, and the two go out in one write. Called under
  // inbox_mutex_; learns the video frame interval from the video timestamps.
  bool holds_audio(const Message& m) {
    if (m.type == msg::video) {
      const auto d = static_cast<std::int32_t>(m.timestamp - last_video_ts_);
      if (video_seen_ && d > 0 && d <= kMaxVideoIntervalMs)
        video_interval_ms_ = static_cast<std::uint32_t>(d);
      video_seen_ = true;
      last_video_ts_ = m.timestamp;
      return false;
    }
    if (m.type != msg::audio || video_interval_ms_ == 0) return false;
    // Audio near the last video frame: video still flows (not audio-only, no new publish).
    const auto d = static_cast<std::int32_t>(m.timestamp - last_video_ts_);
    return d > -kMaxVideoIntervalMs && d < static_cast<std::int32_t>(video_interval_ms_);
  }
  static constexpr std::int32_t kMaxVideoIntervalMs = 100;
  // Calls the handler through guard_; once one call threw, no more are made and the
  // session stops processing input (the reader then finishes the connection).
  template <class F>
  void call_handler(const char* callback, F&& f) {
    if (guard_.failed()) return;
    if (!guard_.call(callback, std::forward<F>(f))) session_.close();
  }
  template <class R, class F>
  R call_handler_or(const char* callback, R fallback, F&& f) {
    if (guard_.failed()) return fallback;
    R r = guard_.call_or(callback, fallback, std::forward<F>(f));
    if (guard_.failed()) session_.close();
    return r;
  }
  void finish(Error reason);
  asio::awaitable<bool> tls_handshake();
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : socket_; }

  std::shared_ptr<Registry> registry_;
  // The socket's own strand, by its concrete type: posting to it (a drain job per player
  // per write) then costs no type-erased executor and no second strand around the first.
  Strand strand_;
  tcp::socket socket_;  // moved into tls_ for RTMPS
  std::shared_ptr<ssl::context> tls_ctx_;
  std::unique_ptr<ssl::stream<tcp::socket>> tls_;
  std::uint32_t handshake_timeout_ms_;
  std::unique_ptr<Handler> handler_;
  HandlerGuard guard_;
  std::uint64_t id_;
  std::string remote_;
  bool demux_;
  ServerSession session_;
  std::unique_ptr<Demuxer> demuxer_;  // at the first media message: players never need one
  std::vector<MediaEvent> events_;
  asio::steady_timer watchdog_timer_;
  std::mutex inbox_mutex_;
  std::vector<std::pair<SharedBytes, Message>> inbox_;  // guarded by inbox_mutex_
  bool inbox_scheduled_ = false;                        // guarded by inbox_mutex_
  bool inbox_held_ = false;                             // guarded by inbox_mutex_
  std::uint64_t inbox_taken_ = 0;        // hand-offs moved to the session; guarded by inbox_mutex_
  std::uint64_t hold_gen_ = 0;           // guarded by inbox_mutex_
  bool video_seen_ = false;              // guarded by inbox_mutex_
  std::uint32_t last_video_ts_ = 0;      // guarded by inbox_mutex_
  std::uint32_t video_interval_ms_ = 0;  // guarded by inbox_mutex_; 0 = unknown
  std::vector<std::pair<SharedBytes, Message>> batch_;  // strand only
  // Players holding audio handed off by this connection's feeds, released by hold_timer_
  // one video frame interval later at the latest (a publisher that stalls or stops video).
  void end_fanout();
  void arm_hold_timer();
  std::size_t hold_min_players_;
  std::size_t fanout_last_ = 0;  // players woken or held by the last feed that reached any
  asio::steady_timer hold_timer_;
  std::vector<HeldInbox> held_;  // strand only
  bool hold_timer_armed_ = false;
  bool writing_ = false;  // an async write is in flight
  std::vector<asio::const_buffer> flush_bufs_;
  std::vector<ByteView> flush_views_;
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
  std::uint16_t tls_port() const noexcept override { return tls_port_; }
  void stop() override;
  void request_reconnect(std::string tc_url, std::string description) override;
  std::size_t session_count() const noexcept override {
    std::lock_guard lock(registry_->mutex);
    return registry_->connections.size();
  }
  const ServerOptions& options() const { return options_; }

 private:
  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, bool tls);
  Result<void> listen(const tcp::endpoint& ep, bool dual_stack, bool tls);
  Result<void> listen_all(std::uint16_t port, bool tls);
  Result<void> load_tls();

  ServerOptions options_;
  std::unique_ptr<asio::io_context> own_ioc_;
  asio::io_context* ioc_ = nullptr;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::vector<bool> acceptor_tls_;  // parallel to acceptors_
  std::shared_ptr<ssl::context> tls_ctx_;
  std::vector<std::thread> threads_;
  std::shared_ptr<Registry> registry_ = std::make_shared<Registry>();
  std::atomic<std::uint64_t> next_id_{1};
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
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

Connection::Connection(std::shared_ptr<Registry> registry, Strand strand, tcp::socket socket,
                       std::unique_ptr<Handler> handler, std::uint64_t id,
                       const ServerOptions& options, std::shared_ptr<ssl::context> tls)
    : registry_(std::move(registry)),
      strand_(std::move(strand)),
      socket_(std::move(socket)),
      tls_ctx_(std::move(tls)),
      handshake_timeout_ms_(options.limits.handshake_timeout_ms),
      handler_(std::move(handler)),
      id_(id),
      demux_(options.demux),
      session_(session_options(options), *this),
      watchdog_timer_(strand_),
      hold_min_players_(options.fanout_hold_min_players),
      hold_timer_(strand_) {
  chunk_size = options.chunk_size;
  remote_ = peer_name(socket_);
  boost::system::error_code ec;
  guard_.set_name("session " + std::to_string(id_) + " " + remote_);
  socket_.set_option(tcp::no_delay(true), ec);
  // flush_output's synchronous write must never block the thread on a slow peer.
  if (!tls_ctx_) socket_.non_blocking(true, ec);
  if (options.socket_send_buffer > 0)
    socket_.set_option(
        asio::socket_base::send_buffer_size(static_cast<int>(options.socket_send_buffer)), ec);
  if (tls_ctx_) tls_ = std::make_unique<ssl::stream<tcp::socket>>(std::move(socket_), *tls_ctx_);
}

void Connection::start() {
  // The handshake clock runs from accept, not the first byte (RTMPS: its own TLS timer first).
  if (!tls_) session_.start(Clock::now());
  ConnectionAccess::set_session(
      *handler_,
      std::make_shared<SessionHandle>(weak_from_this(), registry_, counters, id_, remote_));
  asio::co_spawn(strand_, reader(shared_from_this()), asio::detached);
  asio::dispatch(strand_, [self = shared_from_this()] { self->arm_watchdog(); });
}

// The TLS handshake, bounded by the RTMP handshake timeout (the session's own deadline
// starts with its first bytes, so it cannot cover this). False: the connection is finished.
asio::awaitable<bool> Connection::tls_handshake() {
  asio::steady_timer timer(strand_);
  timer.expires_after(std::chrono::milliseconds(handshake_timeout_ms_));
  bool timed_out = false;
  timer.async_wait([this, &timed_out](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    boost::system::error_code ignored;
    socket().close(ignored);  // aborts the handshake
  });
  auto [ec] = co_await tls_->async_handshake(ssl::stream_base::server, use_tuple);
  timer.cancel();
  if (done_) co_return false;
  if (timed_out) {
    finish(Error(errc::timeout, "TLS handshake not completed within " +
                                    std::to_string(handshake_timeout_ms_) + " ms"));
    co_return false;
  }
  if (ec) {
    finish(Error(errc::handshake_failed, "TLS handshake: " + ec.message()));
    co_return false;
  }
  co_return true;
}

// Shared by the plain connections a thread reads: each read is fed before the next.
std::vector<std::uint8_t>& thread_read_buffer() {
  thread_local std::vector<std::uint8_t> buf(64 * 1024);
  return buf;
}

asio::awaitable<void> Connection::reader([[maybe_unused]] std::shared_ptr<Connection> self) {
  if (tls_ && !co_await tls_handshake()) co_return;
  // RTMPS reads through the TLS stream into its own buffer, grown for publishers. Plain
  // connections wait in a one-byte read (race-free readiness, unlike async_wait on the
  // edge-triggered reactor) and take the rest into this thread's buffer: an idle player
  // holds no read buffer.
  std::vector<std::uint8_t> tls_buf(tls_ ? 4 * 1024 : 0);
  std::uint8_t first = 0;
  while (!done_) {
    auto [ec, n] = tls_ ? co_await tls_->async_read_some(asio::buffer(tls_buf), use_tuple)
                        : co_await socket_.async_read_some(asio::buffer(&first, 1), use_tuple);
    if (done_) break;
    if (ec) {
      if (draining_)
        finish(Error(errc::closed, close_reason_));
      else if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
        if (auto p = session_.partial_input())
          finish(Error(errc::closed,
                       fmt::format("peer closed the connection inside a message: {} of {} bytes "
                                   "of a type-{} message on chunk stream {}",
                                   p->received, p->length, p->type, p->csid)));
        else
          finish(Error(errc::closed, "peer closed the connection"));
      } else
        finish(Error(errc::io_error, ec.message()));
      break;
    }
    std::uint8_t* data = tls_buf.data();
    if (!ec && !tls_) {
      auto& buf = thread_read_buffer();  // after the co_await: this thread's
      buf[0] = first;
      boost::system::error_code more_ec;  // would_block, or an error the next read reports
      n += socket_.read_some(asio::buffer(buf.data() + 1, buf.size() - 1), more_ec);
      data = buf.data();
    }
    t_fanout.active = true;
    t_fanout.may_hold = fanout_last_ >= hold_min_players_;
    t_fanout.hold_ms = kMaxVideoIntervalMs;
    auto r = session_.feed(ByteView(data, n), Clock::now());
    t_fanout.active = false;
    end_fanout();
    if (finish_if_handler_failed()) break;
    if (tls_ && n == tls_buf.size() && tls_buf.size() < 64 * 1024)
      tls_buf.resize(tls_buf.size() * 4);
    if (!r) {
      finish(r.error());
      break;
    }
    if (media_error_.code != errc::ok) {
      finish(media_error_);
      break;
    }
    flush_output();
  }
}

void Connection::end_fanout() {
  if (auto n = t_fanout.wake.size() + t_fanout.held.size(); n > 0) fanout_last_ = n;
  for (auto& c : t_fanout.wake) post_drain(std::move(c));
  t_fanout.wake.clear();
  if (t_fanout.held.empty()) return;
  const auto deadline = Clock::now() + std::chrono::milliseconds(t_fanout.hold_ms);
  for (auto& h : t_fanout.held) held_.push_back({std::move(h.target), h.gen, deadline});
  t_fanout.held.clear();
  if (!hold_timer_armed_) arm_hold_timer();
}

void Connection::arm_hold_timer() {
  hold_timer_armed_ = true;
  hold_timer_.expires_at(held_.front().deadline);
  hold_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->hold_timer_armed_ = false;
    const auto now = Clock::now();
    // Due ones (all of them once this connection is finished), oldest first.
    std::size_t kept = 0;
    for (auto& h : self->held_) {
      if (!ec && !self->done_ && h.deadline > now)
        self->held_[kept++] = std::move(h);
      else
        h.target->release_held(h.gen);
    }
    self->held_.resize(kept);
    if (!self->held_.empty() && !self->done_) self->arm_hold_timer();
  });
}

void Connection::flush_output() {
  if (done_) return;
  auto& out = session_.output();
  if (!tls_ && !writing_ && !out.empty()) {
    boost::system::error_code ec;
    // Non-blocking (Asio's async operations set the descriptor so): takes what fits.
    std::size_t n = socket_.write_some(gather_output(), ec);
    if (!ec) out.consume(n);
    // Errors and the rest are write_more's: it reports them and waits for writability.
  }
  pending = out.size();
  if (!out.empty() || session_.want_close()) write_more();
}

const std::vector<asio::const_buffer>& Connection::gather_output() {
  flush_views_.clear();
  flush_bufs_.clear();
  session_.output().views(flush_views_, 64);
  for (auto v : flush_views_) flush_bufs_.emplace_back(v.data(), v.size());
  return flush_bufs_;
}

void Connection::write_more() {
  if (done_ || writing_) return;
  auto& out = session_.output();
  if (out.empty()) {
    pending = 0;
    if (session_.want_close() && !draining_) {
      // Half-close and let the reader drain what the peer still sends: closing with unread
      // input would reset the connection and could destroy data the peer has not read yet
      // (the end of a stream, an _error). The watchdog ends the drain.
      draining_ = true;
      drain_deadline_ = Clock::now() + std::chrono::seconds(3);
      boost::system::error_code ec;
      socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    return;
  }
  gather_output();  // flush_output does not touch the buffers while writing_
  writing_ = true;
  auto done = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
    self->writing_ = false;
    if (self->done_) return;
    if (ec) {
      self->finish(Error(errc::io_error, "write: " + ec.message()));
      return;
    }
    self->session_.output().consume(n);
    self->pending = self->session_.output().size();
    self->write_more();
  };
  if (tls_)
    asio::async_write(*tls_, flush_bufs_, std::move(done));
  else
    asio::async_write(socket_, flush_bufs_, std::move(done));
}

void Connection::arm_watchdog() {
  auto deadline = session_.next_deadline();
  auto now = Clock::now();
  watchdog_timer_.expires_at(deadline ? std::min(*deadline, now + std::chrono::seconds(1))
                                      : now + std::chrono::seconds(1));
  watchdog_timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
    if (self->done_) return;
    if (self->draining_ && Clock::now() >= self->drain_deadline_)
      self->finish(Error(errc::closed, self->close_reason_));
    else if (auto r = self->session_.on_deadline(Clock::now()); !r)
      self->finish(r.error());
    if (!self->done_) self->arm_watchdog();
  });
}

void Connection::finish(Error reason) {
  if (done_) return;
  done_ = true;
  pending = 0;
  play_stream_id = 0;
  chunk_size = 0;
  boost::system::error_code ec;
  socket().shutdown(tcp::socket::shutdown_both, ec);
  socket().close(ec);
  watchdog_timer_.cancel();
  hold_timer_.cancel();
  if (reason.code == errc::closed || reason.code == errc::io_error)
    logging::info("session {} {}: closed: {}", id_, remote_, reason.message());
  else
    logging::warn("session {} {}: closed: {}", id_, remote_, reason.message());
  guard_.call_last("on_disconnect", [&] { handler_->on_disconnect(reason); });
  registry_->remove(this);
}

const Decision kHandlerFailed = Decision::reject("handler error");

Decision Connection::on_connect(const ConnectInfo& info) {
  Decision d =
      call_handler_or("on_connect", kHandlerFailed, [&] { return handler_->on_connect(info); });
  if (guard_.failed()) return d;
  logging::info("session {} {}: connect app={} tcUrl={} flashVer={}{}", id_, remote_, info.app,
                info.tc_url, info.flash_ver, d.accepted ? "" : " rejected: " + d.description);
  if (!d.accepted && !d.deferred) close_reason_ = "connect rejected: " + d.description;
  return d;
}

Decision Connection::on_publish(const PublishInfo& info) {
  Decision d =
      call_handler_or("on_publish", kHandlerFailed, [&] { return handler_->on_publish(info); });
  // A new publish starts from fresh codec state and timestamps, as a new connection would.
  if (d.accepted) demuxer_.reset();
  if (guard_.failed()) return d;
  logging::info("session {} {}: publish key={} type={}{}", id_, remote_, info.key, info.type,
                d.accepted ? "" : " rejected: " + d.description);
  return d;
}

Decision Connection::on_play(const PlayInfo& info) {
  Decision d = call_handler_or("on_play", kHandlerFailed, [&] { return handler_->on_play(info); });
  if (d.accepted && !d.deferred && play_stream_id == 0) play_stream_id = info.stream_id;
  if (guard_.failed()) return d;
  logging::info("session {} {}: play name={}{}", id_, remote_, info.name,
                d.accepted ? "" : " rejected: " + d.description);
  return d;
}

void Connection::on_metadata(std::uint32_t, const amf::Value& data, const Message& raw) {
  call_handler("on_metadata", [&] { handler_->on_metadata(data); });
  if (!demux_) call_handler("on_message", [&] { handler_->on_message(raw); });
}

void Connection::on_data(const Message& m, const std::vector<amf::Value>&) {
  if (!demux_) call_handler("on_message", [&] { handler_->on_message(m); });
}

void Connection::on_media(const Message& m) {
  if (!demux_) {
    call_handler("on_message", [&] { handler_->on_message(m); });
    return;
  }
  if (media_error_.code != errc::ok) return;
  if (!demuxer_) demuxer_ = std::make_unique<Demuxer>();
  demuxer_->recycle(events_);
  if (auto r = demuxer_->push(m, events_); !r) {
    // Closes this session after the current feed; what came before stays delivered.
    media_error_ = r.error();
    session_.close();
    return;
  }
  for (auto& e : events_) {
    if (auto* c = std::get_if<Codec>(&e))
      call_handler("on_codec", [&] { handler_->on_codec(*c); });
    else if (auto* v = std::get_if<VideoSample>(&e))
      call_handler("on_video", [&] { handler_->on_video(*v); });
    else if (auto* a = std::get_if<AudioSample>(&e))
      call_handler("on_audio", [&] { handler_->on_audio(*a); });
    else
      call_handler("on_media_event", [&] { handler_->on_media_event(e); });
  }
}

bool Connection::on_delete_stream(std::uint32_t stream_id) {
  logging::info("session {} {}: delete stream {}", id_, remote_, stream_id);
  bool keep = call_handler_or("on_delete_stream", true,
                              [&] { return handler_->on_delete_stream(stream_id); });
  if (stream_id == play_stream_id) play_stream_id = 0;
  if (!keep) close_reason_ = "stream deleted";
  return keep;
}

// ---- SessionHandle ----

template <class F>
void SessionHandle::with_connection(F&& f) {
  struct Call {
    Registry& r;
    explicit Call(Registry& reg) : r(reg) { r.handle_calls.fetch_add(1); }
    ~Call() { r.handle_calls.fetch_sub(1); }
  } call(*registry_);
  if (registry_->handles_closed.load()) return;
  if (auto c = conn_.lock()) f(*c);
}

void SessionHandle::send_codec(const Codec& codec) {
  // Legacy audio formats (MP3, PCM, G.711, ...) have no sequence header on the wire.
  if (!Muxer::has_wire_form(codec)) return;
  with_connection([&](Connection& c) {
    c.post("send_codec", [codec](Connection& k) { k.send(Muxer::mux(codec, 0)); });
  });
}
void SessionHandle::send_video(const VideoSample& sample) {
  with_connection([&](Connection& c) {
    c.post("send_video", [sample](Connection& k) { k.send(Muxer::mux(sample, 0)); });
  });
}
void SessionHandle::send_audio(const AudioSample& sample) {
  with_connection([&](Connection& c) {
    c.post("send_audio", [sample](Connection& k) { k.send(Muxer::mux(sample, 0)); });
  });
}
void SessionHandle::send_metadata(const amf::Value& metadata) {
  with_connection([&](Connection& c) {
    c.post("send_metadata", [metadata](Connection& k) {
      k.send(make_data(0, {amf::Value("onMetaData"), metadata}));
    });
  });
}
void SessionHandle::send_message(const Message& message) {
  with_connection([&](Connection& c) {
    c.post("send_message", [message](Connection& k) { k.send(message); });
  });
}
void SessionHandle::send_status(std::string_view level, std::string_view code,
                                std::string_view description) {
  with_connection([&](Connection& c) {
    c.post("send_status", [l = std::string(level), co = std::string(code),
                           d = std::string(description)](Connection& k) {
      if (auto sid = k.play_stream()) k.session().send_status(sid, l, co, d);
    });
  });
}
void SessionHandle::send_encoded(SharedBytes chunks, const Message& header) {
  with_connection([&](Connection& c) { c.push_encoded(std::move(chunks), header); });
}
std::uint32_t SessionHandle::chunk_size() const noexcept {
  return counters_->chunk_size.load();
}
std::uint32_t SessionHandle::play_stream_id() const noexcept {
  return counters_->play_stream_id.load();
}
void SessionHandle::resolve(Decision decision) {
  with_connection([&](Connection& c) {
    c.post("resolve",
           [d = std::move(decision)](Connection& k) mutable { k.resolve(std::move(d)); });
  });
}
void SessionHandle::close() {
  with_connection(
      [&](Connection& c) { c.post("close", [](Connection& k) { k.session().close(); }); });
}
void SessionHandle::abort(const Error& reason) {
  with_connection([&](Connection& c) { c.post_stop(reason); });
}
std::size_t SessionHandle::pending_output() const noexcept {
  return counters_->pending.load();
}

// ---- ServerImpl ----

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
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard lock(registry_->mutex);
      if (registry_->stopping) co_return;
      conn = std::make_shared<Connection>(registry_, strand, std::move(socket), std::move(handler),
                                          next_id_++, options_, tls ? tls_ctx_ : nullptr);
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
    c->post("request_reconnect", [tc_url, description](Connection& k) {
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
  registry_->close_handles();  // before ~ServerImpl lets own_ioc_ go
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
