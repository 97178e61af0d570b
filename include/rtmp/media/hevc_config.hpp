// HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1), the hvc1 / legacy id 12
// sequence header body.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

namespace rtmp {

// Parses `record`; the views in the result point into it. Errors: errc::truncated,
// errc::malformed (configurationVersion not 0 or 1, lengthSizeMinusOne == 2).
// configurationVersion 0 is accepted: early muxers wrote it.
Result<HevcConfig> parse_hevc_config(ByteView record);

}  // namespace rtmp
