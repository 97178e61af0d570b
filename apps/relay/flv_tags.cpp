#include "relay/flv_tags.hpp"

namespace rtmp::relay {

std::array<std::uint8_t, 13> flv_file_header(bool audio, bool video) noexcept {
  const auto flags = static_cast<std::uint8_t>((audio ? 0x04 : 0) | (video ? 0x01 : 0));
  return {'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0};
}

std::array<std::uint8_t, 11> flv_tag_header(std::uint8_t type, std::size_t size,
                                            std::uint32_t timestamp) noexcept {
  auto b = [](auto v, int shift) { return static_cast<std::uint8_t>(v >> shift & 0xFF); };
  return {type,
          b(size, 16),
          b(size, 8),
          b(size, 0),
          b(timestamp, 16),
          b(timestamp, 8),
          b(timestamp, 0),
          b(timestamp, 24),
          0,
          0,
          0};
}

std::array<std::uint8_t, 4> flv_previous_tag_size(std::size_t size) noexcept {
  const std::size_t n = size + 11;
  return {static_cast<std::uint8_t>(n >> 24 & 0xFF), static_cast<std::uint8_t>(n >> 16 & 0xFF),
          static_cast<std::uint8_t>(n >> 8 & 0xFF), static_cast<std::uint8_t>(n & 0xFF)};
}

}  // namespace rtmp::relay
