// An RTMP message as it travels in a chunk stream, and the message type ids.
#pragma once

#include "rtmp/core/bytes.hpp"

#include <algorithm>
#include <cstdint>

namespace rtmp {

namespace msg {
inline constexpr std::uint8_t set_chunk_size = 1;
inline constexpr std::uint8_t abort = 2;
inline constexpr std::uint8_t acknowledgement = 3;
inline constexpr std::uint8_t user_control = 4;
inline constexpr std::uint8_t window_ack_size = 5;
inline constexpr std::uint8_t set_peer_bandwidth = 6;
inline constexpr std::uint8_t audio = 8;
inline constexpr std::uint8_t video = 9;
inline constexpr std::uint8_t data_amf3 = 15;
inline constexpr std::uint8_t shared_object_amf3 = 16;
inline constexpr std::uint8_t command_amf3 = 17;
inline constexpr std::uint8_t data_amf0 = 18;
inline constexpr std::uint8_t shared_object_amf0 = 19;
inline constexpr std::uint8_t command_amf0 = 20;
inline constexpr std::uint8_t aggregate = 22;
}  // namespace msg

// Conventional chunk stream ids (any id 2..65599 is valid on the wire).
namespace csid {
inline constexpr std::uint32_t control = 2;
inline constexpr std::uint32_t command = 3;
inline constexpr std::uint32_t audio = 4;
inline constexpr std::uint32_t video = 6;
inline constexpr std::uint32_t data = 5;
}  // namespace csid

struct Message {
  std::uint32_t csid = csid::command;  // chunk stream it arrived on / goes out on
  std::uint8_t type = 0;
  std::uint32_t timestamp = 0;  // ms, absolute (deltas resolved), wraps at 2^32
  std::uint32_t stream_id = 0;  // message stream id
  SharedBytes payload;          // never null for a decoded message

  ByteView data() const noexcept { return payload ? ByteView(*payload) : ByteView(); }
  std::size_t size() const noexcept { return payload ? payload->size() : 0; }
  friend bool operator==(const Message& a, const Message& b) {
    return a.csid == b.csid && a.type == b.type && a.timestamp == b.timestamp &&
           a.stream_id == b.stream_id &&
           std::equal(a.data().begin(), a.data().end(), b.data().begin(), b.data().end());
  }
};

}  // namespace rtmp
