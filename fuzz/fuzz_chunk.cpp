// Arbitrary bytes into a ChunkDecoder. Input: one byte choosing how the rest is fed (0 = whole,
// n = n bytes at a time), then chunk-stream bytes. Completed messages go through the parsers
// that consume them (split_aggregate, control parsers), and every decoded message is
// re-encoded with ChunkEncoder and decoded again: both lists must be identical.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtmp/core/chunk.hpp"
#include "rtmp/core/control.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

using rtmp::ByteView;
using rtmp::Message;

void inspect(const Message& m, const rtmp::Limits& limits) {
  check(m.payload != nullptr);
  switch (m.type) {
    case rtmp::msg::aggregate: {
      auto parts = rtmp::split_aggregate(m, limits);
      if (!parts) break;
      std::size_t total = 0;
      for (const auto& p : *parts) {
        check(p.csid == m.csid && p.stream_id == m.stream_id);
        total += p.size() + 11;
      }
      check(total <= m.size());
      break;
    }
    case rtmp::msg::user_control: {
      auto uc = rtmp::control::parse_user_control(m.data());
      if (!uc) break;
      auto again = rtmp::control::parse_user_control(rtmp::control::user_control(*uc).data());
      check(again && *again == *uc);
      break;
    }
    case rtmp::msg::set_peer_bandwidth:
      (void)rtmp::control::parse_set_peer_bandwidth(m.data());
      break;
    case rtmp::msg::acknowledgement:
    case rtmp::msg::window_ack_size:
      (void)rtmp::control::parse_u32(m.data());
      break;
    default:
      break;
  }
}

// Decodes `wire` fed in pieces of `piece` bytes; false on a decode error.
bool decode(ByteView wire, std::size_t piece, const rtmp::Limits& limits,
            std::vector<Message>& out) {
  rtmp::ChunkDecoder dec(limits);
  std::size_t total = 0;
  while (!wire.empty()) {
    ByteView part = wire.first(piece < wire.size() ? piece : wire.size());
    wire = wire.subspan(part.size());
    while (!part.empty()) {
      auto s = dec.decode(part);
      if (!s) return false;
      check(s->consumed <= part.size());
      check(s->consumed > 0 || s->message.has_value());  // always progress
      total += s->consumed;
      check(dec.bytes_received() == total);
      part = part.subspan(s->consumed);
      if (s->message) out.push_back(std::move(*s->message));
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = data[0] == 0 ? size : data[0];
  const ByteView wire(data + 1, size - 1);

  // Small caps so the fuzzer reaches them.
  rtmp::Limits limits;
  limits.max_message_length = 1 << 20;
  limits.max_partial_bytes = 2 << 20;
  limits.max_chunk_streams = 16;
  limits.max_partial_messages = 8;

  std::vector<Message> messages;
  (void)decode(wire, piece, limits, messages);  // messages decoded before an error still count
  for (const auto& m : messages) inspect(m, limits);

  // Re-encode what was decoded: compressed headers must decode to the same messages.
  rtmp::ChunkEncoder enc;
  rtmp::Bytes again;
  for (const auto& m : messages) {
    enc.encode(m, again);
    if (m.type == rtmp::msg::set_chunk_size) {  // it was valid, or decoding had stopped there
      auto v = rtmp::control::parse_u32(m.data());
      check(v.has_value());
      enc.set_chunk_size(*v);
    }
  }
  std::vector<Message> decoded;
  check(decode(again, again.size() + 1, limits, decoded));
  check(decoded.size() == messages.size());
  for (std::size_t i = 0; i < decoded.size(); ++i) check(decoded[i] == messages[i]);
  return 0;
}
