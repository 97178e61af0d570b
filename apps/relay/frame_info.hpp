// What the relay needs to know about one published message to cache and drop it correctly:
// is it a sequence header, a video keyframe, a droppable frame? Reads only the FLV tag
// header (no codec state, no NAL parsing), so it is cheap enough for every message.
#pragma once

#include "rtmp/core/message.hpp"
#include "rtmp/media/flv_tag.hpp"

#include <cstdint>
#include <vector>

namespace rtmp::relay {

enum class FrameKind : std::uint8_t {
  video_config,  // sequence header (AVC/HEVC legacy, Enhanced SequenceStart / MPEG2TS start)
  audio_config,  // AAC AudioSpecificConfig, Enhanced audio SequenceStart
  video_key,     // a coded keyframe: where a player can start decoding
  video_inter,   // any other coded video frame
  audio_frame,   // a coded audio frame
  control,       // sequence end, Enhanced video metadata, command frames, multichannel config
  data,          // a data message (metadata is handled separately)
  other,         // a media message we cannot parse: relayed as a droppable frame
};

struct FrameInfo {
  FrameKind kind = FrameKind::other;
  // Sequence headers are cached per (message type, track): a new one replaces the old.
  std::uint8_t track = 0;
  CodecId codec = CodecId::unknown;  // of the first track in the message, when known

  bool is_config() const noexcept {
    return kind == FrameKind::video_config || kind == FrameKind::audio_config;
  }
  // Frames a slow player may lose: coded media only. Sequence headers, sequence ends and
  // data messages always go out, or the player could not decode what follows.
  bool droppable() const noexcept {
    return kind == FrameKind::video_key || kind == FrameKind::video_inter ||
           kind == FrameKind::audio_frame || kind == FrameKind::other;
  }
};

// Reuses its parse buffers: one per publishing stream, used from one thread at a time.
class FrameClassifier {
 public:
  FrameInfo classify(const Message& m);

 private:
  std::vector<flv::VideoTagPart> video_;
  std::vector<flv::AudioTagPart> audio_;
};

const char* to_string(FrameKind k) noexcept;

}  // namespace rtmp::relay
