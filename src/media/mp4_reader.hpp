// A small ISO BMFF (MP4) reader: the tracks of a non-fragmented file with their codec
// configuration boxes and sample tables, as FFmpeg's mp4 muxer writes them
// (ISO/IEC 14496-12 §8; codec bindings: 14496-15 avcC/hvcC, AV1-ISOBMFF av1C, VP-ISOBMFF
// vpcC, Opus-in-ISOBMFF dOps, FLAC-in-ISOBMFF dfLa, ETSI TS 102 366 dac3/dec3, 14496-14 esds).
//
// Internal to the media layer (src/, not installed): its scope is the files rtmp-mux and the
// tests read, too narrow for a public API. mp4_to_flv.hpp builds on it.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rtmp {

struct Mp4Sample {
  std::uint64_t offset = 0;  // in the file
  std::uint32_t size = 0;
  std::int64_t dts = 0;  // media timescale, edit list applied (may be negative)
  std::int64_t pts = 0;
  bool sync = false;  // stss (every sample when the track has no stss)
};

// colr 'nclx' (ISO/IEC 23091-2 code points).
struct Mp4Colour {
  std::uint16_t primaries = 2, transfer = 2, matrix = 2;  // 2 = unspecified
  bool full_range = false;
};

struct Mp4Track {
  std::uint32_t id = 0;         // tkhd track_ID
  bool video = false;           // hdlr 'vide' (else 'soun')
  std::string entry;            // sample entry type: "avc1", "hev1", "av01", "Opus", ...
  std::uint32_t timescale = 0;  // mdhd
  std::uint16_t width = 0, height = 0;
  std::uint16_t channels = 0;
  std::uint32_t sample_rate = 0;
  std::uint8_t object_type = 0;  // esds objectTypeIndication (0x40 AAC, 0x6B MP3, ...)
  // The codec configuration: avcC/hvcC/av1C box payload; vpcC payload from its version
  // byte on; esds DecoderSpecificInfo; dOps payload; dfLa payload from its version byte
  // on; dac3/dec3 payload. Empty when the entry has none.
  ByteView config;
  std::optional<Mp4Colour> colour;
  std::vector<Mp4Sample> samples;
};

struct Mp4File {
  SharedBytes data;  // the whole file; configs and samples are views into it
  std::uint32_t movie_timescale = 0;
  std::vector<Mp4Track> tracks;  // video and audio tracks, in file order
};

// Reads a whole file from memory. Errors: errc::malformed / errc::truncated (box sizes,
// sample tables that do not add up, samples outside the file), errc::unsupported (fragmented
// files, edit lists with more than one media segment, sample descriptions other than the
// first, 'stz2').
Result<Mp4File> read_mp4(const SharedBytes& file);

}  // namespace rtmp
