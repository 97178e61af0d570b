// The application's side of one client connection: rtmp::Server makes one Handler per
// connection with the factory in ServerOptions and calls it on that connection's strand,
// in protocol order, never concurrently.
//
// Publisher:  on_connect → on_publish → on_metadata? → (on_codec | on_video | on_audio)*
//             → on_delete_stream? → on_disconnect
// Player:     on_connect → on_play → [session().send_* from any thread] → on_disconnect
// With demux off, on_message replaces on_codec/on_video/on_audio.
// on_metadata may also come before on_publish (any stream, once connected), as in ExRTMP.
// A publisher may publish again on the same connection (after deleteStream + createStream):
// the demuxer starts afresh, so on_codec comes again before its samples.
// on_disconnect is called exactly once, last, however the connection ends.
//
// Exceptions: a callback (or the factory in ServerOptions) should not throw. If one does,
// that one session is closed at once (the peer disconnected, queued output dropped), the
// log names the callback and what() it threw, and on_disconnect gets errc::handler_error
// ("on_video threw: ..."); the server and every other session go on. The same holds for
// work a Session handle posts (send_*, resolve). An exception from on_disconnect itself is
// logged and swallowed. (A factory that throws gets no on_disconnect: there is no handler.)
//
// Lifetimes: arguments are valid for the call only, except that media values hold a
// reference to their bytes (copying a VideoSample keeps its data alive, without a copy).
#pragma once

#include "rtmp/core/amf.hpp"
#include "rtmp/core/message.hpp"
#include "rtmp/core/session.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <memory>
#include <string>

namespace rtmp {

// A thread-safe handle to one client session; keep it (as shared_ptr) to send media to a
// playing client from any thread. Sends after the connection closed are ignored.
// Sequence headers are the sender's responsibility, as in ExRTMP: send_codec before the
// first sample of a track, and again for a new player.
class Session {
 public:
  virtual ~Session() = default;
  virtual void send_codec(const Codec& codec) = 0;
  virtual void send_video(const VideoSample& sample) = 0;
  virtual void send_audio(const AudioSample& sample) = 0;
  virtual void send_metadata(const amf::Value& metadata) = 0;
  // A raw message; stream_id 0 means "the stream this client plays".
  virtual void send_message(const Message& message) = 0;
  // Sends onStatus (e.g. NetStream.Play.UnpublishNotify) on the played stream.
  virtual void send_status(std::string_view level, std::string_view code,
                           std::string_view description) = 0;
  // Advanced, for fan-out without per-player copies: a message already chunk-encoded with
  // ChunkEncoder::encode_standalone(header, chunk_size(), out), where header.stream_id is
  // play_stream_id(). Many sessions may queue the same buffer.
  virtual void send_encoded(SharedBytes chunks, const Message& header) = 0;
  // Outgoing chunk size and the stream id this client plays (0 until play is accepted).
  virtual std::uint32_t chunk_size() const noexcept = 0;
  virtual std::uint32_t play_stream_id() const noexcept = 0;
  // Answers the connect, publish or play whose callback returned Decision::defer() (e.g.
  // after an HTTP auth callback). Input from the client is held until then.
  virtual void resolve(Decision decision) = 0;
  // Closes the connection after queued output is written.
  virtual void close() = 0;
  // Closes the connection at once, discarding queued output; on_disconnect gets `reason`.
  // For a peer that stopped reading, which close() would wait for forever.
  virtual void abort(const Error& reason) = 0;
  virtual std::uint64_t id() const noexcept = 0;
  virtual const std::string& remote_address() const noexcept = 0;
  // Bytes queued for this client and not yet written.
  virtual std::size_t pending_output() const noexcept = 0;
};

class Handler {
 public:
  virtual ~Handler() = default;

  virtual Decision on_connect(const ConnectInfo&) { return Decision::accept(); }
  virtual Decision on_publish(const PublishInfo&) { return Decision::accept(); }
  virtual Decision on_play(const PlayInfo&) { return Decision::accept(); }
  virtual void on_metadata(const amf::Value& /*data*/) {}
  // Demux on.
  virtual void on_codec(const Codec&) {}
  virtual void on_video(const VideoSample&) {}
  virtual void on_audio(const AudioSample&) {}
  // Other demuxed events (SequenceEnd, VideoMetadata, ...).
  virtual void on_media_event(const MediaEvent&) {}
  // Demux off: each audio, video and data message as received.
  virtual void on_message(const Message&) {}
  // deleteStream or closeStream of the stream this client publishes or plays (FCUnpublish
  // is answered but not reported: clients follow it with deleteStream). Return true to keep
  // the connection open, false to close it once queued output is written.
  // The default keeps it open, as ExRTMP does: the client may create another stream and
  // publish or play again on the same connection, and FFmpeg, OBS and librtmp close the
  // connection themselves right after deleteStream, so nothing lingers.
  virtual bool on_delete_stream(std::uint32_t /*stream_id*/) { return true; }
  // The connection ended: errc::closed for a clean close by the peer, errc::timeout,
  // errc::io_error (reset), a protocol errc, errc::closed with "server stopping", or
  // errc::handler_error when one of this handler's callbacks threw.
  virtual void on_disconnect(const Error& /*reason*/) {}

  // The session this handler serves (valid from on_connect on).
  const std::shared_ptr<Session>& session() const noexcept { return session_; }

 private:
  friend class ConnectionAccess;
  std::shared_ptr<Session> session_;
};

}  // namespace rtmp
