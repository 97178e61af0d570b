// HTTP-FLV and WebSocket-FLV players: a relay player (rtmp::Session) whose queue becomes a
// live FLV byte stream (flv_tags.hpp framing), and the coroutine that writes it to an HTTP
// response (chunked, or close-delimited for HTTP/1.0) or to a WebSocket (one binary message
// per write).
//
// A player joins with Relay::play exactly as an RTMP player does, so it gets the same start
// (metadata, sequence headers, the cached GOP, then live messages), the same slow-player
// policy (its pending_output() is the relay's backlog: skip to a keyframe, then abort()
// after the timeout) and the same codec checks. It announces itself as a one-track Enhanced
// RTMP player accepting every FourCC: track 0 as published, so AVC/AAC from ffmpeg or OBS
// stay legacy FLV tags (what mpegts.js and ffmpeg read), and HEVC/AV1/Opus go out as
// Enhanced FLV (FFmpeg reads it from 6.1 on; not 5.1); multitrack framing is removed.
//
// Each relay message becomes one tag: 11 header bytes + the message's shared payload + the
// 4-byte PreviousTagSize, gathered into one write (no payload copy per player). Audio,
// video and AMF0 data messages only; User Control messages are the RTMP player's own.
// NetStream.Play.UnpublishNotify, StreamNotFound and Failed end the response (after what was
// queued is written): an HTTP-FLV player reconnects for the next publish.
//
// Thread safety: the Session members are called by the relay from any thread; the queue is
// under a mutex. The writer runs on the connection's strand.
#pragma once

#include "relay/relay.hpp"
#include "rtmp/handler.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rtmp::relay {

// One queued tag.
struct FlvItem {
  std::array<std::uint8_t, 11> head{};
  SharedBytes payload;
  std::array<std::uint8_t, 4> tail{};
  std::size_t wire = 0;  // what the relay counted for it (its chunk-encoded size)
};

class FlvPlayer final : public Session {
 public:
  // `wake(abort)` is called from any thread (it must only post to the writer's strand):
  // wake(false) when the queue becomes non-empty or the stream ends while the writer waits;
  // wake(true) on abort(), when the writer must also cancel a write blocked on the socket.
  FlvPlayer(std::string remote, std::function<void(bool abort)> wake);

  // ---- Session (the relay) ----
  void send_codec(const Codec&) override {}
  void send_video(const VideoSample&) override {}
  void send_audio(const AudioSample&) override {}
  void send_metadata(const amf::Value&) override {}
  void send_message(const Message&) override {}
  void send_status(std::string_view level, std::string_view code,
                   std::string_view description) override;
  void send_encoded(SharedBytes chunks, const Message& header) override;
  std::uint32_t chunk_size() const noexcept override { return 65536; }
  std::uint32_t play_stream_id() const noexcept override { return 1; }
  void resolve(Decision) override {}
  void close() override;
  void abort(const Error& reason) override;
  std::uint64_t id() const noexcept override { return id_; }
  const std::string& remote_address() const noexcept override { return remote_; }
  std::size_t pending_output() const noexcept override { return pending_.load(); }

  // ---- the writer (the connection's strand) ----
  struct Batch {
    std::vector<FlvItem> items;
    std::size_t wire = 0;
    bool ended = false;    // nothing more will come: finish after these
    bool aborted = false;  // stop now, unwritten items discarded
  };
  // Takes what is queued. Empty and not ended: `waiting` is set, and wake() will be called on
  // the next send.
  Batch take();
  // `n` relay bytes of a taken batch were written.
  void written(std::size_t n) noexcept { pending_ -= n; }
  std::string end_reason() const;

  // The caps an HTTP player announces (see the file comment).
  static const ConnectCaps& caps();

 private:
  void notify_locked(std::unique_lock<std::mutex>& lock);

  const std::uint64_t id_;
  const std::string remote_;
  std::function<void(bool)> wake_;
  mutable std::mutex mutex_;
  std::vector<FlvItem> queue_;
  std::size_t queued_wire_ = 0;
  bool waiting_ = false, ended_ = false, aborted_ = false;
  std::string end_reason_;
  std::atomic<std::size_t> pending_{0};
};

// Appends the gather list for a batch: per item its header, payload and PreviousTagSize.
void flv_buffers(const std::vector<FlvItem>& items, std::vector<boost::asio::const_buffer>& out);

}  // namespace rtmp::relay
