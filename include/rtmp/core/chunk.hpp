// The RTMP chunk stream (Adobe RTMP spec 1.0 §5.3): a sans-IO decoder that reassembles
// messages from interleaved chunk streams, an encoder that splits messages into chunks with
// compressed headers, and the Aggregate message splitter (§7.1.6).
//
// Thread safety: none; one decoder and one encoder per connection direction.
#pragma once

#include "rtmp/core/buffer_pool.hpp"
#include "rtmp/core/bytes.hpp"
#include "rtmp/core/limits.hpp"
#include "rtmp/core/message.hpp"
#include "rtmp/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace rtmp {

// Chunk stream ids that fit the 1/2/3-byte basic header forms.
inline constexpr std::uint32_t min_chunk_stream_id = 2;
inline constexpr std::uint32_t max_chunk_stream_id = 65599;
// Chunk sizes are 31-bit (§5.4.1: the top bit of Set Chunk Size must be zero).
inline constexpr std::uint32_t max_chunk_size = 0x7FFFFFFF;
// Message lengths are 24-bit on the wire.
inline constexpr std::uint32_t max_wire_message_length = 0xFFFFFF;

// Reassembles messages from chunk-stream bytes. Resumable at every byte: feed it any split.
//
//   ChunkDecoder dec{limits};
//   while (!in.empty()) {
//     auto s = dec.decode(in);
//     if (!s) return s.error();              // close the connection with s.error().message()
//     in = in.subspan(s->consumed);
//     if (s->message) handle(*s->message);
//   }
//
// The decoder applies Set Chunk Size (type 1) and Abort (type 2) itself, then still returns them.
// Errors (all fatal; do not feed the decoder again after one):
//   errc::invalid_chunk_header      type 1/2/3 chunk on a chunk stream with no previous header,
//                                   or a type 0/1/2 header while a message on it is incomplete
//   errc::message_too_large         message length above Limits::max_message_length
//   errc::too_many_chunk_streams    more than Limits::max_chunk_streams chunk streams used
//   errc::too_many_partial_messages more than Limits::max_partial_messages messages spanning
//                                   several chunks incomplete at once, or their lengths summing
//                                   above Limits::max_partial_bytes (checked at their headers)
//   errc::invalid_chunk_size        Set Chunk Size of 0 or >= 2^31
//   errc::malformed                 Set Chunk Size or Abort payload shorter than 4 bytes
class ChunkDecoder {
 public:
  // Payloads come from `pool` (shared with other decoders, if wanted); without one the decoder
  // makes its own, with default caps (at most max_message_length bytes per kept buffer).
  explicit ChunkDecoder(const Limits& limits = {}, std::shared_ptr<BufferPool> pool = nullptr);

  struct Step {
    std::size_t consumed = 0;
    std::optional<Message> message;
  };
  // Decodes from `in` until ONE message completes or `in` is exhausted; returns how many bytes
  // it consumed and the completed message if any. `in` is borrowed for the call only; the
  // returned message owns its payload, taken from the pool at the message's first chunk: no
  // allocation once the pool holds buffers of the sizes that recur. Releasing the payload
  // (on any thread) returns the buffer to the pool.
  Result<Step> decode(ByteView in);

  // The pool payloads come from (for stats, or to share with another decoder); null until the
  // first message when the decoder makes its own.
  const std::shared_ptr<BufferPool>& pool() const noexcept { return pool_; }

  // A message begun and not finished (the lowest such chunk stream id), so a transport whose
  // peer hung up can say what was left incomplete.
  struct Partial {
    std::uint32_t csid = 0;
    std::uint8_t type = 0;
    std::uint32_t length = 0;
    std::size_t received = 0;
  };
  std::optional<Partial> partial() const;

  // Current incoming chunk size (default 128).
  std::uint32_t chunk_size() const noexcept { return chunk_size_; }
  // Total bytes consumed, for Acknowledgement (§5.4.3).
  std::uint64_t bytes_received() const noexcept { return bytes_received_; }

 private:
  struct Stream {
    std::uint32_t timestamp = 0;  // of the message being / last received
    std::uint32_t delta = 0;      // re-applied by a type 3 chunk that starts a new message
    std::uint32_t length = 0;
    std::uint32_t stream_id = 0;
    std::uint8_t type = 0;
    bool extended = false;      // last type 0/1/2 header carried an extended timestamp
    bool counted = false;       // the incomplete message counts against the partial caps
    BufferPool::Buffer buffer;  // non-empty while a message is incomplete
  };
  enum class Stage : std::uint8_t { first_byte, basic, message, complete };

