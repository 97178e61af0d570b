// Hand-builds chunk-stream bytes for tests: any header type (fmt 0-3), any csid in any basic
// header form, extended timestamps (also on type 3 chunks), any chunk size. It does no header
// compression of its own: the test says which header each chunk gets.
//
//   Bytes wire = WireBuilder{}
//                    .message(0, 4, 1000, msg::audio, 1, payload)     // type 0 + type 3 chunks
//                    .set_chunk_size(4096)                            // emits it, then splits by
//                    it .fmt2(4, 20).data(payload)                       // a single hand-made
//                    chunk .take();
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/core/message.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace rtmp::test {

class WireBuilder {
 public:
  // Basic header form of the following headers: 0 = shortest, 1/2/3 = that many bytes
  // (the 2- and 3-byte forms carry csid - 64, so they only fit csid >= 64).
  WireBuilder& form(int bytes) {
    form_ = bytes;
    return *this;
  }
  // Chunk size used by message() to split payloads (emits nothing).
  WireBuilder& chunk_size(std::uint32_t size) {
    chunk_size_ = size;
    return *this;
  }
  // Emits a Set Chunk Size message (type 0 header on csid 2, stream 0, timestamp 0), split at
  // the current size, then splits the following messages at `size`.
  WireBuilder& set_chunk_size(std::uint32_t size) {
    const std::uint8_t p[4] = {
        static_cast<std::uint8_t>(size >> 24), static_cast<std::uint8_t>(size >> 16),
        static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)};
    message(0, csid::control, 0, msg::set_chunk_size, 0, ByteView(p, 4));
    return chunk_size(size);
  }

  WireBuilder& basic(std::uint8_t fmt, std::uint32_t csid) {
    const auto f = static_cast<std::uint8_t>(fmt << 6);
    int n = form_ != 0 ? form_ : csid < 64 ? 1 : csid < 320 ? 2 : 3;
    if (n == 1) {
      u8(static_cast<std::uint8_t>(f | (csid & 0x3F)));
    } else if (n == 2) {
      u8(f);
      u8(static_cast<std::uint8_t>(csid - 64));
    } else {  // little-endian 16-bit id
      u8(static_cast<std::uint8_t>(f | 1));
      u8(static_cast<std::uint8_t>((csid - 64) & 0xFF));
      u8(static_cast<std::uint8_t>((csid - 64) >> 8));
    }
    return *this;
  }
  // Headers. A timestamp (fmt 0) or delta (fmt 1/2) >= 0xFFFFFF is written as the extended form.
  WireBuilder& fmt0(std::uint32_t csid, std::uint32_t timestamp, std::uint32_t length,
                    std::uint8_t type, std::uint32_t stream_id) {
    basic(0, csid);
    ts24(timestamp);
    u24(length);
    u8(type);
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(stream_id >> (8 * i)));
    return ext(timestamp);
  }
  WireBuilder& fmt1(std::uint32_t csid, std::uint32_t delta, std::uint32_t length,
                    std::uint8_t type) {
    basic(1, csid);
    ts24(delta);
    u24(length);
    u8(type);
    return ext(delta);
  }
  WireBuilder& fmt2(std::uint32_t csid, std::uint32_t delta) {
    basic(2, csid);
    ts24(delta);
    return ext(delta);
  }
  WireBuilder& fmt3(std::uint32_t csid) { return basic(3, csid); }
  // A type 3 header followed by the 4-byte extended timestamp (§5.3.1.3 errata).
  WireBuilder& fmt3_ext(std::uint32_t csid, std::uint32_t extended) {
    basic(3, csid);
    return u32(extended);
  }

  // Chunk data and raw bytes.
  WireBuilder& data(ByteView b) {
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  WireBuilder& data(std::string_view s) { return data(as_view(s)); }
  WireBuilder& fill(std::size_t n, std::uint8_t v) {
    out_.insert(out_.end(), n, v);
    return *this;
  }
  WireBuilder& raw(std::initializer_list<std::uint8_t> b) {
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }

  // A whole message: a type `fmt` header on the first chunk, type 3 continuations, split at the
  // current chunk size. `ts` is the header's timestamp field (absolute for fmt 0, delta for
  // 1/2); type and stream_id are written only where the header has them. Continuations repeat
  // the extended timestamp when the header used one; for fmt 3, `fmt3_extended` says whether
  // the chunk stream's last header did (then `ts` is the repeated value).
  WireBuilder& message(std::uint8_t fmt, std::uint32_t csid, std::uint32_t ts, std::uint8_t type,
                       std::uint32_t stream_id, ByteView payload, bool fmt3_extended = false) {
    const auto length = static_cast<std::uint32_t>(payload.size());
    bool extended = ts >= 0xFFFFFF;
    switch (fmt) {
      case 0:
        fmt0(csid, ts, length, type, stream_id);
        break;
      case 1:
        fmt1(csid, ts, length, type);
        break;
      case 2:
        fmt2(csid, ts);
        break;
      default:
        extended = fmt3_extended;
        if (extended)
          fmt3_ext(csid, ts);
        else
          fmt3(csid);
        break;
    }
    // Chunk size 0 (invalid, for error tests) sends the payload as one chunk.
    const std::size_t split = chunk_size_ == 0 ? payload.size() : chunk_size_;
    std::size_t off = 0;
    for (;;) {
      const std::size_t n = std::min<std::size_t>(split, payload.size() - off);
      data(payload.subspan(off, n));
      off += n;
      if (off >= payload.size()) break;
      if (extended)
        fmt3_ext(csid, ts);
      else
        fmt3(csid);
    }
    return *this;
  }
  WireBuilder& message(std::uint8_t fmt, std::uint32_t csid, std::uint32_t ts, std::uint8_t type,
                       std::uint32_t stream_id, std::string_view payload,
                       bool fmt3_extended = false) {
    return message(fmt, csid, ts, type, stream_id, as_view(payload), fmt3_extended);
  }

  std::uint32_t current_chunk_size() const { return chunk_size_; }
  const Bytes& bytes() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u24(std::uint32_t v) {
    u8(static_cast<std::uint8_t>(v >> 16));
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  WireBuilder& u32(std::uint32_t v) {
    u8(static_cast<std::uint8_t>(v >> 24));
    u24(v);
    return *this;
  }
  void ts24(std::uint32_t v) { u24(v >= 0xFFFFFF ? 0xFFFFFF : v); }
  WireBuilder& ext(std::uint32_t v) { return v >= 0xFFFFFF ? u32(v) : *this; }

  Bytes out_;
  std::uint32_t chunk_size_ = 128;
  int form_ = 0;
};

}  // namespace rtmp::test
