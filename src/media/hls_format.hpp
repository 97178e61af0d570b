// Container adapters for the HLS segmenter: one interface over the fMP4 fragmenter
// (rtmp::fmp4) and the MPEG-TS muxer (rtmp::ts), so the segmenter only decides where to
// cut and the adapter only writes bytes.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/media.hpp"
#include "rtmp/media/hls_segmenter.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace rtmp::hls {

// What the container can carry of the offered codecs.
struct Configured {
  bool video = false, audio = false;  // tracks kept
  SharedBytes init;                   // init segment (fMP4); null for MPEG-TS
  std::string note;                   // why a track was left out; empty when none
};

// One part (or, for MPEG-TS, one chunk of a segment): the frames in decode order per
// track, on the output timeline (ms). end_ms ends the last video frame; the last audio
// frame gets its codec's nominal duration.
struct Chunk {
  bool segment_start = false;
  std::uint32_t sequence = 0;  // fMP4 mfhd sequence number (increasing)
  std::span<const VideoSample> video;
  std::span<const AudioSample> audio;
  std::int64_t end_ms = 0;
};

class Format {
 public:
  virtual ~Format() = default;
  // The codecs of the following segments (null: no such track). Never fails as a whole:
  // a track the container cannot carry is left out and named in note.
  virtual Configured configure(const Codec* video, const Codec* audio) = 0;
  // The bytes of one chunk. Samples of a track configure() left out are never passed.
  virtual SharedBytes write(const Chunk& chunk) = 0;
};

std::unique_ptr<Format> make_format(Container container);

// Nominal frame duration of an audio codec in its timescale units (AAC 1024, Opus 960,
// MP3 1152 or 576), 0 when unknown; and the timescale used for it (sample rate; 1000 when
// unknown).
std::uint32_t audio_timescale(const Codec& codec) noexcept;
std::uint32_t audio_frame_units(const Codec& codec) noexcept;

}  // namespace rtmp::hls
