// MP4 -> Enhanced RTMP FLV: the tracks of one or more MP4 files (mp4_reader.hpp) as one FLV
// file written with Muxer and FlvWriter, for the codecs Debian's FFmpeg 5.1 cannot put in FLV
// (HEVC, AV1, VP9, Opus, FLAC, AC-3) and for multitrack files. Sans-IO: files in, bytes out.
//
//   std::vector<Mp4File> in;  in.push_back(*read_mp4(data));
//   auto flv = mp4_to_flv(in, Mp4ToFlvOptions{});  // flv->bytes is the whole file
//
// Tracks: every video and audio track of the inputs, in order; track ids count from 0 per
// media type (0 = the default track, as the spec recommends). Timestamps: each sample's
// decode and presentation time (edit list applied, as FFmpeg presents them) rounded to ms
// (half away from zero, as av_rescale_q), then all shifted by one offset so the earliest
// decode time is 0; composition time = pts_ms - dts_ms.
//
// Internal to the media layer (src/, not installed), beside mp4_reader.hpp.
#pragma once

#include "media/mp4_reader.hpp"
#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace rtmp {

struct Mp4ToFlvOptions {
  bool multitrack = false;      // multitrack framing even for one track per media type
  bool pack = false;            // several tracks of one timestamp in one message
  bool fourcc_all = false;      // avc1 / mp4a / .mp3 FourCC headers instead of legacy ones
  bool legacy_hevc = false;     // HEVC with the legacy codec id 12 header
  bool coded_frames_x = false;  // AVC/HEVC frames with composition time 0 as CodedFramesX
  bool color_info = false;      // a Metadata colorInfo packet before each video track
  bool channel_config = false;  // MultichannelConfig for audio tracks
  bool sequence_end = true;     // SequenceEnd for every video track at the end
  bool metadata = true;         // onMetaData script tag
  bool nano_offsets = false;    // ms floored + ModEx TimestampOffsetNano with the remainder
  bool av1_mpeg2ts = false;     // AV1: MPEG2TSSequenceStart (AV1 video descriptor) instead
};

struct Mp4ToFlvOutput {
  Bytes flv;                   // the whole FLV file: header, onMetaData, tags
  std::size_t tracks = 0;      // tracks muxed
  std::uint64_t messages = 0;  // audio and video tags written
  std::uint64_t packed = 0;    // of those, ManyTracks / ManyTracksManyCodecs messages
};

// Muxes every video and audio track of `inputs` (borrowed for the call; the output owns its
// bytes). Errors: errc::unsupported (a sample entry Enhanced RTMP has no mapping for;
// --legacy-hevc with several tracks), errc::malformed / errc::truncated (a codec
// configuration box missing or too short), errc::invalid_argument (no audio or video track),
// and what FlvWriter::tag returns.
Result<Mp4ToFlvOutput> mp4_to_flv(std::span<const Mp4File> inputs, const Mp4ToFlvOptions& options);

}  // namespace rtmp
