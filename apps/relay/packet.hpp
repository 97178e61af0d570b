// One relayed message, chunk-encoded once per (chunk size, message stream id) and shared by
// every player's write queue (Session::send_encoded): no per-player copy.
#pragma once

#include "relay/frame_info.hpp"
#include "rtmp/core/bytes.hpp"
#include "rtmp/core/message.hpp"

#include <array>
#include <cstdint>
#include <memory>

namespace rtmp::relay {

class Packet {
 public:
  // `m` as players get it: csid and type final, stream_id is set per player.
  Packet(Message m, FrameInfo info) : msg_(std::move(m)), info_(info) {}

  const Message& message() const noexcept { return msg_; }
  FrameInfo info() const noexcept { return info_; }
  std::uint32_t timestamp() const noexcept { return msg_.timestamp; }
  std::size_t payload_size() const noexcept { return msg_.size(); }

  // The chunk-encoded form (type 0 first chunk, type 3 continuations) for players with this
  // outgoing chunk size that play on message stream `stream_id`. Encoded on first use and
  // kept for the next players of the same kind (nearly always there is one kind: every
  // session has the server's chunk size and plays on stream 1). Not thread-safe: called
  // under the stream's lock.
  const SharedBytes& wire(std::uint32_t chunk_size, std::uint32_t stream_id);
  // The message header to pass with the wire form (payload shared, not copied).
  Message header(std::uint32_t stream_id) const {
    Message h = msg_;
    h.stream_id = stream_id;
    return h;
  }
  // How many encodings were made (for tests and stats).
  std::size_t encodings() const noexcept { return encodings_; }

  // This message as players that cannot take all of it get it (see Stream::form): filtered
  // once per kind of player by the stream, kept here so the GOP cache serves it to joiners
  // too. `same`: the message itself; else `packet` (null: nothing of it for that kind).
  struct Form {
    bool done = false;
    bool same = false;
    std::shared_ptr<Packet> packet;
  };
  Form& form(std::size_t kind) { return forms_[kind]; }

 private:
  struct Wire {
    std::uint32_t chunk_size = 0;
    std::uint32_t stream_id = 0;
    SharedBytes bytes;
  };
  Message msg_;
  FrameInfo info_;
  std::array<Wire, 2> wires_{};
  std::size_t encodings_ = 0;
  SharedBytes spill_;            // a third kind of player: encoded for the call, not kept
  std::array<Form, 2> forms_{};  // legacy, enhanced one-track
};

using PacketPtr = std::shared_ptr<Packet>;

}  // namespace rtmp::relay
