#include "rtmp/core/control.hpp"

#include <string>

namespace rtmp::control {
namespace {

// §5.4: protocol control messages go on chunk stream 2, message stream 0.
Message make(std::uint8_t type, Bytes payload) {
  Message m;
  m.csid = csid::control;
  m.type = type;
  m.timestamp = 0;
  m.stream_id = 0;
  m.payload = make_shared_bytes(std::move(payload));
  return m;
}

Message make_u32(std::uint8_t type, std::uint32_t value) {
  Bytes b;
  b.reserve(4);
  ByteWriter(b).u32be(value);
  return make(type, std::move(b));
}

Error too_short(const char* what, std::size_t have, std::size_t need) {
  return Error(errc::malformed, std::string(what) + ": payload of " + std::to_string(have) +
                                    " bytes, need " + std::to_string(need));
}

}  // namespace

Message set_chunk_size(std::uint32_t size) {
  return make_u32(msg::set_chunk_size, size & 0x7FFFFFFF);
}
Message abort(std::uint32_t csid) {
  return make_u32(msg::abort, csid);
}
Message acknowledgement(std::uint32_t sequence) {
  return make_u32(msg::acknowledgement, sequence);
}
Message window_ack_size(std::uint32_t size) {
  return make_u32(msg::window_ack_size, size);
}

Message set_peer_bandwidth(std::uint32_t size, std::uint8_t limit_type) {
  Bytes b;
  b.reserve(5);
  ByteWriter w(b);
  w.u32be(size);
  w.u8(limit_type);
  return make(msg::set_peer_bandwidth, std::move(b));
}

Message user_control(const UserControl& uc) {
  Bytes b;
  b.reserve(10);
  ByteWriter w(b);
  w.u16be(static_cast<std::uint16_t>(uc.event));
  w.u32be(uc.value);
  if (uc.event == UserEvent::set_buffer_length) w.u32be(uc.buffer_ms);
  return make(msg::user_control, std::move(b));
}

Result<UserControl> parse_user_control(ByteView payload) {
  ByteReader r(payload);
  auto type = r.u16be();
  if (!type) return too_short("User Control", payload.size(), 2);
  UserControl uc{static_cast<UserEvent>(*type)};
  std::size_t need = 6;
  switch (uc.event) {
    case UserEvent::stream_begin:
    case UserEvent::stream_eof:
    case UserEvent::stream_dry:
    case UserEvent::stream_is_recorded:
    case UserEvent::ping_request:
    case UserEvent::ping_response:
      break;
    case UserEvent::set_buffer_length:
      need = 10;
      break;
    default:
      // E.g. 26/27 (SWF verification) or a peer's private events.
      return Error(errc::unsupported, "User Control event type " + std::to_string(*type));
  }
  if (payload.size() < need) return too_short("User Control", payload.size(), need);
  uc.value = *r.u32be();
  if (uc.event == UserEvent::set_buffer_length) uc.buffer_ms = *r.u32be();
  return uc;
}

Result<std::uint32_t> parse_u32(ByteView payload) {
  auto v = ByteReader(payload).u32be();
  if (!v) return too_short("control message", payload.size(), 4);
  return *v;
}

Result<PeerBandwidth> parse_set_peer_bandwidth(ByteView payload) {
  if (payload.size() < 5) return too_short("Set Peer Bandwidth", payload.size(), 5);
  ByteReader r(payload);
  PeerBandwidth pb{*r.u32be(), *r.u8()};
  if (pb.limit_type > 2)
    return Error(errc::malformed,
                 "Set Peer Bandwidth: limit type " + std::to_string(pb.limit_type) + " (0..2)");
  return pb;
}

}  // namespace rtmp::control
