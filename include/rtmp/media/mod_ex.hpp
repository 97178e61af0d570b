// Enhanced RTMP v2 ModEx ("modify and extend") in ExVideoTagHeader / ExAudioTagHeader: a
// packet type of 7 followed by [UI8 size - 1 (UI16 size - 1 when 255)] [data]
// [UB4 ModExType][UB4 next packet type], before any multitrack fields. The one defined type
// is TimestampOffsetNano (0): a UI24 of nanoseconds (0..999999) to add to the message's
// millisecond timestamps.
//
// Supported form: exactly one TimestampOffsetNano with 3 bytes of data, in a message of
// coded frames (video CodedFrames / CodedFramesX, possibly multitrack; audio CodedFrames),
// so that Muxer(Demuxer(x)) stays byte-exact. Anything else is errc::unsupported.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"

#include <cstdint>
#include <optional>

namespace rtmp::flv {

inline constexpr std::uint8_t packet_type_mod_ex = 7;  // video and audio alike
inline constexpr std::uint8_t mod_ex_timestamp_offset_nano = 0;
inline constexpr std::uint32_t max_timestamp_nano_offset = 999'999;
// Bytes a TimestampOffsetNano ModEx adds after the header byte: size, 3 data bytes, type byte.
inline constexpr std::size_t mod_ex_nano_size = 1 + 3 + 1;

// After a header byte whose packet type was ModEx: reads the ModEx, sets `type` to the packet
// type that follows it and returns the nanosecond offset. `what` names the header in errors.
// Errors: errc::unsupported (other ModEx types or data sizes, a ModEx chain, a value above
// 999999, or the ModEx cut short).
Result<std::uint32_t> read_mod_ex(ByteReader& r, std::uint8_t& type, const char* what);

// Appends the TimestampOffsetNano ModEx (after the header byte, which carries packet type 7),
// then `next_type` as the packet type that follows. nano is clamped to 999999.
void write_mod_ex(ByteWriter& w, std::uint32_t nano, std::uint8_t next_type);

}  // namespace rtmp::flv
