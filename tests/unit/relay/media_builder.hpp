// FLV tag bodies as publishers send them (legacy AVC + AAC, MP3), for relay tests.
#pragma once

#include "rtmp/core/command.hpp"
#include "rtmp/core/message.hpp"
#include "rtmp/media/avc_config.hpp"

#include <cstdint>
#include <vector>

namespace rtmp::relay::test {

inline Message media(std::uint8_t type, std::uint32_t ts, Bytes body) {
  Message m;
  m.csid = type == msg::video ? 6 : 4;  // as FFmpeg sends (any csid is fine)
  m.type = type;
  m.timestamp = ts;
  m.stream_id = 1;
  m.payload = make_shared_bytes(std::move(body));
  return m;
}

// AVCDecoderConfigurationRecord with one small SPS/PPS, in a legacy sequence header.
inline Message avc_config(std::uint32_t ts = 0) {
  const std::uint8_t sps[] = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40};
  const std::uint8_t pps[] = {0x68, 0xeb, 0xe3, 0xcb};
  auto rec = make_avc_config({ByteView(sps)}, {ByteView(pps)});
  Bytes body = {0x17, 0x00, 0x00, 0x00, 0x00};
  body.insert(body.end(), rec->begin(), rec->end());
  return media(msg::video, ts, std::move(body));
}

// One AVC frame: a single NAL unit of `size` bytes (4-byte length prefix).
inline Message avc_frame(std::uint32_t ts, bool key, std::size_t size = 100) {
  Bytes body = {static_cast<std::uint8_t>(key ? 0x17 : 0x27), 0x01, 0x00, 0x00, 0x00};
  std::uint32_t n = static_cast<std::uint32_t>(size);
  body.insert(body.end(), {std::uint8_t(n >> 24), std::uint8_t(n >> 16), std::uint8_t(n >> 8),
                           std::uint8_t(n)});
  body.push_back(key ? 0x65 : 0x41);
  body.resize(body.size() + size - 1, static_cast<std::uint8_t>(ts));
  return media(msg::video, ts, std::move(body));
}

// AAC LC 44.1 kHz stereo AudioSpecificConfig.
inline Message aac_config(std::uint32_t ts = 0) {
  return media(msg::audio, ts, {0xAF, 0x00, 0x12, 0x10});
}
inline Message aac_frame(std::uint32_t ts, std::size_t size = 20) {
  Bytes body = {0xAF, 0x01};
  body.resize(2 + size, static_cast<std::uint8_t>(ts));
  return media(msg::audio, ts, std::move(body));
}
// MP3 44.1 kHz stereo: no sequence header in FLV.
inline Message mp3_frame(std::uint32_t ts, std::size_t size = 50) {
  Bytes body = {0x2F};
  body.resize(1 + size, 0x55);
  return media(msg::audio, ts, std::move(body));
}

inline amf::Value metadata() {
  return amf::Value::ecma_array({{"width", amf::Value(640.0)},
                                 {"height", amf::Value(360.0)},
                                 {"videocodecid", amf::Value(7.0)}});
}

}  // namespace rtmp::relay::test
