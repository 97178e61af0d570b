// Bounded byte cursors. Every read checks the remaining length and fails with
// errc::truncated instead of reading past the end; writers append to a vector.
#pragma once

#include "rtmp/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// An immutable, reference-counted byte buffer: what is shared between many receivers.
using SharedBytes = std::shared_ptr<const Bytes>;

inline SharedBytes make_shared_bytes(Bytes b) {
  return std::make_shared<const Bytes>(std::move(b));
}
inline ByteView as_view(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(ByteView data) : data_(data) {}

  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  bool empty() const noexcept { return remaining() == 0; }
  ByteView rest() const noexcept { return data_.subspan(pos_); }

  Result<std::uint8_t> u8() {
    if (auto e = need(1)) return *e;
    return data_[pos_++];
  }
  Result<std::uint16_t> u16be() { return be<std::uint16_t>(2); }
  Result<std::uint32_t> u24be() { return be<std::uint32_t>(3); }
  Result<std::uint32_t> u32be() { return be<std::uint32_t>(4); }
  Result<std::uint64_t> u64be() { return be<std::uint64_t>(8); }
  Result<std::uint16_t> u16le() { return le<std::uint16_t>(2); }
  Result<std::uint32_t> u24le() { return le<std::uint32_t>(3); }
  Result<std::uint32_t> u32le() { return le<std::uint32_t>(4); }
  // Signed 24-bit big-endian (composition time offsets).
  Result<std::int32_t> s24be() {
    auto v = u24be();
    if (!v) return v.error();
    std::int32_t s = static_cast<std::int32_t>(*v);
    return (s & 0x800000) ? s - 0x1000000 : s;
  }
  Result<std::int16_t> s16be() {
    auto v = u16be();
    if (!v) return v.error();
    return static_cast<std::int16_t>(*v);
  }
  Result<double> f64be() {
    auto v = u64be();
    if (!v) return v.error();
    double d;
    std::uint64_t bits = *v;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  Result<ByteView> bytes(std::size_t n) {
    if (auto e = need(n)) return *e;
    auto v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  Result<std::string_view> string(std::size_t n) {
    auto b = bytes(n);
    if (!b) return b.error();
    return std::string_view(reinterpret_cast<const char*>(b->data()), b->size());
  }
  Result<void> skip(std::size_t n) {
    if (auto e = need(n)) return *e;
    pos_ += n;
    return {};
  }

 private:
  std::optional<Error> need(std::size_t n) const {
    if (remaining() < n)
      return Error(errc::truncated,
                   "need " + std::to_string(n) + " bytes, have " + std::to_string(remaining()));
    return std::nullopt;
  }
  template <class T>
  Result<T> be(std::size_t n) {
    if (auto e = need(n)) return *e;
    T v = 0;
    for (std::size_t i = 0; i < n; ++i) v = static_cast<T>((v << 8) | data_[pos_ + i]);
    pos_ += n;
    return v;
  }
  template <class T>
  Result<T> le(std::size_t n) {
    if (auto e = need(n)) return *e;
    T v = 0;
    for (std::size_t i = n; i-- > 0;) v = static_cast<T>((v << 8) | data_[pos_ + i]);
    pos_ += n;
    return v;
  }

  ByteView data_;
  std::size_t pos_ = 0;
};

// Appends to a caller-owned vector (no allocation beyond the vector's growth).
class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16be(std::uint16_t v) { be(v, 2); }
  void u24be(std::uint32_t v) { be(v, 3); }
  void u32be(std::uint32_t v) { be(v, 4); }
  void u64be(std::uint64_t v) { be(v, 8); }
  void u16le(std::uint16_t v) { le(v, 2); }
  void u24le(std::uint32_t v) { le(v, 3); }
  void u32le(std::uint32_t v) { le(v, 4); }
  void s24be(std::int32_t v) { be(static_cast<std::uint32_t>(v) & 0xFFFFFF, 3); }
  void f64be(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    be(bits, 8);
  }
  void bytes(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void string(std::string_view s) { bytes(as_view(s)); }
  std::size_t size() const noexcept { return out_.size(); }
  Bytes& buffer() noexcept { return out_; }

 private:
  void be(std::uint64_t v, std::size_t n) {
    for (std::size_t i = n; i-- > 0;) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void le(std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  Bytes& out_;
};

}  // namespace rtmp
