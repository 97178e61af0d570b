// ADTS framing of raw AAC frames (ISO/IEC 13818-7 §6.2 / 14496-3 §1.A.3.2), the form
// MPEG-TS stream_type 0x0F carries.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace rtmp::ts {

constexpr std::size_t adts_header_size = 7;  // protection_absent = 1: no CRC

// The fixed part of an ADTS header for `c`, checked once per config.
struct AdtsParams {
  std::uint8_t profile = 1;         // audioObjectType - 1 (2 bits)
  std::uint8_t sampling_index = 4;  // 4 bits, 0..12
  std::uint8_t channel_config = 2;  // 3 bits, 1..7
};

// ADTS can describe object types 1..4 (Main, LC, SSR, LTP) with a rate from the index table
// and channel configurations 1..7. Explicit SBR/PS (object types 5, 29) is signalled
// implicitly: the core object type with the core rate. Errors: errc::unsupported (any other
// object type, an explicit rate outside the table, channel configuration 0 = PCE).
Result<AdtsParams> adts_params(const AacConfig& c);

// Writes the 7-byte header for a raw frame of `payload_size` bytes (frame_length =
// payload_size + 7 must fit 13 bits: errc::invalid_argument above 8184 bytes).
// MPEG-4 ID, layer 0, protection absent, buffer fullness 0x7FF (VBR), one raw data block.
Result<std::array<std::uint8_t, adts_header_size>> adts_header(const AdtsParams& p,
                                                               std::size_t payload_size);

}  // namespace rtmp::ts
