#include "rtmp/core/chunk.hpp"

#include <algorithm>
#include <cassert>

namespace rtmp {
namespace {

constexpr std::uint32_t kExtendedMarker = 0xFFFFFF;

std::uint32_t clamp_chunk_size(std::uint32_t size) noexcept {
  return std::clamp<std::uint32_t>(size, 1, max_chunk_size);
}

void put24(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 16);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  put24(p + 1, v);
}

// Shortest basic header form (§5.3.1.1). The 3-byte form's 16-bit id is little-endian.
std::size_t put_basic(std::uint8_t* p, std::uint8_t fmt, std::uint32_t csid) noexcept {
  assert(csid >= min_chunk_stream_id && csid <= max_chunk_stream_id);
  const auto f = static_cast<std::uint8_t>(fmt << 6);
  if (csid < 64) {
    p[0] = static_cast<std::uint8_t>(f | csid);
    return 1;
  }
  if (csid < 320) {
    p[0] = f;
    p[1] = static_cast<std::uint8_t>(csid - 64);
    return 2;
  }
  p[0] = static_cast<std::uint8_t>(f | 1);
  p[1] = static_cast<std::uint8_t>((csid - 64) & 0xFF);
  p[2] = static_cast<std::uint8_t>((csid - 64) >> 8);
  return 3;
}

// Writes m as chunks: a first chunk with a type `fmt` header, then type 3 continuations.
// `field` is the 32-bit timestamp value of the header (absolute for type 0, a delta for types
// 1/2, the repeated value for type 3); `extended` says whether the 4-byte extended timestamp
// is present, which then repeats on every continuation (§5.3.1.3).
void write_message(const Message& m, std::uint8_t fmt, std::uint32_t field, bool extended,
                   std::uint32_t chunk_size, Bytes& out) {
  const ByteView payload = m.data();
  assert(payload.size() <= max_wire_message_length);
  const auto length = static_cast<std::uint32_t>(payload.size());

  std::uint8_t first[18];
  std::size_t first_len = put_basic(first, fmt, m.csid);
  if (fmt < 3) {
    put24(first + first_len, extended ? kExtendedMarker : field);
    first_len += 3;
    if (fmt < 2) {
      put24(first + first_len, length);
      first[first_len + 3] = m.type;
      first_len += 4;
      if (fmt == 0) {  // the stream id is little-endian (§5.3.1.2.1)
        first[first_len + 0] = static_cast<std::uint8_t>(m.stream_id);
        first[first_len + 1] = static_cast<std::uint8_t>(m.stream_id >> 8);
        first[first_len + 2] = static_cast<std::uint8_t>(m.stream_id >> 16);
        first[first_len + 3] = static_cast<std::uint8_t>(m.stream_id >> 24);
        first_len += 4;
      }
    }
  }
  if (extended) {
    put32(first + first_len, field);
    first_len += 4;
  }
  std::uint8_t cont[7];
  std::size_t cont_len = put_basic(cont, 3, m.csid);
  if (extended) {
    put32(cont + cont_len, field);
    cont_len += 4;
  }

  const std::size_t chunks = length == 0 ? 1 : (std::size_t{length} + chunk_size - 1) / chunk_size;
  const std::size_t total = first_len + (chunks - 1) * cont_len + length;
  // Grow geometrically: reserving the exact size per message would copy `out` every time.
  if (out.capacity() - out.size() < total)
    out.reserve(std::max(out.size() + total, 2 * out.capacity()));

  out.insert(out.end(), first, first + first_len);
  std::size_t offset = 0;
  for (;;) {
    const std::size_t n = std::min<std::size_t>(chunk_size, length - offset);
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(offset),
               payload.begin() + static_cast<std::ptrdiff_t>(offset + n));
    offset += n;
    if (offset >= length) break;
    out.insert(out.end(), cont, cont + cont_len);
  }
}

}  // namespace

// No reservation: an idle session uses two or three chunk streams; the vector grows to what
// a session uses and then stays.
ChunkEncoder::ChunkEncoder(std::uint32_t chunk_size) : chunk_size_(clamp_chunk_size(chunk_size)) {}

void ChunkEncoder::set_chunk_size(std::uint32_t size) {
  chunk_size_ = clamp_chunk_size(size);
}

ChunkEncoder::Stream* ChunkEncoder::find(std::uint32_t csid) noexcept {
  for (auto& s : streams_)
    if (s.csid == csid) return &s;
  return nullptr;
}

void ChunkEncoder::encode(const Message& m, Bytes& out) {
  const auto length = static_cast<std::uint32_t>(m.size());
  Stream* s = find(m.csid);
  std::uint8_t fmt = 0;
  std::uint32_t field = m.timestamp;
  // §5.3.1.2.1: type 0 at the start of a chunk stream and whenever the timestamp goes back.
  if (s != nullptr && s->stream_id == m.stream_id && m.timestamp >= s->timestamp) {
    field = m.timestamp - s->timestamp;
    if (length != s->length || m.type != s->type)
      fmt = 1;
    else if (!s->delta_valid || field != s->delta)
      fmt = 2;
    else
      fmt = 3;
  }
  if (s == nullptr) {
    s = &streams_.emplace_back();
    s->csid = m.csid;
  }
  s->timestamp = m.timestamp;
  s->length = length;
  s->type = m.type;
  s->stream_id = m.stream_id;
  if (fmt < 3) {
    s->delta = field;
    s->delta_valid = fmt != 0;
    s->extended = field >= kExtendedMarker;
    s->ext_value = field;
  }
  write_message(m, fmt, s->ext_value, s->extended, chunk_size_, out);
}

void ChunkEncoder::encode_standalone(const Message& m, std::uint32_t chunk_size, Bytes& out) {
  write_message(m, 0, m.timestamp, m.timestamp >= kExtendedMarker, clamp_chunk_size(chunk_size),
                out);
}

SharedBytes ChunkEncoder::encode_standalone(const Message& m, std::uint32_t chunk_size,
                                            BufferPool& pool) {
  const std::uint32_t size = clamp_chunk_size(chunk_size);
  const bool extended = m.timestamp >= kExtendedMarker;
  std::uint8_t basic[3];
  const std::size_t basic_len = put_basic(basic, 0, m.csid);
  const std::size_t ext_len = extended ? 4 : 0;
  const std::size_t length = m.size();
  const std::size_t chunks = length == 0 ? 1 : (length + size - 1) / size;
  // Exactly the wire size: type 0 header once, then a type 3 header per continuation.
  const std::size_t total =
      basic_len + 11 + ext_len + (chunks - 1) * (basic_len + ext_len) + length;
  BufferPool::Buffer out = pool.acquire(total);
  write_message(m, 0, m.timestamp, extended, size, *out);
  assert(out->size() == total);
  return std::move(out).share();
}

void ChunkEncoder::note_sent(const Message& m) {
  Stream* s = find(m.csid);
  if (s == nullptr) {
    s = &streams_.emplace_back();
    s->csid = m.csid;
  }
  s->timestamp = m.timestamp;
  s->length = static_cast<std::uint32_t>(m.size());
  s->type = m.type;
  s->stream_id = m.stream_id;
  s->delta = m.timestamp;
  s->delta_valid = false;
  s->extended = m.timestamp >= kExtendedMarker;
  s->ext_value = m.timestamp;
}

}  // namespace rtmp
