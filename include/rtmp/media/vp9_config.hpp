// VPCodecConfigurationRecord (VP Codec ISO Media File Format Binding v1.0 §2.2), the vp09 /
// vp08 sequence header body.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

namespace rtmp {

// Accepts the vpcC FullBox body (version 1 + 24-bit flags, then the record: what FFmpeg's
// ff_isom_write_vpcc writes) and the bare record (Vp9Config::version = 0), told apart by
// the codecInitializationDataSize that must end the record exactly.
// Errors: errc::truncated, errc::malformed (sizes matching neither form).
Result<Vp9Config> parse_vp9_config(ByteView record);

}  // namespace rtmp
