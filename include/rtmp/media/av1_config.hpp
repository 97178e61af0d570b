// AV1CodecConfigurationRecord (AV1 Codec ISO Media File Format Binding v1.2.0 §2.3.3), the
// av01 sequence header body.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

namespace rtmp {

// Errors: errc::truncated (under 4 bytes), errc::malformed (marker != 1 or version != 1).
Result<Av1Config> parse_av1_config(ByteView record);

}  // namespace rtmp
