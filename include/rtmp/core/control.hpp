// Protocol control messages (Adobe RTMP spec 1.0 §5.4) and User Control messages (§6.2, §7.1.7):
// builders returning ready-to-encode Messages (csid 2, message stream 0, timestamp 0) and
// parsers for received payloads.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/core/message.hpp"
#include "rtmp/error.hpp"

#include <cstdint>

namespace rtmp::control {

// Type 1. The top bit is cleared (§5.4.1: it must be zero).
Message set_chunk_size(std::uint32_t size);
// Type 2: the peer drops its partial message on chunk stream `csid`.
Message abort(std::uint32_t csid);
// Type 3: bytes received so far (sequence number, wraps at 2^32).
Message acknowledgement(std::uint32_t sequence);
// Type 5.
Message window_ack_size(std::uint32_t size);
// Type 6. limit_type: 0 hard, 1 soft, 2 dynamic.
Message set_peer_bandwidth(std::uint32_t size, std::uint8_t limit_type);

enum class UserEvent : std::uint16_t {
  stream_begin = 0,
  stream_eof = 1,
  stream_dry = 2,
  set_buffer_length = 3,
  stream_is_recorded = 4,
  ping_request = 6,
  ping_response = 7,
};
struct UserControl {
  UserEvent event;
  std::uint32_t value = 0;      // stream id, or the timestamp of a ping
  std::uint32_t buffer_ms = 0;  // set_buffer_length only
  friend bool operator==(const UserControl&, const UserControl&) = default;
};
// Type 4 on csid 2, stream 0: event type (16 bits), value (32 bits), buffer length (32 bits,
// set_buffer_length only).
Message user_control(const UserControl& uc);
// Errors: errc::malformed (payload too short for its event type),
//         errc::unsupported (an event type not listed above: the caller ignores it).
// Trailing bytes are ignored.
Result<UserControl> parse_user_control(ByteView payload);

// Payload of types 1, 2, 3 and 5: one 32-bit big-endian value. errc::malformed if shorter.
// (Range checks, e.g. Set Chunk Size's top bit, belong to the caller; ChunkDecoder does its own.)
Result<std::uint32_t> parse_u32(ByteView payload);

struct PeerBandwidth {
  std::uint32_t size;
  std::uint8_t limit_type;
  friend bool operator==(const PeerBandwidth&, const PeerBandwidth&) = default;
};
// Errors: errc::malformed (shorter than 5 bytes, or a limit type above 2).
Result<PeerBandwidth> parse_set_peer_bandwidth(ByteView payload);

}  // namespace rtmp::control
