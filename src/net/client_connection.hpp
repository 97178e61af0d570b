// The connection behind rtmp::Client (one per connect, so close + connect again starts
// from a clean session): a reader coroutine feeds the sans-IO ClientSession, a writer
// coroutine drains its output queue, and a watchdog applies the timeouts. Waiting
// operations (connect, publish, play, drain, close) sleep on one "changed" timer that the
// reader and writer cancel whenever something happened.
//
// Lifetime: shared; its coroutines hold it. Thread safety: none; it runs on the client's
// executor, which must not run it from two threads at once.
#pragma once

#include "net/handler_guard.hpp"
#include "rtmp/client.hpp"
#include "rtmp/core/client_session.hpp"
#include "rtmp/media/demuxer.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rtmp {

namespace net::client_detail {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

inline std::string ms_text(std::chrono::milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

inline std::string str_field(const amf::Value& info, std::string_view key) {
  const amf::Value* v = info.get(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline Status to_status(const amf::Value& info) {
  return {str_field(info, "level"), str_field(info, "code"), str_field(info, "description")};
}

// "NetStream.Publish.BadName: key in use", or a fallback when the server sent no info object.
inline std::string status_text(const Status& s, std::string_view fallback) {
  if (s.code.empty() && s.description.empty()) return std::string(fallback);
  if (s.description.empty()) return s.code;
  if (s.code.empty()) return s.description;
  return s.code + ": " + s.description;
}

}  // namespace net::client_detail

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

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

template <class Pred>
asio::awaitable<Result<void>> Client::Connection::wait_until(Pred pred) {
  auto self = shared_from_this();
  while (!pred()) {
    if (done_) co_return reason_;
    // changed_ never expires (time_point::max); cancel() wakes every waiter at once.
    co_await changed_.async_wait(net::client_detail::use_tuple);
  }
  co_return Result<void>{};
}

}  // namespace rtmp
