// ISO BMFF box writer (internal to rtmp_media): ByteWriter plus boxes whose 32-bit size is
// back-patched when the box body has been written.
#pragma once

#include "rtmp/core/bytes.hpp"

#include <cstdint>
#include <string_view>

namespace rtmp::detail {

class BoxWriter : public ByteWriter {
 public:
  explicit BoxWriter(Bytes& out) : ByteWriter(out) {}

  // Writes the header of box `type` (4 characters), runs body(), then patches the size.
  template <class Body>
  void box(std::string_view type, Body&& body) {
    const std::size_t start = begin(type);
    body();
    end(start);
  }
  // A FullBox: header, then version (8 bits) and flags (24 bits) before body().
  template <class Body>
  void full_box(std::string_view type, std::uint8_t version, std::uint32_t flags, Body&& body) {
    box(type, [&] {
      u8(version);
      u24be(flags);
      body();
    });
  }
  void zeros(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) u8(0);
  }
  // The unity transformation matrix of mvhd / tkhd (ISO/IEC 14496-12 §8.2.2.3).
  void unity_matrix() {
    for (std::uint32_t v : {0x00010000u, 0u, 0u, 0u, 0x00010000u, 0u, 0u, 0u, 0x40000000u})
      u32be(v);
  }

  std::size_t begin(std::string_view type) {
    const std::size_t start = size();
    u32be(0);
    string(type.substr(0, 4));
    return start;
  }
  void end(std::size_t start) {
    const auto n = static_cast<std::uint32_t>(size() - start);
    Bytes& b = buffer();
    for (int i = 0; i < 4; ++i) b[start + i] = static_cast<std::uint8_t>(n >> (8 * (3 - i)));
  }
};

}  // namespace rtmp::detail
