// H.264 SPS / HEVC SPS / AV1 sequence header size parsers over arbitrary bytes: never crash,
// never read past the input, and a size they return is a real picture size.
//
// Input: first byte % 4 picks the parser (0 H.264, 1 HEVC, 2 AV1, 3 VP9); the rest is the NAL
// unit, OBU stream or VP9 frame.
#include "rtmp/media/video_size.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const rtmp::ByteView in(data + 1, size - 1);
  rtmp::Result<rtmp::VideoSize> r = rtmp::Error(rtmp::errc::malformed);
  switch (data[0] % 4) {
    case 0:
      r = rtmp::h264_sps_size(in);
      break;
    case 1:
      r = rtmp::hevc_sps_size(in);
      break;
    case 2:
      r = rtmp::av1_sequence_header_size(in);
      break;
    default:
      r = rtmp::vp9_frame_size(in);
      break;
  }
  if (r && (r->width == 0 || r->height == 0 || r->width > 65536 || r->height > 65536)) std::abort();
  return 0;
}
