// The publish and play paths of a client Connection: the commands, sending media, and the
// session events (status, metadata, media) that go to the ClientHandler.
#include "net/client_connection.hpp"

#include "net/log.hpp"

#include "rtmp/media/muxer.hpp"

namespace rtmp {

using namespace net::client_detail;
using namespace std::chrono_literals;

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

}  // namespace rtmp
