// Muxer: media events -> RTMP audio/video messages (FLV tag bodies), the exact inverse of
// rtmp::Demuxer: for every message m the Demuxer accepts, muxing the events of m yields m's
// payload byte for byte (multitrack messages carrying several tracks come back as one
// message per track; see below).
#pragma once

#include "rtmp/core/message.hpp"
#include "rtmp/media.hpp"

#include <cstdint>

namespace rtmp {

// Stateless: every function builds one message from one event, on csid::video (type 9) or
// csid::audio (type 8), with timestamp = the event's dts/timestamp truncated to 32 bits.
// The header is rebuilt from the event's mux hints (enhanced, frame_type, coded_frames_x,
// sound_flags, multitrack, ...); defaults give the usual wire form for user-built events:
// legacy headers for AVC/AAC/MP3 (and HEVC when enhanced = false: codec id 12), Enhanced RTMP
// FourCC headers for AV1/VP9/VP8/Opus/FLAC/AC-3/E-AC-3 (forced). A composition time outside
// the signed 24-bit range is clamped.
//
// Not exact (never produced by a conforming sender): a coded frame with the reserved FrameType 0
// comes back as 1 or 2 (from keyframe), since VideoSample::frame_type 0 means "derive".
//
// Multitrack: an event with multitrack != none is written as a multitrack packet of that
// type holding only its own track; a wire message that carried several tracks is therefore
// rebuilt as several messages.
//
// Allocation: one payload buffer per message (reserved to its exact size).
class Muxer {
 public:
  static Message mux(const Codec& codec, std::uint32_t stream_id = 1);
  static Message mux(const VideoSample& sample, std::uint32_t stream_id = 1);
  static Message mux(const AudioSample& sample, std::uint32_t stream_id = 1);
  static Message mux(const SequenceEnd& end, std::uint32_t stream_id = 1);
  static Message mux(const VideoMetadata& meta, std::uint32_t stream_id = 1);
  static Message mux(const VideoCommand& cmd, std::uint32_t stream_id = 1);
  static Message mux(const AudioChannelConfig& cfg, std::uint32_t stream_id = 1);
  static Message mux(const MediaEvent& event, std::uint32_t stream_id = 1);

  // End of sequence for a track built from scratch (legacy AVC/HEVC: packet type 2;
  // otherwise Enhanced RTMP SequenceEnd with the codec's FourCC).
  static Message sequence_end(TrackType type, CodecId codec, std::uint32_t timestamp,
                              std::uint32_t stream_id = 1);

  // False for a Codec with from_frame set: it has no sequence header on the wire and mux()
  // returns an empty message for it.
  static bool has_wire_form(const Codec& codec) noexcept { return !codec.from_frame; }
};

}  // namespace rtmp
