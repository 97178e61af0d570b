// wire-hex: prints rtmpcxx's own encodings of a fixed set of AMF0 values and chunked
// messages as hex, one "name hex" line each, so tests/interop/wire_selftest.py can check the
// Python wire module (rtmpwire.py) against the C++ encoders byte for byte and by round trip.
#include "rtmp/core/amf.hpp"
#include "rtmp/core/chunk.hpp"
#include "rtmp/core/message.hpp"

#include <cstdio>
#include <string>

namespace {

using namespace rtmp;

void print(const char* name, ByteView b) {
  std::string hex;
  static constexpr char digits[] = "0123456789abcdef";
  for (std::uint8_t x : b) {
    hex.push_back(digits[x >> 4]);
    hex.push_back(digits[x & 0xF]);
  }
  std::printf("%s %s\n", name, hex.c_str());
}

Bytes connect_command() {
  using amf::Value;
  return amf::encode_amf0_all({Value("connect"), Value(1.0),
                               Value::object({{"app", Value("live")},
                                              {"tcUrl", Value("rtmp://127.0.0.1:1935/live")},
                                              {"fpad", Value(false)},
                                              {"capabilities", Value(15.0)}}),
                               Value::null(), Value::strict_array({Value(1.5), Value("x")})});
}

Message message(std::uint32_t csid, std::uint8_t type, std::uint32_t ts, std::uint32_t sid,
                Bytes payload) {
  return Message{csid, type, ts, sid, make_shared_bytes(std::move(payload))};
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

}  // namespace

int main() {
  const Bytes cmd = connect_command();
  print("amf0_connect", cmd);
  // One chunk stream: a command longer than a chunk, then video on csid 6 with header
  // compression (type 1/2/3 headers), an extended timestamp and a csid in the 2-byte form.
  ChunkEncoder enc;
  Bytes chunks;
  enc.encode(message(3, msg::command_amf0, 0, 0, cmd), chunks);
  enc.encode(message(6, msg::video, 1000, 1, pattern(300, 1)), chunks);
  enc.encode(message(6, msg::video, 1040, 1, pattern(300, 2)), chunks);
  enc.encode(message(6, msg::video, 1080, 1, pattern(20, 3)), chunks);
  enc.encode(message(6, msg::video, 0x1000000, 1, pattern(200, 4)), chunks);
  enc.encode(message(100, msg::audio, 5, 1, pattern(10, 5)), chunks);
  print("chunks_128", chunks);
  return 0;
}
