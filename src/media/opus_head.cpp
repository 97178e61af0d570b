#include "rtmp/media/opus_head.hpp"

#include <cstring>
#include <string>

namespace rtmp {

Result<OpusHead> parse_opus_head(ByteView head) {
  if (head.size() < 19)
    return Error(errc::truncated,
                 "OpusHead: " + std::to_string(head.size()) + " bytes, need at least 19");
  if (std::memcmp(head.data(), "OpusHead", 8) != 0)
    return Error(errc::malformed, "OpusHead: magic signature missing");
  ByteReader r(head.subspan(8));
  OpusHead h;
  h.version = *r.u8();
  // RFC 7845 §5.1: a major version (upper 4 bits) other than 0 is incompatible.
  if (h.version >> 4)
    return Error(errc::unsupported, "OpusHead: version " + std::to_string(h.version));
  h.channels = *r.u8();
  if (h.channels == 0) return Error(errc::malformed, "OpusHead: channel count 0");
  h.pre_skip = *r.u16le();
  h.input_sample_rate = *r.u32le();
  h.output_gain = static_cast<std::int16_t>(*r.u16le());
  h.mapping_family = *r.u8();
  if (h.mapping_family == 0) {
    if (h.channels > 2)
      return Error(errc::malformed,
                   "OpusHead: mapping family 0 with " + std::to_string(h.channels) + " channels");
  } else if (r.remaining() < 2u + h.channels) {
    return Error(errc::truncated, "OpusHead: channel mapping table needs " +
                                      std::to_string(2 + h.channels) + " bytes, have " +
                                      std::to_string(r.remaining()));
  }
  return h;
}

}  // namespace rtmp
