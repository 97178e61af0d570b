// Fragmented MP4 / CMAF (ISO/IEC 14496-12) for HLS and LL-HLS delivery: an init segment
// (ftyp + moov) per set of tracks, then movie fragments (moof + mdat) built from samples.
// Sans-IO and stateless: the caller (the HLS segmenter) keeps sequence numbers and timing.
//
// Sample entries: avc1 + avcC, hvc1 + hvcC, av01 + av1C, vp09 + vpcC (ISO/IEC 14496-15, the
// AV1 and VP codec ISOBMFF bindings) holding Codec::config as received; mp4a + esds (AAC:
// objectTypeIndication 0x40 with the AudioSpecificConfig; MP3: 0x6B); Opus + dOps (built
// from the OpusHead).
//
// Example:
//   fmp4::Track tracks[] = {{1, video_codec}, {2, audio_codec}};
//   auto init = fmp4::init_segment(tracks);            // Result<SharedBytes>
//   fmp4::Run runs[] = {{1, video_samples}, {2, audio_samples}};
//   out.clear();
//   fmp4::write_fragment(seq++, runs, out);            // moof + mdat appended to out
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <cstdint>
#include <span>

namespace rtmp::fmp4 {

struct Track {
  std::uint32_t id = 1;  // track_ID, 1-based, unique within the init segment
  // From the Demuxer: h264, h265, av1, vp9 (video), aac, mp3, opus (audio). Borrowed for the
  // call only; the init segment copies what it needs.
  Codec codec;
  std::uint32_t timescale = 0;  // 0 = default_timescale(codec)
  // Picture size for the sample entry and tkhd; 0 = from the config (video_size()). VP9
  // configs carry no size: give it here.
  std::uint32_t width = 0, height = 0;
};

// 90000 for video; the sample rate for audio (AAC: AacConfig::sample_rate, Opus: 48000,
// MP3: from the FLV sound rate flags); 0 for a codec init_segment() does not support.
std::uint32_t default_timescale(const Codec& codec) noexcept;

// ftyp (major brand iso6; compatible iso6, cmfc) + moov: mvhd, one trak per track (tkhd,
// mdia with mdhd/hdlr/minf/stbl holding the sample entry and empty stts/stsc/stsz/stco) and
// mvex with one trex per track. Durations are 0 (fragmented, live).
// Errors: errc::unsupported (a codec not listed above, or no tracks), errc::malformed (a
// config that cannot be parsed, a missing picture size, track id 0 or repeated),
// errc::invalid_argument (more than 255 tracks).
Result<SharedBytes> init_segment(std::span<const Track> tracks);

struct Sample {
  std::int64_t dts = 0;        // track timescale; tfdt takes the first of a run (below 0: 0)
  std::int32_t cts = 0;        // pts - dts in the track timescale; may be negative
  std::uint32_t duration = 0;  // track timescale
  // Sync sample. Video: keyframes; audio: set it on every sample (each is a sync sample).
  bool keyframe = false;
  // The sample bytes as in VideoSample::data / AudioSample::data (AVC/HEVC: length-prefixed
  // NAL units with the avcC/hvcC length size). Borrowed for the call only.
  ByteView data;
};

// One track's consecutive samples in one fragment, in decode order.
struct Run {
  std::uint32_t track_id = 1;
  std::span<const Sample> samples;
};

// Appends one moof (mfhd with sequence_number; per non-empty run a traf: tfhd with
// default-base-is-moof, tfdt version 1 = the run's first dts, trun version 1 with
// data_offset and per-sample duration, size, flags and composition offset) and one mdat
// holding every run's sample bytes in run order. Reserves `out` once for the whole fragment,
// so a reused `out` allocates nothing once it has grown. Never fails: an mdat above 4 GiB
// uses the 64-bit largesize.
void write_fragment(std::uint32_t sequence_number, std::span<const Run> runs, Bytes& out);

// Bytes write_fragment() appends for these runs.
std::size_t fragment_size(std::span<const Run> runs) noexcept;

}  // namespace rtmp::fmp4
