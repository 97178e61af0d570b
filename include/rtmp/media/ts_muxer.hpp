// MPEG-2 transport stream muxer (ISO/IEC 13818-1) for classic HLS segments: one program
// with up to one video (H.264 / HEVC, Annex B) and one audio (AAC in ADTS / MP3) stream.
//
// Sans-IO: frames in, 188-byte packets appended to a caller buffer out. Layout:
//   PAT on PID 0, PMT on PID 0x1000 (program 1), video on PID 0x100, audio on PID 0x101;
//   the PCR travels on the video PID, or on the audio PID for audio-only programs. Packets
//   without payload: only the PCR-only packets write_audio() may add on the video PID.
// Every frame is one PES. Timestamps are ms (int64, unwrapped) and become 90 kHz values
// wrapped at 2^33, with no offset: a frame at t ms has PTS t * 90.
//
// Example (one segment):
//   ts::Muxer mux;  Bytes out;
//   mux.set_codec(video_codec);  mux.set_codec(audio_codec);
//   mux.write_tables(out);                  // every segment starts with PAT + PMT
//   mux.write_video(sample, out);  mux.write_audio(frame, out);  ...
//
// Thread safety: none; one Muxer per output stream, used from one thread at a time.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <cstdint>
#include <optional>

namespace rtmp::ts {

// PIDs and PMT stream types (13818-1 Table 2-34; 0x24 from its HEVC amendment).
inline constexpr std::uint16_t pat_pid = 0x0000, pmt_pid = 0x1000;
inline constexpr std::uint16_t video_pid = 0x0100, audio_pid = 0x0101;
inline constexpr std::uint16_t program_number = 1;
inline constexpr std::uint8_t stream_type_mpeg1_audio = 0x03, stream_type_mpeg2_audio = 0x04;
inline constexpr std::uint8_t stream_type_aac_adts = 0x0F, stream_type_h264 = 0x1B;
inline constexpr std::uint8_t stream_type_hevc = 0x24;

class Muxer {
 public:
  Muxer() = default;

  // Starts or replaces the video (h264, h265) or audio (aac, mp3, mp3_8k) track. The
  // config comes from c.details (AvcConfig / HevcConfig / AacConfig) or, when details is
  // empty, is parsed from c.config. The parameter sets are copied: `c` need not outlive the
  // call. A replacement of the same stream type keeps the PMT; another type bumps its
  // version_number (call write_tables() before the next frame).
  // Errors: errc::unsupported (other codecs, AAC that ADTS cannot describe; the caller
  // leaves that track out; an existing track of that kind is kept), errc::malformed /
  // errc::truncated (config record that does not parse).
  Result<void> set_codec(const Codec& c);

  // Forgets the track of that kind (the PMT no longer lists it).
  void clear_track(TrackType t);

  // PAT + PMT (one packet each), written at the start of every segment so that each decodes
  // alone. Writes nothing when no track is set.
  void write_tables(Bytes& out);

  // One PES: access unit delimiter, the VPS/SPS/PPS of the config before every keyframe,
  // then the frame's NAL units with start codes. PTS and (when different) DTS; PCR and
  // random_access_indicator in the first packet of a keyframe, PCR also in every other PES
  // of the PCR PID (so at least every 100 ms at frame rates >= 10/s). Ignored without a
  // video track or when s.codec differs from it. A frame whose NAL lengths overrun it is
  // written up to the bad unit and counted in malformed_frames().
  void write_video(const VideoSample& s, Bytes& out);

  // One PES with PTS only: AAC with a 7-byte ADTS header, MP3 as is. With a video track,
  // first a PCR-only packet on the video PID when its last PCR is 60 ms or more older than
  // s.timestamp (or there was none), so the clock runs through gaps in the video: with
  // audio frames of up to 40 ms (AAC/MP3 at 32 kHz and above), PCRs stay within 100 ms. Ignored
  // without an audio track, when s.codec differs from it, or (counted) for AAC frames above 8184
  // bytes.
  void write_audio(const AudioSample& s, Bytes& out);

  bool has_video() const noexcept { return video_.stream_type != 0; }
  bool has_audio() const noexcept { return audio_.stream_type != 0; }
  std::uint16_t pcr_pid() const noexcept { return has_video() ? video_pid : audio_pid; }
  std::uint64_t malformed_frames() const noexcept { return malformed_; }

  // 90 kHz clock value of a ms timestamp, wrapped at 2^33 (negative values wrap too).
  static std::uint64_t to_90khz(std::int64_t ms) noexcept;

 private:
  struct Track {
    CodecId codec = CodecId::unknown;
    std::uint8_t stream_type = 0;  // 0: no track
    std::uint8_t cc = 0;           // continuity counter of its PID
  };
  struct Aac {
    std::uint8_t profile = 0, sampling_index = 0, channel_config = 0;
  };

  Result<void> set_video(const Codec& c);
  Result<void> set_audio(const Codec& c);
  void set_stream_type(Track& t, CodecId codec, std::uint8_t type);
  void write_pes(Track& t, std::uint16_t pid, bool video, std::int64_t pts_ms, std::int64_t dts_ms,
                 bool keyframe, Bytes& out);

  Track video_, audio_;
  std::uint8_t video_nal_length_ = 4;
  Bytes parameter_sets_;  // Annex B VPS/SPS/PPS written before every keyframe
  Aac aac_;
  std::uint8_t pat_cc_ = 0, pmt_cc_ = 0;
  std::uint8_t pmt_version_ = 0;
  Bytes es_;       // scratch: the elementary stream bytes of one frame
  Bytes pes_;      // scratch: PES header + es_
  Bytes section_;  // scratch: PAT / PMT section
  std::uint64_t malformed_ = 0;
  // PCR-only packet threshold; plus one audio frame it stays under 13818-1's 100 ms.
  static constexpr std::int64_t pcr_gap_ms = 60;
  bool pcr_sent_ = false;
  std::int64_t last_pcr_ms_ = 0;  // time of the last PCR (unwrapped ms)
};

}  // namespace rtmp::ts
