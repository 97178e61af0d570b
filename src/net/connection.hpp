// One accepted server connection (the Asio examples' connection): a reader coroutine feeds
// the sans-IO ServerSession on the connection's strand, its output goes out in
// non-blocking gather writes (an async write chain takes what the socket refuses), and a
// watchdog timer applies the session's deadlines. An idle connection keeps one coroutine
// frame and no read buffer. RTMPS connections run the same over an asio::ssl::stream after
// a TLS handshake.
//
// Lifetime: shared; the ConnectionManager, the reader coroutine and pending completion
// handlers hold it. Its handler's Session is a SessionHandle holding it weakly.
// Thread safety: post, post_stop and push_encoded from any thread; the rest on the strand.
#pragma once

#include "net/connection_manager.hpp"
#include "net/fanout_batch.hpp"
#include "net/handler_guard.hpp"
#include "net/inbox.hpp"
#include "net/session_handle.hpp"
#include "rtmp/core/server_session.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rtmp {
// Gives a handler its Session (a friend of rtmp::Handler).
class ConnectionAccess {
 public:
  static void set_session(Handler& h, std::shared_ptr<Session> s) { h.session_ = std::move(s); }
};
}  // namespace rtmp

namespace rtmp::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

class Connection;
using FanoutBatch = BasicFanoutBatch<Connection>;

class Connection final : public ServerSessionHandler,
                         public std::enable_shared_from_this<Connection> {
 public:
  // tls: the server's TLS context for an RTMPS connection, null for plain RTMP.
  // `socket` runs on `strand`.
  Connection(std::shared_ptr<ConnectionManager> manager, Strand strand, tcp::socket socket,
             std::unique_ptr<Handler> handler, std::uint64_t id, const ServerOptions& options,
             std::shared_ptr<ssl::context> tls = nullptr);

  // Gives the handler its session and starts the reader and the watchdog.
  void start();
  // Ends the connection with `reason`. From any thread.
  void post_stop(Error reason);
  // Runs f(*this) on the strand; `what` names it in the log if it throws (which closes the
  // connection like a throwing handler callback).
  template <class F>
  void post(const char* what, F&& f) {
    const std::uint64_t mark = inbox_.mark();  // hand-offs made so far
    asio::post(strand_, [self = shared_from_this(), what, mark, f = std::forward<F>(f)]() mutable {
      if (self->done_) return;
      // Hand-offs made before this job was posted go first (a status after the media that
      // preceded it, also when that media waits for the end of a read); those made since
      // stay behind it (a PublishNotify before the new publisher's first frames).
      self->drain_inbox(mark);
      self->guard_.call(what, [&] { f(*self); });
      if (self->finish_if_handler_failed()) return;
      self->flush_output();
    });
  }
  // Fan-out hand-off (see Inbox): during a publisher's read on this thread the drain job
  // is posted at the end of the read (FanoutBatch), and audio may wait there for the video
  // frame that follows it.
  void push_encoded(SharedBytes chunks, const Message& header);
  // Ends hold number `gen`: the inbox goes out now, unless it already went (or is going)
  // with a video frame.
  void release_held(std::uint64_t gen);

  // Strand only.
  std::uint32_t play_stream() const;
  // Sends `m` on the played stream (stream id 0 = the played one); dropped when not playing.
  void send(Message m);
  ServerSession& session() { return session_; }
  void resolve(Decision d);

  // ServerSessionHandler
  Decision on_connect(const ConnectInfo& info) override;
  Decision on_publish(const PublishInfo& info) override;
  Decision on_play(const PlayInfo& info) override;
  void on_metadata(std::uint32_t, const amf::Value& data, const Message& raw) override;
  void on_data(const Message& m, const std::vector<amf::Value>&) override;
  void on_media(const Message& m) override;
  bool on_delete_stream(std::uint32_t stream_id) override;

 private:
  static void post_drain(std::shared_ptr<Connection> self);
  // Moves the inbox's messages up to hand-off number `upto` (all by default) to the session.
  void drain_inbox(std::uint64_t upto = std::numeric_limits<std::uint64_t>::max());
  // A handler callback (or posted work) threw: the connection ends at once, output
  // discarded, so a publisher is not left sending into a session nobody reads.
  bool finish_if_handler_failed();
  // The coroutine holds the connection through its `self` parameter, copied into the
  // frame at co_spawn: one that has not started yet must keep it alive too.
  asio::awaitable<void> reader(std::shared_ptr<Connection> self);
  // Feeds one read to the session, with this connection's fan-out batch open.
  Result<void> feed(ByteView data);
  // Starts an async write of queued output unless one is in flight; with nothing queued,
  // half-closes a session that wants to close. Completion handlers hold the connection.
  void write_more();
  // The first queued output segments as Asio buffers (flush_bufs_), for one gather write.
  const std::vector<asio::const_buffer>& gather_output();
  // The session's deadlines (handshake, connect, setup, drain), checked at least once a second.
  void arm_watchdog();
  // Releases the players holding audio for this publisher when their time is up.
  void arm_hold_timer();
  // Writes queued output now when no async write is in flight (one non-blocking gather
  // write); what the socket does not take, and closing, is left to write_more.
  void flush_output();
  void set_pending(std::size_t n) { counters_->pending.store(n); }
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

  std::shared_ptr<ConnectionManager> manager_;
  // Read from other threads through SessionHandle.
  std::shared_ptr<ConnectionCounters> counters_ = std::make_shared<ConnectionCounters>();
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
  Inbox inbox_;                     // hand-offs to this connection as a player
  std::vector<Inbox::Item> batch_;  // strand only
  FanoutBatch fanout_;              // hand-offs this connection's reads make as a publisher
  std::size_t hold_min_players_;
  asio::steady_timer hold_timer_;
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

}  // namespace rtmp::net
