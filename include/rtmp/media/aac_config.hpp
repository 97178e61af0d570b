// AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1): legacy AAC / mp4a sequence header body.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

namespace rtmp {

// Reads audioObjectType (5 bits, escape 31 -> 32 + 6 bits), samplingFrequencyIndex (4 bits,
// 15 -> explicit 24-bit rate), channelConfiguration (4 bits), and for explicit SBR/PS
// (object types 5, 29) the extension rate and core object type. The rest (GASpecificConfig,
// PCE, sync extensions) is not interpreted. Errors: errc::truncated, errc::malformed (object
// type 0, reserved frequency index 13/14, explicit rate 0, reserved channel configuration).
Result<AacConfig> parse_aac_config(ByteView asc);

// A 2-byte AudioSpecificConfig for plain object types (1..30), rates in the index table and
// channel configurations 1..7; errc::invalid_argument otherwise.
Result<Bytes> make_aac_config(std::uint8_t object_type, std::uint32_t sample_rate,
                              std::uint8_t channel_config);

}  // namespace rtmp
