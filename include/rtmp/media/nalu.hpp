// NAL unit framing: length-prefixed (ISO/IEC 14496-15, as in FLV/MP4) and Annex B.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"

#include <cstdint>
#include <vector>

namespace rtmp {

// Appends the NAL units of `data` (each preceded by a big-endian length of length_size
// bytes: 1, 2, 3 or 4) to `out` as views into data. Zero-length units are skipped.
// Errors: errc::malformed (a length runs past the end, or bytes left that are shorter than a
// length field), errc::invalid_argument (length_size not 1..4). On error `out` keeps the
// units found before it.
Result<void> split_nalus(ByteView data, std::uint8_t length_size, std::vector<ByteView>& out);

// Appends the NAL units of an Annex B byte stream (00 00 01 / 00 00 00 01 start codes) to
// `out`; trailing zero bytes of a unit (before the next start code) are dropped. Bytes before
// the first start code are ignored. Never fails.
void split_annexb(ByteView data, std::vector<ByteView>& out);

// Appends each unit with a big-endian length prefix of length_size bytes (1, 2 or 4).
// errc::invalid_argument when a unit does not fit the prefix (nothing appended).
Result<void> append_length_prefixed(Bytes& out, const std::vector<ByteView>& nalus,
                                    std::uint8_t length_size = 4);

}  // namespace rtmp
