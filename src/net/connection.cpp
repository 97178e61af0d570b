#include "net/connection.hpp"

#include "net/listener.hpp"
#include "net/log.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace rtmp::net {

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

SessionOptions session_options(const ServerOptions& o) {
  SessionOptions s;
  s.limits = o.limits;
  s.chunk_size = o.chunk_size;
  s.enhanced_caps = o.enhanced_caps;
  return s;
}

// Shared by the plain connections a thread reads: each read is fed before the next.
std::vector<std::uint8_t>& thread_read_buffer() {
  thread_local std::vector<std::uint8_t> buf(64 * 1024);
  return buf;
}

}  // namespace

Connection::Connection(std::shared_ptr<ConnectionManager> manager, Strand strand,
                       tcp::socket socket, std::unique_ptr<Handler> handler, std::uint64_t id,
                       const ServerOptions& options, std::shared_ptr<ssl::context> tls)
    : manager_(std::move(manager)),
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
  counters_->chunk_size.store(options.chunk_size);
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
      std::make_shared<SessionHandle>(weak_from_this(), manager_, counters_, id_, remote_));
  asio::co_spawn(strand_, reader(shared_from_this()), asio::detached);
  asio::dispatch(strand_, [self = shared_from_this()] { self->arm_watchdog(); });
}

void Connection::post_stop(Error reason) {
  asio::post(strand_, [self = shared_from_this(), reason = std::move(reason)]() mutable {
    self->finish(std::move(reason));
  });
}

void Connection::push_encoded(SharedBytes chunks, const Message& header) {
  auto* batch = FanoutBatch::current();
  const auto r = inbox_.push(std::move(chunks), header, batch && batch->may_hold());
  if (r.action == Inbox::Push::hold)
    batch->hold(shared_from_this(), r.gen, r.interval_ms);
  else if (r.action == Inbox::Push::wake && batch)
    batch->wake(shared_from_this());
  else if (r.action == Inbox::Push::wake)
    post_drain(shared_from_this());
}

void Connection::release_held(std::uint64_t gen) {
  if (inbox_.release(gen)) post_drain(shared_from_this());
}

void Connection::post_drain(std::shared_ptr<Connection> self) {
  auto& strand = self->strand_;
  asio::post(strand, [self = std::move(self)] {
    if (self->done_) return;
    self->drain_inbox();
    self->flush_output();
  });
}

void Connection::drain_inbox(std::uint64_t upto) {
  inbox_.take(batch_, upto);
  for (auto& [chunks, header] : batch_) session_.send_encoded(chunks, header);
  batch_.clear();
}

Result<void> Connection::feed(ByteView data) {
  auto r = [&] {
    FanoutBatch::Scope scope(fanout_, fanout_.may_hold_next(hold_min_players_));
    return session_.feed(data, Clock::now());
  }();
  fanout_.end(Clock::now(), [](std::shared_ptr<Connection> c) { post_drain(std::move(c)); });
  if (!fanout_.held_empty() && !hold_timer_armed_) arm_hold_timer();
  return r;
}

std::uint32_t Connection::play_stream() const {
  const auto& p = session_.playing();
  return p.empty() ? 0 : p.begin()->first;
}

void Connection::send(Message m) {
  if (m.stream_id == 0) m.stream_id = play_stream();
  if (m.stream_id == 0) return;  // not playing (yet): nothing to send to
  session_.send_message(m);
}

void Connection::resolve(Decision d) {
  if (!session_.decision_pending()) return;
  logging::info("session {} {}: deferred decision: {}", id_, remote_,
                d.accepted ? std::string("accepted") : "rejected: " + d.description);
  if (!d.accepted && session_.state() == ServerSession::State::connecting)
    close_reason_ = "connect rejected: " + d.description;
  auto r = session_.resolve(d);
  if (finish_if_handler_failed()) return;
  if (!session_.playing().empty() && counters_->play_stream_id.load() == 0)
    counters_->play_stream_id.store(session_.playing().begin()->first);
  if (!r) finish(r.error());
}

bool Connection::finish_if_handler_failed() {
  if (!guard_.failed()) return false;
  finish(guard_.error());
  return true;
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
    auto r = feed(ByteView(data, n));
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

void Connection::arm_hold_timer() {
  hold_timer_armed_ = true;
  hold_timer_.expires_at(fanout_.next_deadline());
  hold_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->hold_timer_armed_ = false;
    // Due ones (all of them once this connection is finished), oldest first.
    self->fanout_.release_due(Clock::now(), ec || self->done_,
                              [](Connection& c, std::uint64_t gen) { c.release_held(gen); });
    if (!self->fanout_.held_empty() && !self->done_) self->arm_hold_timer();
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
  set_pending(out.size());
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
    set_pending(0);
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
    self->set_pending(self->session_.output().size());
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
  counters_->pending.store(0);
  counters_->play_stream_id.store(0);
  counters_->chunk_size.store(0);
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
  manager_->remove(this);
}

}  // namespace rtmp::net
