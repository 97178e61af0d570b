#include "relay/frame_info.hpp"

namespace rtmp::relay {

FrameInfo FrameClassifier::classify(const Message& m) {
  using flv::AudioPacketType;
  using flv::VideoPacketType;
  if (m.type == msg::data_amf0 || m.type == msg::data_amf3) return {FrameKind::data};
  if (m.type == msg::video) {
    if (!flv::parse_video_tag(m.data(), video_) || video_.empty()) return {FrameKind::other};
    // A multitrack message is one unit on the wire: it is a sequence header when every part
    // is one, and a keyframe when any coded part is a keyframe (encoders align tracks' IDRs).
    bool all_config = true, any_key = false, any_coded = false;
    for (const auto& p : video_) {
      bool config = p.packet_type == VideoPacketType::sequence_start ||
                    p.packet_type == VideoPacketType::mpeg2ts_sequence_start;
      bool coded = !p.is_command && (p.packet_type == VideoPacketType::coded_frames ||
                                     p.packet_type == VideoPacketType::coded_frames_x);
      all_config = all_config && config;
      any_coded = any_coded || coded;
      // FrameType 4 is a generated keyframe (a seek point made by a server): also a start.
      if (coded && (p.frame_type == flv::frame_key || p.frame_type == flv::frame_generated_key))
        any_key = true;
    }
    std::uint8_t track = video_.front().track_id;
    CodecId codec = video_.front().codec;
    if (all_config) return {FrameKind::video_config, track, codec};
    if (any_key) return {FrameKind::video_key, track, codec};
    if (any_coded) return {FrameKind::video_inter, track, codec};
    return {FrameKind::control, track, codec};
  }
  if (m.type == msg::audio) {
    if (!flv::parse_audio_tag(m.data(), audio_) || audio_.empty()) return {FrameKind::other};
    bool all_config = true, any_coded = false;
    for (const auto& p : audio_) {
      all_config = all_config && p.packet_type == AudioPacketType::sequence_start;
      any_coded = any_coded || p.packet_type == AudioPacketType::coded_frames;
    }
    std::uint8_t track = audio_.front().track_id;
    CodecId codec = audio_.front().codec;
    if (all_config) return {FrameKind::audio_config, track, codec};
    if (any_coded) return {FrameKind::audio_frame, track, codec};
    return {FrameKind::control, track, codec};
  }
  return {FrameKind::other};
}

const char* to_string(FrameKind k) noexcept {
  switch (k) {
    case FrameKind::video_config:
      return "video_config";
    case FrameKind::audio_config:
      return "audio_config";
    case FrameKind::video_key:
      return "video_key";
    case FrameKind::video_inter:
      return "video_inter";
    case FrameKind::audio_frame:
      return "audio_frame";
    case FrameKind::control:
      return "control";
    case FrameKind::data:
      return "data";
    case FrameKind::other:
      return "other";
  }
  return "other";
}

}  // namespace rtmp::relay
