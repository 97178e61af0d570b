// Synthetic H.264 + AAC traffic shared by the core benchmarks.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/core/message.hpp"

#include <cstdint>
#include <vector>

namespace bench {

inline void add_nal(rtmp::Bytes& b, std::size_t n, std::uint8_t header) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(n >> shift));
  b.push_back(header);
  for (std::size_t i = 1; i < n; ++i) b.push_back(static_cast<std::uint8_t>(i * 131));
}

inline rtmp::Message media(std::uint8_t type, std::uint32_t ts, rtmp::Bytes payload) {
  const auto csid = type == rtmp::msg::audio ? rtmp::csid::audio : rtmp::csid::video;
  return rtmp::Message{csid, type, ts, 1, rtmp::make_shared_bytes(std::move(payload))};
}

// One 2 s GOP at 30 fps of H.264 (~1 Mb/s; IDR of 4 NAL units: AUD, SEI, 2 slices; P frames
// of 2: AUD, slice) and 200-byte AAC frames at ~43/s, after the two sequence headers.
// P slices are `p_frame_size` bytes, or 2000-4000 varying by frame when 0.
inline std::vector<rtmp::Message> h264_aac_gop(std::size_t p_frame_size = 0) {
  std::vector<rtmp::Message> out;
  out.push_back(media(rtmp::msg::video, 0,
                      {0x17, 0,    0,    0,    0,    0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1,
                       0x00, 0x04, 0x67, 0x64, 0x00, 0x1F, 0x01, 0x00, 0x02, 0x68, 0xEE}));
  out.push_back(media(rtmp::msg::audio, 0, {0xAF, 0x00, 0x12, 0x10}));
  for (int f = 0; f < 60; ++f) {
    const auto ts = static_cast<std::uint32_t>(f * 33);
    rtmp::Bytes v = {static_cast<std::uint8_t>(f == 0 ? 0x17 : 0x27), 0x01, 0x00, 0x00, 0x21};
    add_nal(v, 2, 0x09);
    if (f == 0) {
      add_nal(v, 40, 0x06);
      add_nal(v, 12000, 0x65);
      add_nal(v, 12000, 0x65);
    } else {
      add_nal(v, p_frame_size ? p_frame_size : 2000 + static_cast<std::size_t>(f % 9) * 250, 0x41);
    }
    out.push_back(media(rtmp::msg::video, ts, std::move(v)));
    if (f % 7 != 0) {
      rtmp::Bytes a = {0xAF, 0x01};
      a.resize(200, 0x5A);
      out.push_back(media(rtmp::msg::audio, ts, std::move(a)));
    }
  }
  return out;
}

}  // namespace bench
