// A legacy AVC sequence header whose SPS gives a picture size (1280x720), as fMP4 needs for
// its sample entry; media_builder.hpp's minimal SPS has none.
#pragma once

#include "unit/relay/media_builder.hpp"

namespace rtmp::relay::test {

// `pps_tail` changes the PPS's last byte: a different config of the same size.
inline Message avc_config_720p(std::uint32_t ts = 0, std::uint8_t pps_tail = 0xc0) {
  static constexpr char hex[] =
      "0164001fffe1001a6764001facd9405005bb011000000300100000030320f183196001000668ebe3cb22c0";
  Bytes body = {0x17, 0x00, 0x00, 0x00, 0x00};
  for (std::size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
    auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    body.push_back(static_cast<std::uint8_t>(nib(hex[i]) << 4 | nib(hex[i + 1])));
  }
  body.back() = pps_tail;
  return media(msg::video, ts, std::move(body));
}

}  // namespace rtmp::relay::test
