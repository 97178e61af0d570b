#include "net/client_connection.hpp"

#include "net/log.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace rtmp {

using namespace net::client_detail;
using namespace std::chrono_literals;

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

}  // namespace rtmp
