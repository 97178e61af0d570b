// Length-prefixed NAL units (ISO/IEC 14496-15, as in FLV/MP4) -> H.264/HEVC Annex B byte
// stream (ITU-T H.264 / H.265 Annex B), as MPEG-TS carries video (ISO/IEC 13818-1 §2.14).
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <cstdint>

namespace rtmp::ts {

// Appends the Annex B form of the parameter sets a keyframe must be preceded by: for H.264
// every SPS, SPS extension and PPS of `c`; for HEVC every NAL unit of every array (VPS, SPS,
// PPS, SEI) in record order. Each gets a 4-byte start code. Nothing for other codecs.
void append_parameter_sets(const AvcConfig& c, Bytes& out);
void append_parameter_sets(const HevcConfig& c, Bytes& out);

// Appends the access unit delimiter that opens an access unit in a TS (H.264 §7.3.2.4 with
// primary_pic_type 7 = any slice type; H.265 §7.3.2.5 with pic_type 2), with a start code.
// errc::invalid_argument for codecs other than h264/h265 (nothing appended).
Result<void> append_aud(CodecId codec, Bytes& out);

// Appends each NAL unit of `frame` (each preceded by a big-endian length of length_size
// bytes: 1, 2, 3 or 4) with a 4-byte start code. Zero-length units and access unit
// delimiters already in the frame are dropped (the muxer writes its own AUD first).
// Errors: errc::invalid_argument (length_size not 1..4, codec not h264/h265),
// errc::malformed (a length runs past the end or a partial length field is left); on error
// the units before the bad one stay appended.
Result<void> append_annexb(CodecId codec, ByteView frame, std::uint8_t length_size, Bytes& out);

}  // namespace rtmp::ts
