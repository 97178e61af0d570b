// rtmp::Client: connects to an RTMP server, publishes or plays one stream. The mirror of
// rtmp::Server, after ExRTMP.Client and FFmpeg's RTMP client.
//
// Coroutine API, on the caller's executor:
//
//   rtmp::Client c(io.get_executor());
//   if (auto r = co_await c.async_connect("rtmp://host/live/key"); !r) ...  // + createStream
//   if (auto r = co_await c.async_publish(); !r) ...   // waits for NetStream.Publish.Start
//   c.send_codec(codec); c.send_video(sample); ...      // errc::output_full: back off, then
//   co_await c.async_drain(limit);                      // wait until the queue is below limit
//   co_await c.async_close();                           // FCUnpublish + deleteStream, then close
//
// Blocking API (own thread), for scripts and tests: rtmp::BlockingClient, same operations.
//
// Thread safety: a Client is used from one thread at a time (an io_context run by one thread,
// or a strand); its handler is called on its executor. BlockingClient is thread-safe.
//
// This header does not include Asio (it forward-declares the two Asio types it names):
// code using only BlockingClient, or the server, builds without Asio. Code that runs the
// coroutine API includes <boost/asio.hpp> (or awaitable.hpp and any_io_executor.hpp) itself.
//
// A ClientHandler callback that throws ends the connection at once: the exception is logged,
// and on_disconnect gets errc::handler_error ("on_video threw: <what>").
#pragma once

#include "rtmp/core/amf.hpp"
#include "rtmp/core/connect_caps.hpp"
#include "rtmp/core/limits.hpp"
#include "rtmp/core/message.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// Declared here so that this header needs no Asio include; both are classes in Boost 1.81
// (any_io_executor unless BOOST_ASIO_USE_TS_EXECUTOR_AS_DEFAULT is defined).
namespace boost::asio {
class any_io_executor;
template <typename T, typename Executor>
class awaitable;
}  // namespace boost::asio

namespace rtmp {

// What the coroutine API returns: boost::asio::awaitable<T> on the default executor.
template <class T>
using Awaitable = boost::asio::awaitable<T, boost::asio::any_io_executor>;

// rtmp://host[:port]/app[/instance]/key and rtmps://..., split as FFmpeg splits it: the
// first path segment is the app; with three or more segments the second joins it (an app
// instance) unless it contains ':' (e.g. "mp4:file"); the rest is the stream name. A query
// string stays in whichever part it falls in ("/live/key?token=1": stream "key?token=1";
// "/live?x=1": app "live?x=1", which also lands in tcUrl).
struct RtmpUrl {
  bool tls = false;        // rtmps
  std::string host;        // IPv6 without brackets
  std::uint16_t port = 0;  // 1935 (rtmp) or 443 (rtmps) when the URL has none
  std::string app;         // may contain '/' (app/instance)
  std::string tc_url;      // scheme://host[:port]/app, the port only if the URL had one
  std::string stream;      // stream key or play path; may be empty

  // Errors: errc::invalid_argument (scheme not rtmp/rtmps, no host, bad port, no app).
  static Result<RtmpUrl> parse(std::string_view url);
};

struct ClientOptions {
  // connect command fields; empty = from the URL (app, tcUrl) or the default (flashVer).
  std::string app;
  std::string tc_url;
  std::string flash_ver;  // default "FMLE/3.0 (compatible; rtmpcxx)", or "LNX 9,0,124,2" for
                          // players, as FFmpeg sends
  std::string swf_url;
  std::string page_url;
  // Enhanced RTMP capabilities to announce (fourCcList, video/audioFourCcInfoMap, capsEx);
  // empty = a legacy connect. E.g. caps.fourcc_list = {"hvc1", "av01"}.
  ConnectCaps caps;
  std::vector<amf::Value> connect_args;  // extra arguments after the command object
  // Send the player form of connect (fpad, capabilities, audioCodecs, ...) instead of the
  // publisher form (type: nonprivate). rtmp-play and rtmp-probe set it.
  bool player = false;

  // rtmps: verify the server certificate (against tls_ca_file, else the system store) and
  // its host name. false = accept any certificate (like FFmpeg's -tls_verify 0).
  bool tls_verify = true;
  std::string tls_ca_file;

