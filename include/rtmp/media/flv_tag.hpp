// FLV audio/video tag header syntax, legacy (FLV spec v10.1 §E.4.2, §E.4.3) and Enhanced RTMP
// (veovera enhanced-rtmp v1/v2: ExAudioTagHeader, ExVideoTagHeader, multitrack). Wire syntax
// only; codec state (configs, NAL sizes) lives in rtmp::Demuxer.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace rtmp::flv {

enum class VideoPacketType : std::uint8_t {
  sequence_start = 0,
  coded_frames = 1,
  sequence_end = 2,
  coded_frames_x = 3,  // composition time implied 0 (no SI24)
  metadata = 4,
  mpeg2ts_sequence_start = 5,
  multitrack = 6,
  mod_ex = 7,
};

enum class AudioPacketType : std::uint8_t {
  sequence_start = 0,
  coded_frames = 1,
  sequence_end = 2,
  multichannel_config = 4,
  multitrack = 5,
  mod_ex = 7,
};

inline constexpr std::uint8_t frame_key = 1, frame_inter = 2, frame_disposable = 3,
                              frame_generated_key = 4, frame_command = 5;
inline constexpr std::uint8_t legacy_avc = 7, legacy_hevc = 12;  // 12: widespread HEVC extension
inline constexpr std::uint8_t sound_format_aac = 10, sound_format_ex_header = 9;

constexpr std::uint32_t make_fourcc(char a, char b, char c, char d) noexcept {
  return std::uint32_t(std::uint8_t(a)) << 24 | std::uint32_t(std::uint8_t(b)) << 16 |
         std::uint32_t(std::uint8_t(c)) << 8 | std::uint32_t(std::uint8_t(d));
}
namespace fourcc {
inline constexpr std::uint32_t avc1 = make_fourcc('a', 'v', 'c', '1');
inline constexpr std::uint32_t hvc1 = make_fourcc('h', 'v', 'c', '1');
inline constexpr std::uint32_t av01 = make_fourcc('a', 'v', '0', '1');
inline constexpr std::uint32_t vp09 = make_fourcc('v', 'p', '0', '9');
inline constexpr std::uint32_t vp08 = make_fourcc('v', 'p', '0', '8');
inline constexpr std::uint32_t mp4a = make_fourcc('m', 'p', '4', 'a');
inline constexpr std::uint32_t opus = make_fourcc('O', 'p', 'u', 's');
inline constexpr std::uint32_t flac = make_fourcc('f', 'L', 'a', 'C');
inline constexpr std::uint32_t ac3 = make_fourcc('a', 'c', '-', '3');
inline constexpr std::uint32_t eac3 = make_fourcc('e', 'c', '-', '3');
inline constexpr std::uint32_t mp3 = make_fourcc('.', 'm', 'p', '3');
}  // namespace fourcc

// FourCC <-> codec (0 / unknown when there is none).
CodecId codec_from_fourcc(std::uint32_t fourcc) noexcept;
std::uint32_t fourcc_of(CodecId id) noexcept;
// Legacy ids: video 7 -> h264, 12 -> h265; SoundFormat 0..15 (9 -> unknown).
CodecId codec_from_legacy_video(std::uint8_t codec_id) noexcept;
CodecId codec_from_sound_format(std::uint8_t sound_format) noexcept;
// 0 when the codec has no legacy video id; 0xFF when it has no legacy SoundFormat.
std::uint8_t legacy_video_id(CodecId id) noexcept;
std::uint8_t sound_format_of(CodecId id) noexcept;

// One track's packet inside a video tag body. A multitrack message yields several parts.
struct VideoTagPart {
  bool enhanced = false;
  std::uint8_t frame_type = 0;                                  // 1..7 as on the wire
  std::uint8_t legacy_codec_id = 0;                             // legacy only: the low nibble
  VideoPacketType packet_type = VideoPacketType::coded_frames;  // legacy: AVCPacketType 0..2
  bool is_command = false;  // FrameType 5 outside Metadata: body is absent
  std::uint8_t command = 0;
  MultitrackMode multitrack = MultitrackMode::none;
  std::uint8_t track_id = 0;
  std::uint32_t fourcc = 0;  // enhanced
  CodecId codec = CodecId::unknown;
  std::int32_t composition_time = 0;  // SI24 where present (legacy AVC/HEVC, avc1/hvc1 CodedFrames)
  ByteView body;                      // after every header field, view into the payload
  // ModEx TimestampOffsetNano of the message (see mod_ex.hpp), on every part of it.
  std::optional<std::uint32_t> timestamp_nano_offset;
};

struct AudioTagPart {
  bool enhanced = false;
  std::uint8_t sound_flags = 0;                                 // legacy: the first byte
  AudioPacketType packet_type = AudioPacketType::coded_frames;  // legacy AAC: AACPacketType
  MultitrackMode multitrack = MultitrackMode::none;
  std::uint8_t track_id = 0;
  std::uint32_t fourcc = 0;  // enhanced
  CodecId codec = CodecId::unknown;
  ByteView body;
  std::optional<std::uint32_t> timestamp_nano_offset;  // ModEx, see VideoTagPart
};

// Parse a whole video/audio tag body into its parts (out is cleared first; reuse it to avoid
// allocating per message). Errors: errc::truncated (header cut short), errc::malformed
// (reserved packet type, nested multitrack, track size past the end, bad AVCPacketType),
// errc::unsupported (a ModEx other than mod_ex.hpp's supported form, unknown FourCC in a
// multitrack packet). A legacy video codec other
// than 7/12 is returned with codec = unknown, the whole rest as body.
Result<void> parse_video_tag(ByteView payload, std::vector<VideoTagPart>& out);
Result<void> parse_audio_tag(ByteView payload, std::vector<AudioTagPart>& out);

// Append the header of `part` followed by part.body: the inverse of the parsers, one track per
// call (a ManyTracks part is written as a ManyTracks packet with this single track).
void write_video_tag(Bytes& out, const VideoTagPart& part);
void write_audio_tag(Bytes& out, const AudioTagPart& part);
// Bytes write_*_tag appends for this part.
std::size_t video_tag_size(const VideoTagPart& part) noexcept;
std::size_t audio_tag_size(const AudioTagPart& part) noexcept;

}  // namespace rtmp::flv
