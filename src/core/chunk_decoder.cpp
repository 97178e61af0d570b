#include "rtmp/core/chunk.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace rtmp {
namespace {

// Message header length by chunk type (fmt), §5.3.1.2.
constexpr std::uint8_t kMessageHeaderLength[4] = {11, 7, 3, 0};

std::uint32_t be24(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}
std::uint32_t be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | be24(p + 1);
}
// The message stream id is the one little-endian field of the chunk header (§5.3.1.2.1).
std::uint32_t le32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

std::string where(std::uint32_t csid) {
  return "chunk stream " + std::to_string(csid) + ": ";
}

}  // namespace

namespace {
std::shared_ptr<BufferPool> default_pool(const Limits& limits) {
  BufferPool::Options o;
  o.max_buffer_size = std::min<std::size_t>(o.max_buffer_size, limits.max_message_length);
  return BufferPool::create(o);
}
}  // namespace

ChunkDecoder::ChunkDecoder(const Limits& limits, std::shared_ptr<BufferPool> pool)
    : limits_(limits), pool_(std::move(pool)) {}

// The decoder's own pool is made at the first message: idle sessions stay small.
BufferPool& ChunkDecoder::buffers() {
  if (!pool_) pool_ = default_pool(limits_);
  return *pool_;
}

ChunkDecoder::Stream* ChunkDecoder::find(std::uint32_t csid) noexcept {
  if (last_ && last_csid_ == csid) return last_;
  auto it = streams_.find(csid);
  if (it == streams_.end()) return nullptr;
  last_ = &it->second;  // unordered_map nodes are stable: the pointer survives insertions
  last_csid_ = csid;
  return last_;
}

Result<ChunkDecoder::Step> ChunkDecoder::decode(ByteView in) {
  std::size_t pos = 0;
  const std::size_t size = in.size();
  while (pos < size) {
    if (!in_body_) {
      const std::size_t take = std::min<std::size_t>(hdr_need_ - hdr_len_, size - pos);
      std::memcpy(hdr_.data() + hdr_len_, in.data() + pos, take);
      hdr_len_ = static_cast<std::uint8_t>(hdr_len_ + take);
      pos += take;
      // A stage may complete without new bytes (a type 3 header has no message header).
      while (!in_body_ && hdr_len_ == hdr_need_) {
        if (auto r = advance_header(); !r) return r.error();
        if (ready_) break;
      }
      if (ready_) {
        bytes_received_ += pos;
        Step step{pos, std::move(ready_)};
        ready_.reset();
        if (auto r = apply_control(*step.message); !r) return r.error();
        return step;
      }
      continue;
    }

    Stream& s = *cur_;
    const std::size_t take = std::min<std::size_t>(chunk_left_, size - pos);
    // Capacity was reserved at the first chunk: this insert never reallocates.
    s.buffer->insert(s.buffer->end(), in.data() + pos, in.data() + pos + take);
    pos += take;
    chunk_left_ -= static_cast<std::uint32_t>(take);
    if (chunk_left_ != 0) break;
    in_body_ = false;
    if (s.buffer->size() == s.length) {
      bytes_received_ += pos;
      Step step{pos, finish_message(s)};
      if (auto r = apply_control(*step.message); !r) return r.error();
      return step;
    }
  }
  bytes_received_ += pos;
  return Step{pos, std::nullopt};
}

Result<void> ChunkDecoder::advance_header() {
  switch (stage_) {
    case Stage::first_byte: {
      // §5.3.1.1: csid 0 in the low 6 bits means a 2-byte form, 1 a 3-byte form.
      const std::uint8_t low = hdr_[0] & 0x3F;
      basic_len_ = low == 0 ? 2 : low == 1 ? 3 : 1;
      hdr_need_ = basic_len_;
      stage_ = Stage::basic;
      return {};
    }
    case Stage::basic: {
      const std::uint8_t fmt = hdr_[0] >> 6;
      if (basic_len_ == 1)
        csid_ = hdr_[0] & 0x3F;
      else if (basic_len_ == 2)
        csid_ = hdr_[1] + 64u;
      else  // 3-byte form: the 16-bit id is little-endian (ExRTMP reads it big-endian)
        csid_ = hdr_[1] + hdr_[2] * 256u + 64u;
      cur_ = find(csid_);
      if (fmt != 0 && cur_ == nullptr)
        return Error(errc::invalid_chunk_header, where(csid_) + "type " + std::to_string(fmt) +
                                                     " chunk with no previous header");
      hdr_need_ = static_cast<std::uint8_t>(basic_len_ + kMessageHeaderLength[fmt]);
      stage_ = Stage::message;
      return {};
    }
    case Stage::message: {
      const std::uint8_t fmt = hdr_[0] >> 6;
      // §5.3.1.3: 0xFFFFFF announces a 32-bit extended timestamp. Type 3 chunks carry it too
      // when the chunk stream's last type 0/1/2 header did (spec errata; FFmpeg, OBS, FMS).
      has_extended_ = fmt < 3 ? be24(hdr_.data() + basic_len_) == 0xFFFFFF : cur_->extended;
      if (has_extended_) hdr_need_ = static_cast<std::uint8_t>(hdr_need_ + 4);
      stage_ = Stage::complete;
      return {};
    }
    case Stage::complete:
      return start_chunk();
  }
  return {};
}

