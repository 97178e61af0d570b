// Coded picture size after cropping, read from the sequence-level headers: an H.264 SPS
// (ITU-T H.264 §7.3.2.1.1), an HEVC SPS (ITU-T H.265 §7.3.2.2) and an AV1 sequence header
// OBU (AV1 spec §5.5). Used for MP4 sample entries / tkhd and for stream statistics.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <cstdint>

namespace rtmp {

struct VideoSize {
  std::uint32_t width = 0, height = 0;
  friend bool operator==(const VideoSize&, const VideoSize&) = default;
};

// `sps` is one SPS NAL unit as in avcC / the stream: NAL header byte first, emulation
// prevention bytes still in. Width/height apply frame cropping.
// Errors: errc::truncated (the SPS ends before the cropping fields), errc::malformed (not
// an SPS NAL unit, an Exp-Golomb code longer than 32 bits, a size that is zero or negative
// after cropping).
Result<VideoSize> h264_sps_size(ByteView sps);

// `sps` is one HEVC SPS NAL unit (type 33) with its 2-byte NAL header. Applies the
// conformance window. Errors as h264_sps_size.
Result<VideoSize> hevc_sps_size(ByteView sps);

// `obus` is a sequence of low-overhead OBUs (av1C configOBUs, or a temporal unit); the first
// sequence header OBU (type 1) gives max_frame_width/height. Errors: errc::truncated,
// errc::malformed (no sequence header OBU, bad OBU framing).
Result<VideoSize> av1_sequence_header_size(ByteView obus);

// `frame` is a VP9 frame (or superframe: its first frame) as carried in vp09 samples; a key
// frame's uncompressed header (VP9 bitstream spec §6.2) gives frame_width/height. VP9 configs
// carry no picture size, so muxers take it from the first key frame.
// Errors: errc::truncated, errc::malformed (bad frame marker or sync code), errc::unsupported
// (not a key frame, or show_existing_frame).
Result<VideoSize> vp9_frame_size(ByteView frame);

// From a Codec's parsed config: the first SPS of an AvcConfig / of the HevcConfig's SPS
// array, or the Av1Config's configOBUs. errc::unsupported for other codecs (and for an
// AV1 config announced by an MPEG-2 TS descriptor); errc::malformed when the config holds no
// SPS / sequence header; the errors above otherwise.
Result<VideoSize> video_size(const Codec& codec);

}  // namespace rtmp
