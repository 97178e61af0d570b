// Enhanced RTMP ModEx (TimestampOffsetNano) in video and audio tag headers: the first input
// byte picks video (even) or audio (odd), the rest is a tag body. A body that parses into one
// part must be rebuilt byte for byte (write_*_tag) with the same size, and its ModEx offset
// must be within 0..999999; the ModEx reader alone must never read past its input.
#include "rtmp/media/flv_tag.hpp"
#include "rtmp/media/mod_ex.hpp"

#include <algorithm>
#include <cstdlib>

using namespace rtmp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const ByteView body(data + 1, size - 1);
  {
    ByteReader r(body);
    std::uint8_t type = flv::packet_type_mod_ex;
    auto ns = flv::read_mod_ex(r, type, "fuzz");
    if (ns && (*ns > flv::max_timestamp_nano_offset || r.position() != flv::mod_ex_nano_size))
      std::abort();
  }
  Bytes out;
  if (data[0] % 2 == 0) {
    std::vector<flv::VideoTagPart> parts;
    if (!flv::parse_video_tag(body, parts)) return 0;
    for (const auto& p : parts)
      if (p.timestamp_nano_offset && *p.timestamp_nano_offset > flv::max_timestamp_nano_offset)
        std::abort();
    if (parts.size() != 1) return 0;
    flv::write_video_tag(out, parts[0]);
    if (out.size() != flv::video_tag_size(parts[0])) std::abort();
  } else {
    std::vector<flv::AudioTagPart> parts;
    if (!flv::parse_audio_tag(body, parts)) return 0;
    for (const auto& p : parts)
      if (p.timestamp_nano_offset && *p.timestamp_nano_offset > flv::max_timestamp_nano_offset)
        std::abort();
    if (parts.size() != 1) return 0;
    flv::write_audio_tag(out, parts[0]);
    if (out.size() != flv::audio_tag_size(parts[0])) std::abort();
  }
  // One part: the exact inverse.
  if (!std::equal(out.begin(), out.end(), body.begin(), body.end())) std::abort();
  return 0;
}
