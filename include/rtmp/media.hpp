// Public media types: what an audio/video message carries once demuxed (rtmp::Demuxer) and
// what rtmp::Muxer turns back into the exact same message bytes.
//
// Lifetimes: every ByteView in these types points into the object's `owner` (a SharedBytes,
// normally the RTMP message payload it came from), so a value stays valid as long as it is
// kept; copying one copies views and a reference count, never the media bytes.
#pragma once

#include "rtmp/core/bytes.hpp"

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace rtmp {

enum class TrackType : std::uint8_t { video, audio };

enum class CodecId : std::uint8_t {
  unknown,
  h264,
  h265,
  av1,
  vp9,
  vp8,
  aac,
  mp3,
  opus,
  flac,
  ac3,
  eac3,
  pcm,              // FLV SoundFormat 0: platform-endian linear PCM
  pcm_le,           // SoundFormat 3
  pcma,             // SoundFormat 7: G.711 A-law
  pcmu,             // SoundFormat 8: G.711 mu-law
  speex,            // SoundFormat 11
  nellymoser,       // SoundFormat 4, 5, 6 (16 kHz mono, 8 kHz mono, any rate)
  adpcm,            // SoundFormat 1
  mp3_8k,           // SoundFormat 14
  device_specific,  // SoundFormat 15
  // Legacy FLV video codecs without a config record, passed through as tag bodies.
  h263,     // CodecID 2: Sorenson H.263 (FFmpeg's "flv1")
  screen,   // CodecID 3: Screen video
  vp6,      // CodecID 4: On2 VP6 (the body starts with its adjustment byte)
  vp6a,     // CodecID 5: On2 VP6 with alpha (the body starts with UI24 OffsetToAlpha)
  screen2,  // CodecID 6: Screen video version 2
};

// "h264", "h265", "av1", "vp9", "vp8", "aac", "mp3", "opus", "flac", "ac3", "eac3", "pcm",
// "pcm_le", "pcma", "pcmu", "speex", "nellymoser", "adpcm", "mp3_8k", "device_specific",
// "h263", "screen", "vp6", "vp6a", "screen2", "unknown". Never null.
const char* codec_name(CodecId id) noexcept;
TrackType codec_track_type(CodecId id) noexcept;

// AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1).
struct AvcConfig {
  std::uint8_t profile = 0;          // AVCProfileIndication
  std::uint8_t compatibility = 0;    // profile_compatibility
  std::uint8_t level = 0;            // AVCLevelIndication
  std::uint8_t nal_length_size = 4;  // lengthSizeMinusOne + 1: 1, 2 or 4
  std::vector<ByteView> sps, pps;
  // High profiles (100, 110, 122, 144) may carry these; has_ext says they were present.
  bool has_ext = false;
  std::uint8_t chroma_format = 1, bit_depth_luma = 8, bit_depth_chroma = 8;
  std::vector<ByteView> sps_ext;
};

// HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1).
struct HevcConfig {
  std::uint8_t general_profile_space = 0, general_tier_flag = 0;
  std::uint8_t general_profile_idc = 0;
  std::uint32_t general_profile_compatibility_flags = 0;
  std::uint64_t general_constraint_indicator_flags = 0;  // 48 bits
  std::uint8_t general_level_idc = 0;
  std::uint16_t min_spatial_segmentation_idc = 0;
  std::uint8_t parallelism_type = 0, chroma_format_idc = 0;
  std::uint8_t bit_depth_luma = 8, bit_depth_chroma = 8;
  std::uint16_t avg_frame_rate = 0;
  std::uint8_t constant_frame_rate = 0, num_temporal_layers = 0, temporal_id_nested = 0;
  std::uint8_t nal_length_size = 4;  // lengthSizeMinusOne + 1: 1, 2 or 4
  struct Array {
    bool array_completeness = false;
    std::uint8_t nal_type = 0;  // 32 VPS, 33 SPS, 34 PPS, 39/40 SEI
    std::vector<ByteView> nalus;
  };
  std::vector<Array> arrays;
};

// AV1CodecConfigurationRecord (AV1 Codec ISO Media File Format Binding §2.3).
struct Av1Config {
  std::uint8_t seq_profile = 0, seq_level_idx_0 = 0, seq_tier_0 = 0;
  bool high_bitdepth = false, twelve_bit = false, monochrome = false;
  std::uint8_t chroma_subsampling_x = 0, chroma_subsampling_y = 0, chroma_sample_position = 0;
  bool initial_presentation_delay_present = false;
  std::uint8_t initial_presentation_delay_minus_one = 0;
  ByteView config_obus;  // configOBUs (sequence header OBU, metadata OBUs), may be empty
};

// VPCodecConfigurationRecord (VP Codec ISO Media File Format Binding §2.2), as carried in
// Enhanced RTMP: the vpcC box body starting with version + flags.
struct Vp9Config {
  std::uint8_t version = 1;
  std::uint8_t profile = 0, level = 0, bit_depth = 8, chroma_subsampling = 0;
  bool video_full_range = false;
  std::uint8_t colour_primaries = 0, transfer_characteristics = 0, matrix_coefficients = 0;
  ByteView codec_init_data;  // must be empty for VP8/VP9
};

// AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1), the fields a player needs.
struct AacConfig {
  std::uint8_t object_type = 0;     // audioObjectType, escape (31) resolved: 32 + n
  std::uint8_t sampling_index = 0;  // samplingFrequencyIndex, 15 = explicit
  std::uint32_t sample_rate = 0;    // Hz (from the index table or explicit 24-bit value)
  std::uint8_t channel_config = 0;  // channelConfiguration (0 = defined in the PCE)
  std::uint8_t channels = 0;        // channels implied by channel_config (7 -> 8); 0 if PCE
  // Explicit SBR/PS (object types 5/29): the core object type and extension rate.
  std::uint8_t core_object_type = 0;
  std::uint32_t extension_sample_rate = 0;
};

// OpusHead (RFC 7845 §5.1): the identification header used as Opus codec config.
struct OpusHead {
  std::uint8_t version = 1;
  std::uint8_t channels = 0;
  std::uint16_t pre_skip = 0;
  std::uint32_t input_sample_rate = 0;
  std::int16_t output_gain = 0;
  std::uint8_t mapping_family = 0;
};

// The FLV legacy AudioTagHeader's first byte, split (FLV spec v10.1 E.4.2.1).
struct LegacyAudio {
  std::uint8_t sound_format = 0;  // 0..15
  std::uint8_t sound_rate = 0;    // 0 = 5.5 kHz, 1 = 11 kHz, 2 = 22 kHz, 3 = 44 kHz
  std::uint8_t sound_size = 0;    // 0 = 8 bit, 1 = 16 bit
  std::uint8_t sound_type = 0;    // 0 = mono, 1 = stereo
  std::uint8_t byte() const noexcept {
    return static_cast<std::uint8_t>(sound_format << 4 | (sound_rate & 3) << 2 |
                                     (sound_size & 1) << 1 | (sound_type & 1));
  }
  static LegacyAudio from_byte(std::uint8_t b) noexcept {
    return {static_cast<std::uint8_t>(b >> 4), static_cast<std::uint8_t>(b >> 2 & 3),
            static_cast<std::uint8_t>(b >> 1 & 1), static_cast<std::uint8_t>(b & 1)};
  }
};

// Enhanced RTMP v2 multitrack framing a sample/codec arrived in (or is to be sent in).
enum class MultitrackMode : std::uint8_t {
  none,                     // plain (non-multitrack) packet; track_id must be 0
  one_track,                // AvMultitrackType.OneTrack: one track, no size field
  many_tracks,              // ManyTracks: demuxed per track; muxed as one_track
  many_tracks_many_codecs,  // ManyTracksManyCodecs: demuxed per track; muxed as one_track
};

// A sequence header / init data: starts (or restarts) a track.
struct Codec {
  TrackType type = TrackType::video;
  CodecId id = CodecId::unknown;
  std::uint8_t track_id = 0;
  std::int64_t timestamp = 0;  // ms, of the message that carried it (unwrapped)
  SharedBytes owner;
  // The raw config record (avcC, hvcC, av1C, vpcC, AudioSpecificConfig, OpusHead, dfLa
  // body, ...) as a view into owner; empty for codecs without one.
  ByteView config;
  std::variant<std::monostate, AvcConfig, HevcConfig, Av1Config, Vp9Config, AacConfig, OpusHead,
               LegacyAudio>
      details;
  bool enhanced = false;  // carried with an Enhanced RTMP FourCC header

  // Mux hints: the header fields besides the config, so mux(demux(x)) == x.
  MultitrackMode multitrack = MultitrackMode::none;
  std::uint8_t frame_type = 1;        // video: FLV FrameType of the sequence header (1 = key)
  std::int32_t composition_time = 0;  // video legacy AVC/HEVC: the (meaningless) SI24 field
  std::uint8_t sound_flags = 0;       // audio legacy: the first byte; 0 = derive from id
  // AV1 only: MPEG2TSSequenceStart (packet type 5) instead of SequenceStart; config then
  // holds the AV1 video descriptor and details stays monostate.
  bool mpeg2ts = false;
  // No sequence header on the wire: announced by the Demuxer on a track's first frame
  // (legacy MP3/PCM/G.711/..., and again when the legacy flags byte changes; enhanced
  // .mp3/ac-3/ec-3). Muxer::mux() of such a Codec yields a message with an empty payload
  // that must not be sent (see Muxer::has_wire_form).
  bool from_frame = false;
};

struct VideoSample {
  std::uint8_t track_id = 0;
  CodecId codec = CodecId::unknown;
  std::int64_t dts = 0, pts = 0;  // ms; dts unwrapped across 2^32, pts = dts + composition time
  bool keyframe = false;
  SharedBytes owner;
  // The frame as on the wire after the FLV video header (length-prefixed NAL units for
  // AVC/HEVC), a view into owner: no copy.
  ByteView data;
  // AVC/HEVC: NAL units split with the config's NAL length size (1, 2 or 4), views into
  // owner; empty otherwise. The muxer ignores this and sends data.
  std::vector<ByteView> nalus;

  // Mux hints.
  bool enhanced = false;  // Enhanced RTMP FourCC header; forced for AV1/VP9/VP8
  MultitrackMode multitrack = MultitrackMode::none;
  std::uint8_t frame_type = 0;  // FLV FrameType 1..4 as received; 0 = from keyframe (1 or 2)
  bool coded_frames_x = false;  // enhanced AVC/HEVC: CodedFramesX (no SI24, pts == dts)
  // Enhanced RTMP v2 ModEx TimestampOffsetNano: nanoseconds (0..999999) to add to dts and
  // pts; sent as a ModEx when set (Enhanced headers only).
  std::optional<std::uint32_t> timestamp_nano_offset;

  // A frame built by the caller (client/send_* APIs): copies `frame` (already in wire form:
  // length-prefixed NAL units for AVC/HEVC, OBUs for AV1, ...) into a new owner.
  static VideoSample from_data(CodecId codec, std::int64_t dts, std::int64_t pts, bool keyframe,
                               ByteView frame);
  // AVC/HEVC from bare NAL units (no start codes): writes each with a nal_length_size-byte
  // length prefix (must match the sent config: 1, 2 or 4; a unit too large for it makes the
  // whole frame use 4) and fills nalus.
  static VideoSample from_nalus(CodecId codec, std::int64_t dts, std::int64_t pts, bool keyframe,
                                const std::vector<ByteView>& nalus,
                                std::uint8_t nal_length_size = 4);
};

struct AudioSample {
  std::uint8_t track_id = 0;
  CodecId codec = CodecId::unknown;
  std::int64_t timestamp = 0;  // ms, unwrapped across 2^32
  SharedBytes owner;
  ByteView data;  // raw frame after the FLV audio header (AAC: after the 2 bytes)

  // Mux hints.
  bool enhanced = false;  // Enhanced RTMP FourCC header; forced for Opus/FLAC/AC-3/E-AC-3
  MultitrackMode multitrack = MultitrackMode::none;
  std::uint8_t sound_flags = 0;  // legacy: the first byte as received; 0 = derive from codec
  std::optional<std::uint32_t> timestamp_nano_offset;  // ModEx, as VideoSample's

  static AudioSample from_data(CodecId codec, std::int64_t timestamp, ByteView frame);
};

// End of a track's sequence (video SequenceEnd / AVC end of sequence, audio SequenceEnd).
struct SequenceEnd {
  TrackType type = TrackType::video;
  std::uint8_t track_id = 0;
  CodecId codec = CodecId::unknown;
  std::int64_t timestamp = 0;
  // Mux hints.
  bool enhanced = false;
  MultitrackMode multitrack = MultitrackMode::none;
  std::uint8_t frame_type = 1;        // video
  std::int32_t composition_time = 0;  // video legacy
  std::uint8_t sound_flags = 0;       // audio legacy
  SharedBytes owner;
  ByteView trailing;  // legacy AVC end-of-sequence bytes after the header (normally empty)
};

// Enhanced RTMP video Metadata packet (packet type 4): AMF0-encoded ("colorInfo", {...}).
struct VideoMetadata {
  std::uint8_t track_id = 0;
  CodecId codec = CodecId::unknown;
  std::int64_t timestamp = 0;
  MultitrackMode multitrack = MultitrackMode::none;
  std::uint8_t frame_type = 0;  // as received (spec leaves it unset; senders use 0 or 1)
  SharedBytes owner;
  ByteView amf;  // the AMF0 values, unparsed, view into owner
};

// FLV video info/command frame (FrameType 5): one UI8 (0 = start of seek, 1 = end of seek).
struct VideoCommand {
  CodecId codec = CodecId::unknown;  // legacy: from the codec id nibble; enhanced: unknown
  std::int64_t timestamp = 0;
  bool enhanced = false;
  std::uint8_t legacy_codec_id = 0;  // legacy header low nibble as received
  std::uint8_t packet_type = 0;      // enhanced header low nibble as received
  std::uint8_t command = 0;          // body[0], or what mux writes when body is empty
  SharedBytes owner;
  ByteView body;  // bytes after the header byte (the command UI8 and anything after it)
};

// Enhanced RTMP audio MultichannelConfig packet (packet type 4).
struct AudioChannelConfig {
  std::uint8_t track_id = 0;
  CodecId codec = CodecId::unknown;
  std::int64_t timestamp = 0;
  MultitrackMode multitrack = MultitrackMode::none;
  std::uint8_t channel_order = 0;  // 0 unspecified, 1 native (flags), 2 custom (mapping)
  std::uint8_t channel_count = 0;
  std::uint32_t channel_flags = 0;            // native order: AudioChannelMask bits
  std::vector<std::uint8_t> channel_mapping;  // custom order: one AudioChannel per channel
};

using MediaEvent = std::variant<Codec, VideoSample, AudioSample, SequenceEnd, VideoMetadata,
                                VideoCommand, AudioChannelConfig>;

}  // namespace rtmp