Result<void> ChunkDecoder::start_chunk() {
  const std::uint8_t fmt = hdr_[0] >> 6;
  const std::uint8_t* p = hdr_.data() + basic_len_;

  if (cur_ == nullptr) {  // type 0 on a new chunk stream
    if (streams_.size() >= limits_.max_chunk_streams)
      return Error(errc::too_many_chunk_streams, where(csid_) + "more than " +
                                                     std::to_string(limits_.max_chunk_streams) +
                                                     " chunk streams in use");
    cur_ = &streams_[csid_];
    last_ = cur_;
    last_csid_ = csid_;
  }
  Stream& s = *cur_;
  if (fmt < 3 && s.buffer)
    return Error(errc::invalid_chunk_header, where(csid_) + "type " + std::to_string(fmt) +
                                                 " header while a message is " +
                                                 std::to_string(s.buffer->size()) + " of " +
                                                 std::to_string(s.length) + " bytes received");

  std::uint32_t field = 0;
  if (fmt < 3) field = has_extended_ ? be32(p + kMessageHeaderLength[fmt]) : be24(p);
  bool new_message = true;
  switch (fmt) {
    case 0:
      s.timestamp = field;
      // §5.3.1.2.4: a type 3 chunk right after a type 0 one uses its timestamp as the delta.
      s.delta = field;
      s.length = be24(p + 3);
      s.type = p[6];
      s.stream_id = le32(p + 7);
      s.extended = has_extended_;
      break;
    case 1:
      s.delta = field;
      s.timestamp += field;  // uint32: wraps modulo 2^32
      s.length = be24(p + 3);
      s.type = p[6];
      s.extended = has_extended_;
      break;
    case 2:
      s.delta = field;
      s.timestamp += field;
      s.extended = has_extended_;
      break;
    default:
      // A type 3 chunk continues the incomplete message, else starts a new one with the
      // remembered delta; its extended timestamp (if any) only repeats the last one.
      if (s.buffer)
        new_message = false;
      else
        s.timestamp += s.delta;
      break;
  }

  hdr_len_ = 0;
  hdr_need_ = 1;
  stage_ = Stage::first_byte;

  if (new_message) {
    if (auto r = begin_message(s); !r) return r;
    if (s.length == 0) {
      ready_ = finish_message(s);
      return {};
    }
  }
  chunk_left_ = std::min(chunk_size_, s.length - static_cast<std::uint32_t>(s.buffer->size()));
  in_body_ = true;
  return {};
}

Result<void> ChunkDecoder::begin_message(Stream& s) {
  // Every cap is checked against the header, before the payload is allocated.
  if (s.length > limits_.max_message_length)
    return Error(errc::message_too_large, where(csid_) + "message length " +
                                              std::to_string(s.length) + " exceeds limit " +
                                              std::to_string(limits_.max_message_length));
  if (s.length == 0) return {};
  // A message longer than the current chunk size stays incomplete after this chunk, while
  // other chunk streams may interleave: only those count against the partial caps (a message
  // that fits one chunk completes before any other chunk is read).
  if (s.length > chunk_size_) {
    if (partial_count_ >= limits_.max_partial_messages)
      return Error(errc::too_many_partial_messages,
                   where(csid_) + "more than " + std::to_string(limits_.max_partial_messages) +
                       " messages incomplete at once");
    if (partial_bytes_ + s.length > limits_.max_partial_bytes)
      return Error(errc::too_many_partial_messages,
                   where(csid_) + "incomplete messages would hold " +
                       std::to_string(partial_bytes_ + s.length) + " bytes, limit " +
                       std::to_string(limits_.max_partial_bytes));
    ++partial_count_;
    partial_bytes_ += s.length;
    s.counted = true;
  }
  // A buffer with the final size (from the pool: no allocation in steady state); chunks
  // append without reallocating.
  s.buffer = buffers().acquire(s.length);
  return {};
}

