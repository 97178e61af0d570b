// The server side of one RTMP connection, without I/O: bytes in, callbacks and bytes out.
//
// Event order for a publisher:
//   on_connect → on_create_stream → on_publish → (on_metadata | on_media)* →
//   on_delete_stream (or the connection ends)
// and for a player:
//   on_connect → on_create_stream → on_play → [the application sends media] → on_delete_stream
// Callbacks run inside feed(); they may queue output (send_*) but never call feed().
//
// Commands in the wrong state are answered and the session stays open, as FFmpeg and
// nginx-rtmp clients expect: a second connect gets _error NetConnection.Connect.Rejected;
// other calls before connect (createStream, ...) and a createStream past the limit get
// _error NetConnection.Call.Failed; publish / play before connect, on a stream id never
// created, deleted by deleteStream, or already publishing/playing get an error onStatus
// NetStream.Publish.BadName / NetStream.Play.Failed on that stream id.
#pragma once

#include "rtmp/core/ack_window.hpp"
#include "rtmp/core/chunk.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/core/control.hpp"
#include "rtmp/core/handshake.hpp"
#include "rtmp/core/output_queue.hpp"
#include "rtmp/core/session.hpp"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace rtmp {

class ServerSessionHandler {
 public:
  virtual ~ServerSessionHandler() = default;
  virtual Decision on_connect(const ConnectInfo&) { return Decision::accept(); }
  virtual void on_create_stream(std::uint32_t /*stream_id*/) {}
  virtual Decision on_publish(const PublishInfo&) { return Decision::accept(); }
  virtual Decision on_play(const PlayInfo&) { return Decision::accept(); }
  // Metadata from @setDataFrame/onMetaData (or a bare onMetaData) on any stream once
  // connected, publishing or not, as ExRTMP delivers it; `data` is an object or ECMA array.
  virtual void on_metadata(std::uint32_t /*stream_id*/, const amf::Value& /*data*/,
                           const Message& /*raw*/) {}
  // Other data messages (|RtmpSampleAccess, onTextData, ...).
  virtual void on_data(const Message&, const std::vector<amf::Value>&) {}
  // Audio and video messages of a published stream (aggregates already split).
  virtual void on_media(const Message&) {}
  // closeStream or deleteStream of a publishing or playing stream. FCUnpublish is only
  // answered: clients follow it with deleteStream. Return false to close the connection.
  virtual bool on_delete_stream(std::uint32_t /*stream_id*/) { return true; }
  virtual void on_pause(std::uint32_t /*stream_id*/, bool /*pause*/, double /*ms*/) {}
  // Any command the session does not handle itself.
  virtual void on_command(std::uint32_t /*stream_id*/, const Command&) {}
};

class ServerSession {
 public:
  enum class State { handshake, connecting, connected, closed };

  ServerSession(const SessionOptions& options, ServerSessionHandler& handler);

  // Consumes all of `in`. An error means the peer broke the protocol or sent what our
  // limits refuse: close the connection with error().message() as the reason. Everything
  // delivered to the handler before the error stays delivered.
  // errc::output_full when input that asks for replies (pings, commands) arrives while
  // more than Limits::max_output_bytes of output (OutputQueue::footprint) is unread: a peer
  // that floods requests without reading cannot grow the queue without bound.
  Result<void> feed(ByteView in, TimePoint now);
  // Starts the handshake clock at accept, so a peer that connects and sends nothing is
  // closed at the handshake timeout too. Without it, the clock starts at the first feed()
  // or, failing that, the first on_deadline().
  void start(TimePoint now) {
    if (!started_) started_ = now;
  }
  // Timers: handshake timeout (the handshake and the connect command must both arrive
  // within Limits::handshake_timeout_ms of the start) and idle timeout. on_deadline returns
  // errc::timeout when due.
  std::optional<TimePoint> next_deadline() const;
  Result<void> on_deadline(TimePoint now);

  OutputQueue& output() noexcept { return out_; }
  // True once the session wants the connection closed (after a rejected connect, a
  // protocol error, or on_delete_stream returning false), when output has drained.
  bool want_close() const noexcept { return state_ == State::closed; }
  State state() const noexcept { return state_; }
  const ConnectInfo& connect_info() const noexcept { return connect_; }
  bool digest_handshake() const noexcept { return handshake_ ? handshake_->digest() : digest_; }

