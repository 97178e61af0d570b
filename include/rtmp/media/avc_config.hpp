// AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1), the legacy AVC / avc1 sequence
// header body.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <vector>

namespace rtmp {

// Parses `record`; the views in the result point into it. Errors: errc::truncated (a length
// or parameter set cut short), errc::malformed (configurationVersion != 1, lengthSizeMinusOne
// == 2). The high-profile extension (chroma format, bit depths, SPS extensions) is parsed
// when at least 4 bytes follow the PPS list for profiles 100, 110, 122 and 144.
Result<AvcConfig> parse_avc_config(ByteView record);

// Builds a record from bare SPS/PPS NAL units (no start codes), profile/compatibility/level
// taken from the first SPS; nal_length_size 1, 2 or 4. errc::invalid_argument without an SPS
// or with a parameter set above 65535 bytes.
Result<Bytes> make_avc_config(const std::vector<ByteView>& sps, const std::vector<ByteView>& pps,
                              std::uint8_t nal_length_size = 4);

}  // namespace rtmp
