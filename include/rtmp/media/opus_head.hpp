// OpusHead identification header (RFC 7845 §5.1), the Opus sequence header body.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

namespace rtmp {

// Errors: errc::truncated (under 19 bytes, or channel mapping table cut short),
// errc::malformed (magic not "OpusHead", channel count 0, family 0 with more than 2
// channels), errc::unsupported (major version != 0, i.e. version >= 16).
Result<OpusHead> parse_opus_head(ByteView head);

}  // namespace rtmp
