// Messages and codec fixtures shared by the media unit tests (byte helpers: support/bytes.hpp).
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/core/message.hpp"
#include "support/bytes.hpp"

#include <cstdint>

namespace rtmp::test {

inline Message message(std::uint8_t type, std::uint32_t ts, Bytes payload) {
  Message m;
  m.csid = type == msg::audio ? csid::audio : csid::video;
  m.type = type;
  m.timestamp = ts;
  m.stream_id = 1;
  m.payload = make_shared_bytes(std::move(payload));
  return m;
}
inline Message video(std::uint32_t ts, Bytes payload) {
  return message(msg::video, ts, std::move(payload));
}
inline Message audio(std::uint32_t ts, Bytes payload) {
  return message(msg::audio, ts, std::move(payload));
}

// Fixtures used by several tests.
// avcC: High profile, level 3.1, 4-byte lengths, one SPS, one PPS, high-profile extension.
inline Bytes avcc_high() {
  return bytes({0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x64, 0x00,
                0x1F, 0x01, 0x00, 0x02, 0x68, 0xEE, 0xFD, 0xF8, 0xF8, 0x00});
}
// AudioSpecificConfig: AAC LC, 44.1 kHz, stereo.
inline Bytes asc_lc() {
  return bytes({0x12, 0x10});
}

}  // namespace rtmp::test