  // Sending to the peer (a player). Media messages must carry the play stream id.
  void send_message(const Message& m);
  // A message already chunk-encoded once with ChunkEncoder::encode_standalone at this
  // session's chunk size; `header` is the message it encodes (payload may be empty).
  void send_encoded(const SharedBytes& chunks, const Message& header);
  void send_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                   std::string_view description);
  void send_user_control(const control::UserControl& uc);
  // Enhanced RTMP v2 "Reconnect Request": onStatus NetConnection.Connect.ReconnectRequest
  // (level "status") on stream 0, asking the client to reconnect, to `tc_url` when given
  // (absolute or relative to the current tcUrl), else to the current one. The session goes
  // on as before: the spec has the server keep serving until the client disconnects. Only
  // once connected (ignored before connect succeeded and after close). Clients that did not
  // announce caps_ex::reconnect may ignore it (a "status" level onStatus is harmless to
  // FFmpeg and librtmp).
  void send_reconnect_request(std::string_view tc_url = {}, std::string_view description = {});
  bool reconnect_requested() const noexcept { return reconnect_requested_; }
  // StreamEOF + NetStream.Play.UnpublishNotify style notifications are the caller's choice.
  std::uint32_t chunk_size() const noexcept { return encoder_.chunk_size(); }
  // Stream ids this session plays / publishes on.
  const std::map<std::uint32_t, PlayInfo>& playing() const noexcept { return playing_; }
  const std::map<std::uint32_t, PublishInfo>& publishing() const noexcept { return publishing_; }
  std::uint64_t bytes_received() const noexcept { return decoder_.bytes_received(); }
  // The message the peer began and did not finish, if any (for the close reason on EOF).
  std::optional<ChunkDecoder::Partial> partial_input() const { return decoder_.partial(); }

  // Answers the connect, publish or play whose callback returned Decision::defer(), then
  // processes the input held meanwhile. errc::invalid_argument when nothing is pending;
  // other errors as feed().
  Result<void> resolve(const Decision& decision);
  bool decision_pending() const noexcept { return pending_.has_value(); }

  // Ends the session: the caller closes the connection once output has drained.
  void close() { state_ = State::closed; }

 private:
  std::optional<TimePoint> setup_deadline() const;
  Result<void> on_message(const Message& m);
  Result<void> on_command_message(const Message& m);
  Result<void> on_data_message(const Message& m);
  Result<void> handle_connect(const Command& c);
  Result<void> handle_publish(const Message& m, const Command& c);
  Result<void> handle_play(const Message& m, const Command& c);
  void handle_delete(std::uint32_t stream_id);
  Result<void> process(ByteView in);
  void finish_connect(double txn, const Decision& d);
  void finish_publish(const PublishInfo& info, const Decision& d);
  void finish_play(const PlayInfo& info, const Decision& d);

  // A decision the handler deferred, and the input that arrived after it.
  struct Pending {
    enum class Kind { connect, publish, play } kind;
    double txn = 0;
    PublishInfo publish;
    PlayInfo play;
  };
  std::optional<Pending> pending_;
  Bytes held_;
  void send_result(double txn, const amf::Value& object, const std::vector<amf::Value>& args = {});
  // Wrong-state answers: _error on the command's transaction, or for publish/play an error
  // onStatus (NetStream.Publish.BadName, NetStream.Play.Failed) on its stream.
  void refuse_call(const Command& c, std::string_view code, std::string_view description);
  void refuse(const Message& m, const Command& c, std::string_view description);
  // Why publish/play cannot use stream `sid` (never created, deleted, in use); empty = it can.
  std::string stream_unusable(std::uint32_t sid) const;
  void queue(const Message& m);
  void maybe_ack();

  SessionOptions options_;
  ServerSessionHandler& handler_;
  std::unique_ptr<ServerHandshake> handshake_;  // freed once the handshake is done
  bool digest_ = false;
  ChunkDecoder decoder_;
  ChunkEncoder encoder_;
  OutputQueue out_;
  Bytes scratch_;
  State state_ = State::handshake;
  ConnectInfo connect_;
  std::map<std::uint32_t, PlayInfo> playing_;
  std::map<std::uint32_t, PublishInfo> publishing_;
  static constexpr std::uint32_t kMaxStreams = 64;  // createStream answers per connection
  std::uint32_t next_stream_id_ = 1;
  std::uint32_t streams_created_ = 0;
  std::set<std::uint32_t> deleted_;  // stream ids ended by deleteStream: not usable again
  AckWindow ack_window_;             // the peer's Window Acknowledgement Size
  bool reconnect_requested_ = false;
  std::optional<TimePoint> started_;
  std::optional<TimePoint> last_input_;
};

}  // namespace rtmp
