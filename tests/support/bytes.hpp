// Byte helpers for tests: hex and text literals, concatenation, deterministic patterns,
// files. Header-only; every function returns an owned rtmp::Bytes.
#pragma once

#include "rtmp/core/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>

namespace rtmp::test {

// Hex digits in either case; anything else (spaces, newlines, separators) is skipped, so
// "02 0007" and "020007" are the same. A trailing odd digit is dropped.
inline Bytes hex(std::string_view digits) {
  Bytes out;
  int hi = -1;
  for (char c : digits) {
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

// Lower-case hex of `b`, no separators (the form gtest failure messages read best in).
inline std::string to_hex(ByteView b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (std::uint8_t x : b) {
    s.push_back(digits[x >> 4]);
    s.push_back(digits[x & 0xF]);
  }
  return s;
}

// The characters of `s` as bytes (no terminator).
inline Bytes str(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// Small integer literals as bytes: bytes({0x17, 0x00}).
inline Bytes bytes(std::initializer_list<int> v) {
  Bytes b;
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
  return b;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const auto& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}

inline Bytes to_bytes(ByteView v) {
  return Bytes(v.begin(), v.end());
}

// `n` bytes seed, seed+7, seed+14, ... (mod 256): a payload whose every split is visible.
inline Bytes pattern(std::size_t n, std::uint8_t seed = 0) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

// The whole file, or nothing when it cannot be read.
inline Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace rtmp::test