  Result<void> advance_header();  // acts on hdr_ once it holds hdr_need_ bytes
  Result<void> start_chunk();     // the whole chunk header is in hdr_
  Result<void> begin_message(Stream& s);
  Message finish_message(Stream& s);
  void release(Stream& s) noexcept;  // drops the incomplete message's buffer and accounting
  Result<void> apply_control(const Message& m);
  Stream* find(std::uint32_t csid) noexcept;
  BufferPool& buffers();

  Limits limits_;
  std::shared_ptr<BufferPool> pool_;
  std::unordered_map<std::uint32_t, Stream> streams_;
  Stream* last_ = nullptr;  // lookup cache: most chunks continue the previous chunk stream
  std::uint32_t last_csid_ = 0;

  // The chunk header being assembled (3 basic + 11 message + 4 extended timestamp at most).
  std::array<std::uint8_t, 18> hdr_{};
  std::uint8_t hdr_len_ = 0;
  std::uint8_t hdr_need_ = 1;
  std::uint8_t basic_len_ = 0;
  Stage stage_ = Stage::first_byte;
  std::uint32_t csid_ = 0;
  Stream* cur_ = nullptr;  // chunk stream of the chunk being read
  bool has_extended_ = false;

  bool in_body_ = false;
  std::uint32_t chunk_left_ = 0;  // body bytes of the current chunk still to read
  std::optional<Message> ready_;  // zero-length message completed by its header

  std::uint32_t chunk_size_ = 128;
  std::uint64_t bytes_received_ = 0;
  std::uint32_t partial_count_ = 0;
  std::uint64_t partial_bytes_ = 0;
};

// Splits messages into chunks. Header compression (§5.3.1.2) per chunk stream:
//   type 0 for the first message on a csid, when the stream id changes or the timestamp goes
//   backwards; type 1 when length or type changed; type 2 when only the delta changed; type 3
//   when delta, length and type all repeat. Extended timestamps are repeated on every type 3
//   chunk of a stream whose last header used one (§5.3.1.3, as FFmpeg and OBS expect).
// Preconditions: m.csid in 2..65599, m.size() <= 0xFFFFFF; chunk sizes are clamped to 1..2^31-1.
// encode() allocates nothing but growth of `out` (and state for a csid beyond the first 16).
class ChunkEncoder {
 public:
  explicit ChunkEncoder(std::uint32_t chunk_size = 128);

  // The caller sends the Set Chunk Size message first (it is encoded with the old size).
  void set_chunk_size(std::uint32_t size);
  std::uint32_t chunk_size() const noexcept { return chunk_size_; }

  // Appends the chunks of m to out, compressing the header against the previous message on
  // m.csid.
  void encode(const Message& m, Bytes& out);

  // A state-independent encoding: type 0 first chunk, type 3 continuations. Encode once, send
  // to many receivers (each receiver's encoder then learns of it through note_sent).
  static void encode_standalone(const Message& m, std::uint32_t chunk_size, Bytes& out);
  // The same, into a buffer of exactly the encoded size from `pool`: no allocation once the
  // pool holds buffers of the sizes that recur.
  static SharedBytes encode_standalone(const Message& m, std::uint32_t chunk_size,
                                       BufferPool& pool);

  // Tells this encoder that a standalone-encoded message with m's header went out on m.csid,
  // so later compressed headers on that csid are computed against it.
  void note_sent(const Message& m);

 private:
  struct Stream {
    std::uint32_t csid = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t delta = 0;
    std::uint32_t length = 0;
    std::uint32_t stream_id = 0;
    std::uint32_t ext_value = 0;  // 32-bit timestamp field repeated on type 3 chunks
    std::uint8_t type = 0;
    bool delta_valid = false;  // false after a type 0 header: never follow it with a new-message
                               // type 3 (peers disagree on the implied delta)
    bool extended = false;
  };
  Stream* find(std::uint32_t csid) noexcept;

  std::vector<Stream> streams_;
  std::uint32_t chunk_size_;
};

// Splits an Aggregate message (type 22, §7.1.6) into its sub-messages (FLV-tag layout: type,
// 24-bit size, timestamp 24+8 bits, stream id 3 bytes, payload, 4-byte back pointer).
// Timestamps are rebased so the first sub-message gets the aggregate's timestamp; sub-messages
// keep the aggregate's csid and stream id. The back pointer is not checked (peers disagree on
// its value) and may be missing after the last sub-message.
// Errors: errc::malformed (truncated sub-message, nested aggregate),
//         errc::message_too_large (sub-message above limits.max_message_length).
Result<std::vector<Message>> split_aggregate(const Message& aggregate, const Limits& limits = {});

}  // namespace rtmp
