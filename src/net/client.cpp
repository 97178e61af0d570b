// rtmp::Client over Boost.Asio: one Connection object per connect (so close + connect again
// starts from a clean session), with a reader coroutine feeding the sans-IO ClientSession, a
// writer coroutine draining its output queue, and a watchdog applying the timeouts. Waiting
// operations (connect, publish, play, drain, close) sleep on one "changed" timer that the
// reader and writer cancel whenever something happened.
#include "rtmp/client.hpp"

#include "net/handler_guard.hpp"
#include "net/log.hpp"
#include "rtmp/core/client_session.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/muxer.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <algorithm>
#include <future>
#include <optional>
#include <thread>

namespace rtmp {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string ms_text(std::chrono::milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

std::string str_field(const amf::Value& info, std::string_view key) {
  const amf::Value* v = info.get(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

Status to_status(const amf::Value& info) {
  return {str_field(info, "level"), str_field(info, "code"), str_field(info, "description")};
}

// "NetStream.Publish.BadName: key in use", or a fallback when the server sent no info object.
std::string status_text(const Status& s, std::string_view fallback) {
  if (s.code.empty() && s.description.empty()) return std::string(fallback);
  if (s.description.empty()) return s.code;
  if (s.code.empty()) return s.description;
  return s.code + ": " + s.description;
}

}  // namespace

// ---- Connection ----

class Client::Connection final : public ClientSessionHandler,
                                 public std::enable_shared_from_this<Client::Connection> {
 public:
  Connection(asio::any_io_executor ex, const ClientOptions& options, ClientHandler* handler)
      : ex_(ex),
        options_(options),
        handler_(handler),
        resolver_(ex),
        socket_(ex),
        changed_(ex),
        write_signal_(ex),
        watchdog_timer_(ex) {
    changed_.expires_at(asio::steady_timer::time_point::max());
    write_signal_.expires_at(asio::steady_timer::time_point::max());
  }

  asio::awaitable<Result<void>> open(const RtmpUrl& url);
  asio::awaitable<Result<void>> publish(std::string key, std::string type);
  asio::awaitable<Result<void>> play(std::string name, PlayOptions play);
  Result<void> send(Message m, bool media);
  asio::awaitable<Result<void>> drain(std::size_t limit);
  asio::awaitable<Error> wait_closed();
  asio::awaitable<void> close_gracefully();
  // Ends the connection now; on_disconnect follows (posted) if it was announced.
  void fail(Error reason);

  bool done() const noexcept { return done_; }
  Client::State state() const noexcept { return state_; }
  std::size_t pending() const noexcept { return session_ ? session_->output().size() : 0; }
  std::uint32_t stream_id() const noexcept { return stream_id_; }
  const amf::Value& connect_info() const noexcept { return connect_info_; }
  const ConnectCaps& server_caps() const noexcept {
    static const ConnectCaps none;
    return session_ ? session_->server_caps() : none;
  }
  void detach_handler() noexcept { handler_ = nullptr; }

  // ClientSessionHandler
  void on_connected(const amf::Value& info) override;
  void on_stream_created(std::uint32_t stream_id) override;
  void on_status(std::uint32_t stream_id, const amf::Value& info) override;
  void on_reconnect_request(const std::string& tc_url, const amf::Value& info) override;
  void on_command_error(const std::string& command, const amf::Value& info) override;
  void on_metadata(std::uint32_t stream_id, const amf::Value& data, const Message& raw) override;
  void on_data(const Message& m, const std::vector<amf::Value>& values) override;
  void on_media(const Message& m) override;
  void on_user_control(const control::UserControl& uc) override;

 private:
  template <class Pred>
  asio::awaitable<Result<void>> wait_until(Pred pred);
  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_some(
      asio::mutable_buffer b);
  // Detached coroutines hold the connection through `self`, copied into the frame at
  // co_spawn: taken when the body first ran, a coroutine that had not started yet could
  // outlive the connection.
  asio::awaitable<void> reader(std::shared_ptr<Connection> self);
  asio::awaitable<void> writer(std::shared_ptr<Connection> self);
  asio::awaitable<void> watchdog(std::shared_ptr<Connection> self);
  asio::awaitable<Result<void>> tls_handshake();
  Result<std::size_t> await_status(std::size_t mark, std::string_view success);
  void notify() { changed_.cancel(); }
  void wake_writer() { write_signal_.cancel(); }
  void set_deadline(std::chrono::milliseconds in, errc code, std::string what) {
    if (in.count() <= 0) {
      deadline_.reset();
      return;
    }
    deadline_ = Clock::now() + in;
    deadline_code_ = code;
    deadline_what_ = std::move(what);
    watchdog_timer_.cancel();  // recompute its wake-up time
  }
  void clear_deadline() { deadline_.reset(); }
  // Calls the handler (if any, while the connection lives); a callback that throws ends
  // the connection at once with errc::handler_error.
  template <class F>
  void call_handler(const char* callback, F&& f) {
    if (done_ || !handler_) return;
    if (!guard_.call(callback, std::forward<F>(f))) fail(guard_.error());
  }
  bool busy_check(Result<void>& r, std::string_view op);

  asio::any_io_executor ex_;
  ClientOptions options_;
  ClientHandler* handler_;
  HandlerGuard guard_;
  RtmpUrl url_;
  std::string where_;  // host:port for messages
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::unique_ptr<ssl::context> tls_ctx_;
  std::optional<ssl::stream<tcp::socket>> tls_;
  std::unique_ptr<ClientSession> session_;
  Demuxer demuxer_;
  std::vector<MediaEvent> events_;
  asio::steady_timer changed_;
  asio::steady_timer write_signal_;
  asio::steady_timer watchdog_timer_;

  Client::State state_ = Client::State::idle;
  bool done_ = false;
  bool announced_ = false;  // async_connect succeeded: on_disconnect is owed
  bool closing_ = false;
  bool busy_ = false;  // a connect/publish/play wait is in progress
  Error reason_;
  std::optional<TimePoint> deadline_;
  errc deadline_code_ = errc::timeout;
  std::string deadline_what_;
  TimePoint last_read_{};
  bool writing_ = false;
  TimePoint write_started_{};

  bool connected_ = false;
  std::optional<Error> command_error_;
  amf::Value connect_info_;
  std::uint32_t stream_id_ = 0;
  std::vector<Status> statuses_;
  std::string key_;  // published key (for FCUnpublish)
};

void Client::Connection::fail(Error reason) {
  if (done_) return;
  done_ = true;
  state_ = Client::State::closed;
  reason_ = std::move(reason);
  boost::system::error_code ec;
  resolver_.cancel();
  auto& sock = tls_ ? tls_->next_layer() : socket_;
  sock.shutdown(tcp::socket::shutdown_both, ec);
  sock.close(ec);
  write_signal_.cancel();
  watchdog_timer_.cancel();
  notify();
  if (announced_) {
    logging::info("rtmp client {}: connection ended: {}", where_, reason_.message());
    // Posted, so that a close() inside a handler callback does not re-enter the handler and
    // on_disconnect comes after the callback that is running.
    asio::post(ex_, [self = shared_from_this()] {
      if (self->handler_)
        self->guard_.call_last("on_disconnect",
                               [&] { self->handler_->on_disconnect(self->reason_); });
    });
  }
}

template <class Pred>
asio::awaitable<Result<void>> Client::Connection::wait_until(Pred pred) {
  auto self = shared_from_this();
  while (!pred()) {
    if (done_) co_return reason_;
    // changed_ never expires (time_point::max); cancel() wakes every waiter at once.
    co_await changed_.async_wait(use_tuple);
  }
  co_return Result<void>{};
}

asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> Client::Connection::read_some(
    asio::mutable_buffer b) {
  if (tls_) co_return co_await tls_->async_read_some(b, use_tuple);
  co_return co_await socket_.async_read_some(b, use_tuple);
}

asio::awaitable<Result<void>> Client::Connection::tls_handshake() {
  auto self = shared_from_this();
  tls_ctx_ = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  if (options_.tls_verify) {
    if (!options_.tls_ca_file.empty())
      tls_ctx_->load_verify_file(options_.tls_ca_file, ec);
    else
      tls_ctx_->set_default_verify_paths(ec);
    if (ec) {
      Error e(errc::invalid_argument,
              "TLS CA file '" + options_.tls_ca_file + "': " + ec.message());
      fail(e);
      co_return e;
    }
  }
  tls_.emplace(std::move(socket_), *tls_ctx_);
  boost::system::error_code addr_ec;
  asio::ip::make_address(url_.host, addr_ec);
  if (addr_ec)  // SNI carries host names only (RFC 6066 §3)
    SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str());
  if (options_.tls_verify) {
    tls_->set_verify_mode(ssl::verify_peer);
    tls_->set_verify_callback(ssl::host_name_verification(url_.host));
  } else {
    tls_->set_verify_mode(ssl::verify_none);
  }
  auto [hec] = co_await tls_->async_handshake(ssl::stream_base::client, use_tuple);
  if (done_) co_return reason_;
  if (hec) {
    std::string why = hec.message();
    long verify = SSL_get_verify_result(tls_->native_handle());
    if (verify != X509_V_OK) {
      why += std::string(" (certificate: ") + X509_verify_cert_error_string(verify) +
             "; tls_verify = false skips verification)";
    } else if (options_.tls_verify && why.find("certificate verify failed") != std::string::npos) {
      why += " (host name " + url_.host + " does not match the certificate)";
    }
    Error e(errc::handshake_failed, "TLS handshake with " + where_ + ": " + why);
    fail(e);
    co_return e;
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> Client::Connection::open(const RtmpUrl& url) {
  auto self = shared_from_this();
  url_ = url;
  where_ = (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) + ":" +
           std::to_string(url.port);
  guard_.set_name("rtmp client " + where_);
  busy_ = true;
  asio::co_spawn(ex_, watchdog(shared_from_this()), asio::detached);

  set_deadline(options_.connect_timeout, errc::timeout,
               "connect to " + where_ + " not done within " + ms_text(options_.connect_timeout));
  auto [rec, endpoints] =
      co_await resolver_.async_resolve(url.host, std::to_string(url.port), use_tuple);
  if (done_) co_return reason_;
  if (rec) {
    fail(Error(errc::io_error, "resolve " + url.host + ": " + rec.message()));
    co_return reason_;
  }
  auto [cec, ep] = co_await asio::async_connect(socket_, endpoints, use_tuple);
  if (done_) co_return reason_;
  if (cec) {
    fail(Error(errc::io_error, "connect to " + where_ + ": " + cec.message()));
    co_return reason_;
  }
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  if (url.tls)
    if (auto r = co_await tls_handshake(); !r) co_return r;

  SessionOptions so;
  so.limits = options_.limits;
  so.limits.handshake_timeout_ms = static_cast<std::uint32_t>(options_.handshake_timeout.count());
  so.chunk_size = options_.chunk_size;
  so.digest_handshake = options_.digest_handshake;
  session_ = std::make_unique<ClientSession>(so, *this);
  last_read_ = Clock::now();
  session_->start(last_read_);
  asio::co_spawn(ex_, reader(shared_from_this()), asio::detached);
  asio::co_spawn(ex_, writer(shared_from_this()), asio::detached);
  set_deadline(options_.handshake_timeout, errc::timeout,
               "RTMP handshake with " + where_ + " not completed within " +
                   ms_text(options_.handshake_timeout));
  if (auto r = co_await wait_until([&] { return session_->handshake_done(); }); !r) co_return r;

  ConnectParams p;
  p.app = options_.app.empty() ? url.app : options_.app;
  p.tc_url = options_.tc_url.empty() ? url.tc_url : options_.tc_url;
  if (!options_.flash_ver.empty())
    p.flash_ver = options_.flash_ver;
  else if (options_.player)
    p.flash_ver = "LNX 9,0,124,2";  // what FFmpeg's player sends
  p.swf_url = options_.swf_url;
  p.page_url = options_.page_url;
  static_cast<ConnectCaps&>(p) = options_.caps;
  p.args = options_.connect_args;
  p.player = options_.player;
  session_->connect(p);
  wake_writer();
  set_deadline(options_.read_timeout, errc::timeout,
               "no answer to connect from " + where_ + " within " + ms_text(options_.read_timeout));
  if (auto r = co_await wait_until([&] { return connected_ || command_error_; }); !r) co_return r;
  if (command_error_) {
    Error e = *command_error_;
    fail(e);
    co_return e;
  }
  session_->create_stream();
  wake_writer();
  set_deadline(
      options_.read_timeout, errc::timeout,
      "no answer to createStream from " + where_ + " within " + ms_text(options_.read_timeout));
  if (auto r = co_await wait_until([&] { return stream_id_ != 0 || command_error_; }); !r)
    co_return r;
  if (command_error_) {
    Error e = *command_error_;
    fail(e);
    co_return e;
  }
  clear_deadline();
  busy_ = false;
  state_ = Client::State::connected;
  announced_ = true;
  logging::info("rtmp client {}: connected (app {}, stream id {})", where_, p.app, stream_id_);
  co_return Result<void>{};
}

bool Client::Connection::busy_check(Result<void>& r, std::string_view op) {
  if (done_) {
    r = reason_;
    return true;
  }
  if (busy_) {
    r = Error(errc::invalid_argument, std::string(op) + ": another operation is in progress");
    return true;
  }
  if (state_ != Client::State::connected) {
    r = Error(errc::unexpected_message,
              std::string(op) + ": the stream is already " +
                  (state_ == Client::State::publishing ? "publishing" : "playing"));
    return true;
  }
  return false;
}

// Index of the first status after `mark` that ends the wait: 0-based + 1 for `success`,
// or an error for a failure status.
Result<std::size_t> Client::Connection::await_status(std::size_t mark, std::string_view success) {
  for (std::size_t i = mark; i < statuses_.size(); ++i) {
    const Status& s = statuses_[i];
    if (s.code == success) return i + 1;
    if (s.level == "error" || s.code.find(".BadName") != std::string::npos ||
        s.code.find(".Failed") != std::string::npos ||
        s.code.find(".StreamNotFound") != std::string::npos ||
        s.code.find(".Rejected") != std::string::npos)
      return Error(errc::rejected, status_text(s, "rejected"));
  }
  return std::size_t{0};
}

asio::awaitable<Result<void>> Client::Connection::publish(std::string key, std::string type) {
  auto self = shared_from_this();
  Result<void> r;
  if (busy_check(r, "publish")) co_return r;
  if (key.empty()) key = url_.stream;
  if (key.empty()) co_return Error(errc::invalid_argument, "publish: no stream key");
  busy_ = true;
  // releaseStream and FCPublish before publish, as FFmpeg and OBS send them (some servers,
  // e.g. CDN ingests, want FCPublish); their answers are not waited for.
  session_->release_stream(key);
  session_->fc_publish(key);
  session_->publish(stream_id_, key, type);
  wake_writer();
  std::size_t mark = statuses_.size();
  set_deadline(options_.read_timeout, errc::timeout,
               "no answer to publish '" + key + "' from " + where_ + " within " +
                   ms_text(options_.read_timeout));
  Result<std::size_t> found = std::size_t{0};
  r = co_await wait_until([&] {
    found = await_status(mark, "NetStream.Publish.Start");
    return !found || *found != 0;
  });
  busy_ = false;
  clear_deadline();
  if (!r) co_return r;
  if (!found) co_return found.error();
  state_ = Client::State::publishing;
  key_ = key;
  logging::info("rtmp client {}: publishing '{}' ({})", where_, key, type);
  co_return Result<void>{};
}

asio::awaitable<Result<void>> Client::Connection::play(std::string name, PlayOptions play) {
  auto self = shared_from_this();
  Result<void> r;
  if (busy_check(r, "play")) co_return r;
  if (name.empty()) name = url_.stream;
  if (name.empty()) co_return Error(errc::invalid_argument, "play: no stream name");
  busy_ = true;
  demuxer_.reset();
  session_->play(stream_id_, name, play.start, play.duration, play.reset);
  // ClientSession::play already sends Set Buffer Length 3000 ms (FFmpeg's default).
  if (options_.buffer_length_ms != 3000)
    session_->set_buffer_length(stream_id_, options_.buffer_length_ms);
  wake_writer();
  std::size_t mark = statuses_.size();
  set_deadline(options_.read_timeout, errc::timeout,
               "no answer to play '" + name + "' from " + where_ + " within " +
                   ms_text(options_.read_timeout));
  Result<std::size_t> found = std::size_t{0};
  r = co_await wait_until([&] {
    found = await_status(mark, "NetStream.Play.Start");
    return !found || *found != 0;
  });
  busy_ = false;
  clear_deadline();
  if (!r) co_return r;
  if (!found) co_return found.error();
  state_ = Client::State::playing;
  last_read_ = Clock::now();
  watchdog_timer_.cancel();  // idle timeout starts now
  logging::info("rtmp client {}: playing '{}'", where_, name);
  co_return Result<void>{};
}

Result<void> Client::Connection::send(Message m, bool media) {
  if (done_) return reason_;
  if (state_ == Client::State::idle) return Error(errc::unexpected_message, "not connected yet");
  if (media && state_ != Client::State::publishing)
    return Error(errc::unexpected_message, "not publishing");
  if (session_->output().size() >= options_.max_output_bytes)
    return Error(errc::output_full, std::to_string(session_->output().size()) +
                                        " bytes queued for " + where_ + " (max_output_bytes " +
                                        std::to_string(options_.max_output_bytes) + ")");
  if (m.stream_id == 0) m.stream_id = stream_id_;
  session_->send_message(m);
  wake_writer();
  return {};
}

asio::awaitable<Result<void>> Client::Connection::drain(std::size_t limit) {
  co_return co_await wait_until(
      [&] { return session_ && session_->output().size() <= limit && (limit > 0 || !writing_); });
}

asio::awaitable<Error> Client::Connection::wait_closed() {
  auto self = shared_from_this();
  co_await wait_until([] { return false; });
  co_return reason_;
}

asio::awaitable<void> Client::Connection::close_gracefully() {
  auto self = shared_from_this();
  if (done_) co_return;
  if (!session_ || busy_ || !session_->handshake_done()) {
    fail(Error(errc::closed, "closed by client"));
    co_return;
  }
  closing_ = true;
  if (state_ == Client::State::publishing) session_->fc_unpublish(key_);
  if (stream_id_ != 0) session_->delete_stream(stream_id_);
  state_ = Client::State::closed;
  wake_writer();
  auto flush_time = options_.write_timeout.count() > 0 ? std::min(options_.write_timeout, 10000ms)
                                                       : std::chrono::milliseconds(10000);
  set_deadline(flush_time, errc::timeout,
               "closing: queued output not written within " + ms_text(flush_time));
  if (!co_await wait_until([&] { return session_->output().empty() && !writing_; })) co_return;
  // Half-close and let the server close its side: closing at once with unread bytes in our
  // receive buffer would send an RST, which may make the server's kernel drop the last
  // frames it had not read yet.
  boost::system::error_code ec;
  (tls_ ? tls_->next_layer() : socket_).shutdown(tcp::socket::shutdown_send, ec);
  set_deadline(2000ms, errc::closed, "closed by client");
  co_await wait_until([] { return false; });
}

asio::awaitable<void> Client::Connection::reader(
    [[maybe_unused]] std::shared_ptr<Connection> self) {
  std::vector<std::uint8_t> buf(64 * 1024);
  while (!done_) {
    auto [ec, n] = co_await read_some(asio::buffer(buf));
    if (done_) break;
    if (ec) {
      if (closing_)
        fail(Error(errc::closed, "closed by client"));
      else if (ec == asio::error::eof || ec == ssl::error::stream_truncated)
        fail(Error(errc::closed, "server " + where_ + " closed the connection"));
      else
        fail(Error(errc::io_error, "read from " + where_ + ": " + ec.message()));
      break;
    }
    last_read_ = Clock::now();
    auto r = session_->feed(ByteView(buf.data(), n), last_read_);
    if (done_) break;
    if (!r) {
      fail(Error(r.error().code, "from server " + where_ + ": " + r.error().detail));
      break;
    }
    notify();
    wake_writer();
  }
}

asio::awaitable<void> Client::Connection::writer(
    [[maybe_unused]] std::shared_ptr<Connection> self) {
  std::vector<ByteView> views;
  std::vector<asio::const_buffer> bufs;
  // Bounded batches, so that write_timeout measures progress rather than the whole queue.
  constexpr std::size_t max_batch = 256 * 1024;
  while (!done_) {
    auto& out = session_->output();
    if (out.empty()) {
      notify();  // drain() waiters
      co_await write_signal_.async_wait(use_tuple);
      continue;
    }
    views.clear();
    bufs.clear();
    out.views(views, 64);
    std::size_t total = 0;
    for (auto v : views) {
      std::size_t take = std::min(v.size(), max_batch - total);
      bufs.emplace_back(v.data(), take);
      total += take;
      if (total >= max_batch) break;
    }
    writing_ = true;
    write_started_ = Clock::now();
    auto [ec, n] = tls_ ? co_await asio::async_write(*tls_, bufs, use_tuple)
                        : co_await asio::async_write(socket_, bufs, use_tuple);
    writing_ = false;
    if (done_) break;
    if (ec) {
      fail(Error(errc::io_error, "write to " + where_ + ": " + ec.message()));
      break;
    }
    out.consume(n);
    notify();
  }
}

asio::awaitable<void> Client::Connection::watchdog(
    [[maybe_unused]] std::shared_ptr<Connection> self) {
  while (!done_) {
    auto now = Clock::now();
    auto next = now + 1s;
    if (deadline_) next = std::min(next, *deadline_);
    if (state_ == Client::State::playing && options_.read_timeout.count() > 0)
      next = std::min(next, last_read_ + options_.read_timeout);
    if (writing_ && options_.write_timeout.count() > 0)
      next = std::min(next, write_started_ + options_.write_timeout);
    watchdog_timer_.expires_at(std::max(next, now));
    co_await watchdog_timer_.async_wait(use_tuple);
    if (done_) break;
    now = Clock::now();
    if (deadline_ && now >= *deadline_) {
      fail(Error(deadline_code_, deadline_what_));
    } else if (state_ == Client::State::playing && options_.read_timeout.count() > 0 &&
               now >= last_read_ + options_.read_timeout) {
      fail(Error(errc::timeout, "nothing received from " + where_ + " for " +
                                    ms_text(options_.read_timeout) + " while playing"));
    } else if (writing_ && options_.write_timeout.count() > 0 &&
               now >= write_started_ + options_.write_timeout) {
      fail(Error(errc::timeout, "write to " + where_ + " made no progress for " +
                                    ms_text(options_.write_timeout)));
    }
  }
}

void Client::Connection::on_connected(const amf::Value& info) {
  connected_ = true;
  connect_info_ = info;
}

void Client::Connection::on_stream_created(std::uint32_t stream_id) {
  stream_id_ = stream_id == 0 ? 1 : stream_id;  // 0 is the control stream: not usable
}

void Client::Connection::on_status(std::uint32_t, const amf::Value& info) {
  if (done_) return;
  Status s = to_status(info);
  logging::debug("rtmp client {}: onStatus {} {} {}", where_, s.level, s.code, s.description);
  statuses_.push_back(s);
  call_handler("on_status", [&] { handler_->on_status(s); });
}

void Client::Connection::on_reconnect_request(const std::string& tc_url, const amf::Value& info) {
  if (done_) return;
  Status s = to_status(info);
  logging::info("rtmp client {}: server asks to reconnect to {}", where_, tc_url);
  call_handler("on_reconnect_request", [&] { handler_->on_reconnect_request(tc_url, s); });
}

void Client::Connection::on_command_error(const std::string& command, const amf::Value& info) {
  // releaseStream/FCPublish are optional: servers that do not know them may answer _error.
  if (command != "connect" && command != "createStream") return;
  Status s = to_status(info);
  command_error_ =
      Error(errc::rejected, command + " rejected by " + where_ + ": " +
                                status_text(s, "_error without an information object"));
}

void Client::Connection::on_metadata(std::uint32_t, const amf::Value& data, const Message& raw) {
  call_handler("on_metadata", [&] { handler_->on_metadata(data); });
  if (!options_.demux) call_handler("on_message", [&] { handler_->on_message(raw); });
}

void Client::Connection::on_data(const Message& m, const std::vector<amf::Value>&) {
  if (!options_.demux) call_handler("on_message", [&] { handler_->on_message(m); });
}

void Client::Connection::on_media(const Message& m) {
  if (done_) return;
  if (!options_.demux) {
    call_handler("on_message", [&] { handler_->on_message(m); });
    return;
  }
  demuxer_.recycle(events_);
  if (auto r = demuxer_.push(m, events_); !r) {
    fail(Error(r.error().code, "media from " + where_ + ": " + r.error().detail));
    return;
  }
  if (!handler_) return;
  for (auto& e : events_) {
    if (done_ || !handler_) return;  // a callback closed the client
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

void Client::Connection::on_user_control(const control::UserControl& uc) {
  if (done_ || !handler_) return;
  if (uc.event == control::UserEvent::stream_eof && uc.value == stream_id_)
    call_handler("on_stream_eof", [&] { handler_->on_stream_eof(); });
}

// ---- Client ----

struct Client::Executor {
  asio::any_io_executor ex;
};

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : executor_(std::make_unique<Executor>(Executor{std::move(executor)})),
      options_(std::move(options)) {}

Client::~Client() {
  if (conn_) {
    conn_->detach_handler();
    conn_->fail(Error(errc::closed, "client destroyed"));
  }
}

void Client::set_handler(ClientHandler* handler) noexcept {
  handler_ = handler;
}

asio::awaitable<Result<void>> Client::async_connect(std::string url) {
  auto u = RtmpUrl::parse(url);
  if (!u) co_return u.error();
  co_return co_await async_connect(std::move(*u));
}

asio::awaitable<Result<void>> Client::async_connect(RtmpUrl url) {
  if (conn_ && !conn_->done())
    co_return Error(errc::invalid_argument, "already connected to " + url_.host + "; close first");
  url_ = std::move(url);
  auto conn = std::make_shared<Connection>(executor_->ex, options_, handler_);
  conn_ = conn;
  co_return co_await conn->open(url_);
}

asio::awaitable<Result<void>> Client::async_publish(std::string key, std::string type) {
  auto conn = conn_;
  if (!conn) co_return Error(errc::closed, "not connected");
  co_return co_await conn->publish(std::move(key), std::move(type));
}

asio::awaitable<Result<void>> Client::async_play(std::string name, PlayOptions play) {
  auto conn = conn_;
  if (!conn) co_return Error(errc::closed, "not connected");
  co_return co_await conn->play(std::move(name), play);
}

Result<void> Client::send_codec(const Codec& codec) {
  if (!conn_) return Error(errc::closed, "not connected");
  if (!Muxer::has_wire_form(codec)) return {};  // announced by the frames themselves
  return conn_->send(Muxer::mux(codec, conn_->stream_id()), true);
}

Result<void> Client::send_video(const VideoSample& sample) {
  if (!conn_) return Error(errc::closed, "not connected");
  return conn_->send(Muxer::mux(sample, conn_->stream_id()), true);
}

Result<void> Client::send_audio(const AudioSample& sample) {
  if (!conn_) return Error(errc::closed, "not connected");
  return conn_->send(Muxer::mux(sample, conn_->stream_id()), true);
}

Result<void> Client::send_metadata(const amf::Value& metadata) {
  if (!conn_) return Error(errc::closed, "not connected");
  // @setDataFrame tells the server to keep the data and send it to players as onMetaData
  // (FFmpeg and OBS send it so; nginx-rtmp and others rely on it).
  return conn_->send(make_data(conn_->stream_id(),
                               {amf::Value("@setDataFrame"), amf::Value("onMetaData"), metadata}),
                     true);
}

Result<void> Client::send_message(const Message& message) {
  if (!conn_) return Error(errc::closed, "not connected");
  return conn_->send(message, false);
}

asio::awaitable<Result<void>> Client::async_drain(std::size_t limit) {
  auto conn = conn_;
  if (!conn) co_return Error(errc::closed, "not connected");
  co_return co_await conn->drain(limit);
}

asio::awaitable<Error> Client::async_wait_closed() {
  auto conn = conn_;
  if (!conn) co_return Error(errc::closed, "not connected");
  co_return co_await conn->wait_closed();
}

asio::awaitable<void> Client::async_close() {
  auto conn = conn_;
  if (!conn) co_return;
  co_await conn->close_gracefully();
}

void Client::close() noexcept {
  if (conn_) conn_->fail(Error(errc::closed, "closed by client"));
}

const ConnectCaps& Client::server_caps() const noexcept {
  static const ConnectCaps none;
  return conn_ ? conn_->server_caps() : none;
}

Client::State Client::state() const noexcept {
  return conn_ ? conn_->state() : State::idle;
}

std::size_t Client::pending_output() const noexcept {
  return conn_ ? conn_->pending() : 0;
}

std::uint32_t Client::stream_id() const noexcept {
  return conn_ ? conn_->stream_id() : 0;
}

const amf::Value& Client::connect_info() const noexcept {
  static const amf::Value none;
  return conn_ ? conn_->connect_info() : none;
}

// ---- BlockingClient ----

struct BlockingClient::Impl {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  Client client;
  std::thread thread;

  explicit Impl(ClientOptions o) : client(ioc.get_executor(), std::move(o)) {
    thread = std::thread([this] { ioc.run(); });
  }
  bool on_thread() const { return thread.get_id() == std::this_thread::get_id(); }

  // Runs f() on the client's thread and waits for its result.
  template <class F>
  auto run(F f) -> decltype(f()) {
    if (on_thread()) return f();
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto future = task.get_future();
    // Wrapped: a bare packaged_task would be taken as a completion token.
    asio::post(ioc, [t = std::move(task)]() mutable { t(); });
    return future.get();
  }
  // Runs a coroutine on the client's thread and waits for it.
  template <class F>
  auto run_async(F f) {
    return asio::co_spawn(ioc, std::move(f), asio::use_future).get();
  }
  ~Impl() {
    if (thread.joinable()) {
      run_async([this]() -> asio::awaitable<int> {
        co_await client.async_close();
        co_return 0;
      });
      work.reset();
      ioc.stop();
      thread.join();
    }
  }
};

BlockingClient::BlockingClient(ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

BlockingClient::~BlockingClient() = default;

void BlockingClient::set_handler(ClientHandler* handler) {
  impl_->run([&] { impl_->client.set_handler(handler); });
}

Result<void> BlockingClient::connect(const std::string& url) {
  if (impl_->on_thread()) return Error(errc::invalid_argument, "connect from a handler callback");
  return impl_->run_async([&]() { return impl_->client.async_connect(url); });
}

Result<void> BlockingClient::publish(const std::string& key, const std::string& type) {
  if (impl_->on_thread()) return Error(errc::invalid_argument, "publish from a handler callback");
  return impl_->run_async([&]() { return impl_->client.async_publish(key, type); });
}

Result<void> BlockingClient::play(const std::string& name, PlayOptions play) {
  if (impl_->on_thread()) return Error(errc::invalid_argument, "play from a handler callback");
  return impl_->run_async([&]() { return impl_->client.async_play(name, play); });
}

Result<void> BlockingClient::send_codec(const Codec& codec) {
  return impl_->run([&] { return impl_->client.send_codec(codec); });
}
Result<void> BlockingClient::send_video(const VideoSample& sample) {
  return impl_->run([&] { return impl_->client.send_video(sample); });
}
Result<void> BlockingClient::send_audio(const AudioSample& sample) {
  return impl_->run([&] { return impl_->client.send_audio(sample); });
}
Result<void> BlockingClient::send_metadata(const amf::Value& metadata) {
  return impl_->run([&] { return impl_->client.send_metadata(metadata); });
}
Result<void> BlockingClient::send_message(const Message& message) {
  return impl_->run([&] { return impl_->client.send_message(message); });
}

Result<void> BlockingClient::drain(std::size_t limit) {
  if (impl_->on_thread()) return Error(errc::invalid_argument, "drain from a handler callback");
  return impl_->run_async([&]() { return impl_->client.async_drain(limit); });
}

Error BlockingClient::wait_closed(std::chrono::milliseconds timeout) {
  if (impl_->on_thread())
    return Error(errc::invalid_argument, "wait_closed from a handler callback");
  auto future = asio::co_spawn(
      impl_->ioc, [this]() { return impl_->client.async_wait_closed(); }, asio::use_future);
  if (future.wait_for(timeout) != std::future_status::ready)
    return Error(errc::timeout, "still connected after " + ms_text(timeout));
  return future.get();
}

void BlockingClient::close() {
  if (impl_->on_thread()) {
    impl_->client.close();
    return;
  }
  impl_->run_async([this]() -> asio::awaitable<int> {
    co_await impl_->client.async_close();
    co_return 0;
  });
}

Client::State BlockingClient::state() const {
  return impl_->run([&] { return impl_->client.state(); });
}

std::size_t BlockingClient::pending_output() const {
  return impl_->run([&] { return impl_->client.pending_output(); });
}

}  // namespace rtmp
