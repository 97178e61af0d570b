// H.264 SPS / HEVC SPS / AV1 sequence header size parsers over arbitrary bytes: never crash,
// never read past the input, and a size they return is a real picture size.
//
// Input: first byte % 3 picks the parser (0 H.264, 1 HEVC, 2 AV1); the rest is the NAL unit
// or OBU stream.
#include "rtmp/media/video_size.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const rtmp::ByteView in(data + 1, size - 1);
  rtmp::Result<rtmp::VideoSize> r = rtmp::Error(rtmp::errc::malformed);
  switch (data[0] % 3) {
    case 0:
      r = rtmp::h264_sps_size(in);
      break;
    case 1:
      r = rtmp::hevc_sps_size(in);
      break;
    default:
      r = rtmp::av1_sequence_header_size(in);
      break;
  }
  if (r && (r->width == 0 || r->height == 0 || r->width > 65535 || r->height > 65535)) std::abort();
  return 0;
}
