// The client side of one RTMP connection, without I/O. Commands may be issued before the
// handshake completes; they are queued and sent in order once it does.
//
// Typical publish:  start → connect → [on_connected] → create_stream → [on_stream_created]
//                   → publish → [on_status NetStream.Publish.Start] → send_message* →
//                   fc_unpublish + delete_stream
#pragma once

#include "rtmp/core/ack_window.hpp"
#include "rtmp/core/chunk.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/core/control.hpp"
#include "rtmp/core/handshake.hpp"
#include "rtmp/core/output_queue.hpp"
#include "rtmp/core/session.hpp"

#include <map>
#include <optional>

namespace rtmp {

// The ConnectCaps part is announced in the command object (Enhanced RTMP: fourCcList,
// videoFourCcInfoMap, audioFourCcInfoMap, capsEx); empty = a legacy connect.
struct ConnectParams : ConnectCaps {
  std::string app;
  std::string tc_url;
  std::string flash_ver = "FMLE/3.0 (compatible; rtmpcxx)";
  std::string swf_url;
  std::string page_url;
  double object_encoding = 0;
  std::vector<amf::Value> args;  // extra connect arguments
  bool player = false;           // add the player fields (audioCodecs, videoCodecs, ...)
};

// A ReconnectRequest's tcUrl resolved against the current tcUrl (RFC 3986 §5.2, for the forms
// the spec lists): "rtmp://b/x" as is, "//b/x" takes base's scheme, "/x" base's scheme and
// host, "x" replaces base's last path segment; empty = base.
std::string resolve_tc_url(std::string_view base, std::string_view reference);

class ClientSessionHandler {
 public:
  virtual ~ClientSessionHandler() = default;
  virtual void on_connected(const amf::Value& /*info*/) {}
  virtual void on_stream_created(std::uint32_t /*stream_id*/) {}
  // onStatus on a stream: info has level, code, description.
  virtual void on_status(std::uint32_t /*stream_id*/, const amf::Value& /*info*/) {}
  // NetConnection.Connect.ReconnectRequest (Enhanced RTMP v2, "Reconnect Request"): the
  // server asks the client to reconnect, to `tc_url` (already resolved against the current
  // tcUrl; the current one when the server named none). The client should finish up to a
  // media boundary, connect anew, then close this connection; the server keeps serving it
  // meanwhile. The default reports it as on_status(0, info).
  virtual void on_reconnect_request(const std::string& /*tc_url*/, const amf::Value& info) {
    on_status(0, info);
  }
  // _error in answer to `command` (connect, createStream, ...).
  virtual void on_command_error(const std::string& /*command*/, const amf::Value& /*info*/) {}
  virtual void on_metadata(std::uint32_t /*stream_id*/, const amf::Value& /*data*/,
                           const Message& /*raw*/) {}
  virtual void on_data(const Message&, const std::vector<amf::Value>&) {}
  virtual void on_media(const Message&) {}
  virtual void on_user_control(const control::UserControl&) {}
  virtual void on_command(std::uint32_t /*stream_id*/, const Command&) {}
};

class ClientSession {
 public:
  ClientSession(const SessionOptions& options, ClientSessionHandler& handler);

  // Queues C0+C1. Call once, first.
  void start(TimePoint now);
  Result<void> feed(ByteView in, TimePoint now);
  std::optional<TimePoint> next_deadline() const;
  Result<void> on_deadline(TimePoint now);
  OutputQueue& output() noexcept { return out_; }
  bool handshake_done() const noexcept { return handshake_.done(); }
  bool server_digest() const noexcept { return handshake_.server_digest(); }

  void connect(const ConnectParams& params);
  void create_stream();
  void release_stream(std::string_view key);
  void fc_publish(std::string_view key);
  void fc_unpublish(std::string_view key);
  void publish(std::uint32_t stream_id, std::string_view key, std::string_view type = "live");
  void play(std::uint32_t stream_id, std::string_view name, double start = -2, double duration = -1,
            bool reset = true);
  void delete_stream(std::uint32_t stream_id);
  void set_buffer_length(std::uint32_t stream_id, std::uint32_t ms);
  // Media and data to the server (stream_id must be the publishing stream).
  void send_message(const Message& m);
  void set_chunk_size(std::uint32_t size);
  std::uint32_t chunk_size() const noexcept { return encoder_.chunk_size(); }
  // The server's Enhanced RTMP capabilities, from its connect _result (properties object,
  // else information object); empty before it or for a legacy server.
  const ConnectCaps& server_caps() const noexcept { return server_caps_; }

 private:
  void queue(const Message& m);
  void command(std::uint32_t stream_id, std::string_view name, const amf::Value& object,
               const std::vector<amf::Value>& args, bool expect_reply);
  Result<void> on_message(const Message& m);
  Result<void> on_command_message(const Message& m);
  void maybe_ack();

  SessionOptions options_;
  ClientSessionHandler& handler_;
  ClientHandshake handshake_;
  ChunkDecoder decoder_;
  ChunkEncoder encoder_;
  OutputQueue out_;
  std::vector<Message> pending_;  // issued before the handshake finished
  std::map<double, std::string> transactions_;
  std::string tc_url_;  // of the last connect, to resolve a ReconnectRequest's tcUrl
  ConnectCaps server_caps_;
  double next_txn_ = 1;
  AckWindow ack_window_;  // the peer's Window Acknowledgement Size
  std::optional<TimePoint> started_;
};

}  // namespace rtmp