void ChunkDecoder::release(Stream& s) noexcept {
  if (s.counted) {
    --partial_count_;
    partial_bytes_ -= s.length;
    s.counted = false;
  }
  s.buffer.reset();
}

Message ChunkDecoder::finish_message(Stream& s) {
  Message m;
  m.csid = csid_;
  m.type = s.type;
  m.timestamp = s.timestamp;
  m.stream_id = s.stream_id;
  if (s.buffer) {
    m.payload = std::move(s.buffer).share();
    release(s);
  } else {
    m.payload = buffers().acquire(0).share();  // never null, and still no allocation
  }
  return m;
}

Result<void> ChunkDecoder::apply_control(const Message& m) {
  if (m.type != msg::set_chunk_size && m.type != msg::abort) return {};
  const char* name = m.type == msg::set_chunk_size ? "Set Chunk Size" : "Abort";
  if (m.size() < 4)
    return Error(errc::malformed, where(m.csid) + name + " payload of " + std::to_string(m.size()) +
                                      " bytes, need 4");
  const std::uint32_t value = be32(m.payload->data());
  if (m.type == msg::set_chunk_size) {
    // §5.4.1: the top bit must be zero. Any other size is accepted: memory is bounded by
    // the message and partial-bytes caps, not by the chunk size.
    if (value == 0 || value > max_chunk_size)
      return Error(errc::invalid_chunk_size, where(m.csid) + "Set Chunk Size " +
                                                 std::to_string(value) + " outside 1..2147483647");
    chunk_size_ = value;
    return {};
  }
  // §5.4.2: Abort discards the partially received message on that chunk stream.
  if (Stream* t = find(value); t && t->buffer) release(*t);
  return {};
}

Result<std::vector<Message>> split_aggregate(const Message& aggregate, const Limits& limits) {
  std::vector<Message> out;
  ByteReader r(aggregate.data());
  std::uint32_t first_timestamp = 0;
  while (!r.empty()) {
    const std::size_t offset = r.position();
    auto at = [offset] { return "aggregate sub-message at offset " + std::to_string(offset); };
    if (r.remaining() < 11)
      return Error(errc::malformed,
                   at() + ": header needs 11 bytes, have " + std::to_string(r.remaining()));
    // FLV tag header (§7.1.6): type, size, timestamp (24 bits + 8 high bits), stream id.
    const std::uint8_t type = *r.u8();
    const std::uint32_t size = *r.u24be();
    const std::uint32_t ts_low = *r.u24be();
    const std::uint32_t ts_high = *r.u8();
    (void)r.skip(3);  // the sub-message stream id; the aggregate's one is authoritative
    if (type == msg::aggregate)
      return Error(errc::malformed, at() + ": aggregate nested in an aggregate");
    if (size > limits.max_message_length)
      return Error(errc::message_too_large, at() + ": length " + std::to_string(size) +
                                                " exceeds limit " +
                                                std::to_string(limits.max_message_length));
    auto payload = r.bytes(size);
    if (!payload)
      return Error(errc::malformed, at() + ": payload of " + std::to_string(size) +
                                        " bytes truncated to " + std::to_string(r.remaining()));
    // Back pointer (previous tag size); tolerated missing after the last sub-message.
    if (r.remaining() >= 4)
      (void)r.skip(4);
    else if (!r.empty())
      return Error(errc::malformed, at() + ": back pointer truncated");

    const std::uint32_t ts = (ts_high << 24) | ts_low;
    if (out.empty()) first_timestamp = ts;
    Message m;
    m.csid = aggregate.csid;
    m.type = type;
    m.timestamp = aggregate.timestamp + (ts - first_timestamp);  // modulo 2^32
    m.stream_id = aggregate.stream_id;
    m.payload = make_shared_bytes(Bytes(payload->begin(), payload->end()));
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<ChunkDecoder::Partial> ChunkDecoder::partial() const {
  std::optional<Partial> p;
  for (const auto& [csid, s] : streams_) {
    if (!s.buffer || (p && p->csid < csid)) continue;
    p = Partial{csid, s.type, s.length, s.buffer->size()};
  }
  return p;
}

}  // namespace rtmp
