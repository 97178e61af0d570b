// Bounded MSB-first bit reader for codec config records (internal to rtmp_media).
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"

#include <cstdint>
#include <string>

namespace rtmp::detail {

class BitReader {
 public:
  explicit BitReader(ByteView data) : data_(data) {}

  std::size_t bits_left() const noexcept { return data_.size() * 8 - pos_; }

  // Up to 32 bits; errc::truncated (naming `what`) past the end.
  Result<std::uint32_t> read(unsigned n, const char* what) {
    if (bits_left() < n)
      return Error(errc::truncated, std::string(what) + ": need " + std::to_string(n) +
                                        " bits at bit " + std::to_string(pos_) + ", have " +
                                        std::to_string(bits_left()));
    std::uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i, ++pos_)
      v = v << 1 | ((data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1u);
    return v;
  }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

}  // namespace rtmp::detail
