// rtmp::Client: the coroutine API over one Client::Connection per connect.
#include "net/client_connection.hpp"

#include "net/log.hpp"

#include "rtmp/media/muxer.hpp"

namespace rtmp {

using namespace net::client_detail;
using namespace std::chrono_literals;

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

}  // namespace rtmp
