// Every cap in one place, with defaults. Checked before allocating.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rtmp {

struct Limits {
  // Largest message accepted (checked against the chunk header before any allocation).
  std::uint32_t max_message_length = 16 * 1024 * 1024;
  // Chunk streams with live state (headers remembered) per connection.
  std::uint32_t max_chunk_streams = 64;
  // Messages partially received at the same time (interleaved chunk streams).
  std::uint32_t max_partial_messages = 16;
  // Sum of bytes held by partial messages.
  std::uint64_t max_partial_bytes = std::uint64_t{32} * 1024 * 1024;
  // AMF nesting depth, and values per message (nested values and reference expansions
  // count, so one message cannot build more than max_amf_items values).
  std::uint32_t max_amf_depth = 64;
  std::uint32_t max_amf_items = 65536;
  // Handshake must complete within this many milliseconds.
  std::uint32_t handshake_timeout_ms = 10'000;
  // A session that receives nothing for this long is closed (0 = never).
  std::uint32_t idle_timeout_ms = 60'000;
  // Bytes queued for output to one peer before it counts as a slow receiver.
  std::size_t max_output_bytes = std::size_t{8} * 1024 * 1024;
};

}  // namespace rtmp