  // Resolve + TCP connect + TLS handshake.
  std::chrono::milliseconds connect_timeout{10'000};
  // RTMP handshake (C0/C1 sent until S2 received).
  std::chrono::milliseconds handshake_timeout{10'000};
  // Longest wait for the server when the client expects something from it: the answer to
  // connect/createStream/publish/play, or media while playing (idle). 0 = never.
  std::chrono::milliseconds read_timeout{10'000};
  // A write making no progress for this long closes the connection (0 = never).
  std::chrono::milliseconds write_timeout{30'000};

  std::uint32_t chunk_size = 4096;  // outgoing, announced with Set Chunk Size before connect
  // Bounded outgoing queue: send_* fail with errc::output_full once this many bytes wait.
  std::size_t max_output_bytes = 8 * 1024 * 1024;
  // Play: demuxed events (on_codec/on_video/on_audio) or raw messages (on_message).
  bool demux = true;
  std::uint32_t buffer_length_ms = 3000;  // Set Buffer Length sent with play
  bool digest_handshake = true;           // falls back to simple when the server answers simple
  Limits limits;
};

struct PlayOptions {
  double start = -2;     // -2 live or recorded, -1 live only, >= 0 recorded from that second
  double duration = -1;  // -1 until the end
  bool reset = true;
};

// An onStatus the server sent on the stream: level ("status", "error", "warning"), code
// ("NetStream.Play.UnpublishNotify", ...) and description.
struct Status {
  std::string level;
  std::string code;
  std::string description;
};

// What a playing (or publishing) client receives. Called on the client's executor (the
// BlockingClient's own thread), in wire order, never concurrently. A callback may call
// send_* and close(), not the async_ or blocking operations. Arguments are valid for the
// call only, except that media values hold a reference to their bytes.
//
// Play:  on_status(Play.Reset/Play.Start...)? → on_metadata? → (on_codec | on_video |
//        on_audio | on_media_event)* → on_status(Play.UnpublishNotify/Play.Stop)? →
//        on_disconnect. With demux off, on_message replaces the media callbacks.
class ClientHandler {
 public:
  virtual ~ClientHandler() = default;
  virtual void on_status(const Status& /*status*/) {}
  virtual void on_metadata(const amf::Value& /*data*/) {}
  // Demux on.
  virtual void on_codec(const Codec&) {}
  virtual void on_video(const VideoSample&) {}
  virtual void on_audio(const AudioSample&) {}
  virtual void on_media_event(const MediaEvent&) {}  // SequenceEnd, VideoMetadata, ...
  // Demux off: each audio, video and data message as received.
  virtual void on_message(const Message&) {}
  // User Control StreamEOF on the played stream (nginx-rtmp: the publisher left).
  virtual void on_stream_eof() {}
  // NetConnection.Connect.ReconnectRequest (Enhanced RTMP v2): the server asks for a new
  // connection to `tc_url` (resolved against the current tcUrl). The client does not
  // reconnect by itself; by default this is reported as on_status(status).
  virtual void on_reconnect_request(const std::string& /*tc_url*/, const Status& status) {
    on_status(status);
  }
  // A connection that async_connect completed ended: once per connection, last. errc::closed
  // for a close by either side ("closed by client" after close()), errc::timeout,
  // errc::io_error, or the protocol error that ended it.
  virtual void on_disconnect(const Error& /*reason*/) {}
};

class Client {
 public:
  enum class State : std::uint8_t { idle, connected, publishing, playing, closed };

  explicit Client(boost::asio::any_io_executor executor, ClientOptions options = {});
  // Closes the connection at once (no FCUnpublish; on_disconnect is not called).
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The handler for the next connection (nullptr = none). Not owned; must outlive it.
  void set_handler(ClientHandler* handler) noexcept;
  ClientOptions& options() noexcept { return options_; }

  // TCP (+ TLS) connect, RTMP handshake, connect command, createStream. Errors:
  // invalid_argument (bad URL, already connected), io_error (resolve/connect/reset),
  // timeout, handshake_failed (RTMP or TLS, with the reason), rejected ("<code>:
  // <description>" from the server's _error), closed (the server hung up), or the protocol
  // error the server's bytes caused. After an error the client is closed and may connect again.
  Awaitable<Result<void>> async_connect(std::string url);
  Awaitable<Result<void>> async_connect(RtmpUrl url);
  // releaseStream + FCPublish + publish(key, type); waits for NetStream.Publish.Start.
  // key empty = the URL's stream. type: "live", "record" or "append". Errors: rejected
  // ("NetStream.Publish.BadName: ..."), timeout, closed, unexpected_message (not connected,
  // or already publishing/playing).
  Awaitable<Result<void>> async_publish(std::string key = {}, std::string type = "live");
  // play(name, start, duration, reset) + Set Buffer Length; waits for NetStream.Play.Start.
  // Media then goes to the handler. Errors as for async_publish.
  Awaitable<Result<void>> async_play(std::string name = {}, PlayOptions play = {});

  // While publishing: mux and queue one message on the published stream. Errors: closed
  // (no connection), unexpected_message (not publishing), output_full (pending_output() is
  // at max_output_bytes: nothing was queued). send_codec of a Codec without a wire form
  // (from_frame) queues nothing and succeeds.
  Result<void> send_codec(const Codec& codec);
  Result<void> send_video(const VideoSample& sample);
  Result<void> send_audio(const AudioSample& sample);
  // "@setDataFrame", "onMetaData", metadata: what servers keep and relay to players.
  Result<void> send_metadata(const amf::Value& metadata);
  // A raw message (after async_connect); stream_id 0 means the published/played stream.
  Result<void> send_message(const Message& message);

  // Waits until at most `limit` bytes are queued (0 = all written). Errors: the reason the
  // connection ended (closed, timeout for a stalled write, io_error).
  Awaitable<Result<void>> async_drain(std::size_t limit = 0);
  // Waits until the connection ends; returns the reason (as on_disconnect gets it).
  Awaitable<Error> async_wait_closed();
  // Sends FCUnpublish (when publishing) and deleteStream, writes what is queued (bounded
  // by write_timeout), half-closes and waits briefly for the server to close. Idempotent;
  // the client may connect again afterwards.
  Awaitable<void> async_close();
  // Closes at once without the goodbye commands; safe inside handler callbacks.
  void close() noexcept;

  State state() const noexcept;
  std::size_t pending_output() const noexcept;
  std::uint32_t stream_id() const noexcept;
  // The URL of the current (or last) connection.
  const RtmpUrl& url() const noexcept { return url_; }
  // The server's connect _result information object (code, description, ...).
  const amf::Value& connect_info() const noexcept;
  // The server's Enhanced RTMP capabilities from its connect _result (empty: legacy server).
  const ConnectCaps& server_caps() const noexcept;

  class Connection;

 private:
  struct Executor;  // the any_io_executor, kept out of this header
  std::unique_ptr<Executor> executor_;
  ClientOptions options_;
  ClientHandler* handler_ = nullptr;
  RtmpUrl url_;
  std::shared_ptr<Connection> conn_;
};

// The blocking form: owns an io_context and one thread running a Client; the handler is
// called on that thread. Every call is thread-safe; the blocking ones must not be called
// from handler callbacks (send_* and close may).
class BlockingClient {
 public:
  explicit BlockingClient(ClientOptions options = {});
  ~BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  void set_handler(ClientHandler* handler);
  Result<void> connect(const std::string& url);
  Result<void> publish(const std::string& key = {}, const std::string& type = "live");
  Result<void> play(const std::string& name = {}, PlayOptions play = {});
  Result<void> send_codec(const Codec& codec);
  Result<void> send_video(const VideoSample& sample);
  Result<void> send_audio(const AudioSample& sample);
  Result<void> send_metadata(const amf::Value& metadata);
  Result<void> send_message(const Message& message);
  Result<void> drain(std::size_t limit = 0);
  // Waits up to `timeout` for the connection to end: the reason, or errc::timeout.
  Error wait_closed(std::chrono::milliseconds timeout);
  void close();  // graceful (async_close)
  Client::State state() const;
  std::size_t pending_output() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtmp
