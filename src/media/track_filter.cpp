#include "rtmp/media/track_filter.hpp"

namespace rtmp {
namespace {

using flv::AudioPacketType;
using flv::VideoPacketType;

Message with_payload(const Message& m, Bytes payload) {
  Message out = m;
  out.payload = make_shared_bytes(std::move(payload));
  return out;
}

Message rewrite_video(const Message& m, const flv::VideoTagPart& p) {
  Bytes b;
  b.reserve(flv::video_tag_size(p));
  flv::write_video_tag(b, p);
  return with_payload(m, std::move(b));
}

Message rewrite_audio(const Message& m, const flv::AudioTagPart& p) {
  Bytes b;
  b.reserve(flv::audio_tag_size(p));
  flv::write_audio_tag(b, p);
  return with_payload(m, std::move(b));
}

// The part of the wanted track: a message without multitrack framing is track 0.
template <class Part>
const Part* find_track(const std::vector<Part>& parts, std::uint8_t track) {
  for (const auto& p : parts)
    if (p.track_id == track) return &p;
  return nullptr;
}

}  // namespace

bool legacy_player_codec(CodecId id) noexcept {
  switch (id) {
    case CodecId::h264:
    case CodecId::aac:
    case CodecId::mp3:
    case CodecId::pcm:
    case CodecId::pcm_le:
    case CodecId::pcma:
    case CodecId::pcmu:
    case CodecId::speex:
    case CodecId::nellymoser:
    case CodecId::adpcm:
    case CodecId::mp3_8k:
    case CodecId::device_specific:
      return true;
    default:
      return false;
  }
}

Result<std::optional<Message>> TrackFilter::apply(const Message& m) {
  if (m.type == msg::video) return video(m);
  if (m.type == msg::audio) return audio(m);
  return std::optional<Message>(m);
}

Result<std::optional<Message>> TrackFilter::video(const Message& m) {
  if (m.size() == 0) return std::optional<Message>(m);
  if (auto r = flv::parse_video_tag(m.data(), video_parts_); !r) return r.error();
  const flv::VideoTagPart& first = video_parts_.front();
  const bool legacy = target_ == Target::legacy;
  if (!first.enhanced) {
    // Legacy HEVC (codec id 12) is blocked for a legacy player like hvc1 (see the header).
    if (legacy && first.codec == CodecId::h265 && !first.is_command) {
      if (blocked_video_ == CodecId::unknown) blocked_video_ = CodecId::h265;
      return std::optional<Message>();
    }
    return std::optional<Message>(m);
  }
  if (first.is_command) {
    // An Enhanced command frame has no codec id a legacy player could read.
    return legacy ? std::optional<Message>() : std::optional<Message>(m);
  }
  const flv::VideoTagPart* p = find_track(video_parts_, video_track_);
  if (!p) return std::optional<Message>();
  if (!legacy) {
    if (p->multitrack == MultitrackMode::none) return std::optional<Message>(m);
    flv::VideoTagPart one = *p;
    one.multitrack = MultitrackMode::none;
    return std::optional<Message>(rewrite_video(m, one));
  }
  if (!legacy_player_codec(p->codec)) {
    if (blocked_video_ == CodecId::unknown) blocked_video_ = p->codec;
    return std::optional<Message>();
  }
  // avc1 -> FLV AVC header (codec id 7, AVCPacketType, SI24 composition time).
  flv::VideoTagPart lp;
  lp.enhanced = false;
  lp.codec = p->codec;
  lp.legacy_codec_id = flv::legacy_video_id(p->codec);
  lp.frame_type = p->frame_type;
  lp.body = p->body;
  switch (p->packet_type) {
    case VideoPacketType::sequence_start:
    case VideoPacketType::sequence_end:
      lp.packet_type = p->packet_type;
      break;
    case VideoPacketType::coded_frames:
      lp.packet_type = VideoPacketType::coded_frames;
      lp.composition_time = p->composition_time;
      break;
    case VideoPacketType::coded_frames_x:
      lp.packet_type = VideoPacketType::coded_frames;  // composition time 0
      break;
    default:
      return std::optional<Message>();  // Metadata, MPEG2TSSequenceStart: no legacy form
  }
  return std::optional<Message>(rewrite_video(m, lp));
}

Result<std::optional<Message>> TrackFilter::audio(const Message& m) {
  if (m.size() == 0) return std::optional<Message>(m);  // the "audio silence" message
  if (auto r = flv::parse_audio_tag(m.data(), audio_parts_); !r) return r.error();
  const bool legacy = target_ == Target::legacy;
  if (!audio_parts_.front().enhanced) return std::optional<Message>(m);
  const flv::AudioTagPart* p = find_track(audio_parts_, audio_track_);
  if (!p) return std::optional<Message>();
  if (!legacy) {
    if (p->multitrack == MultitrackMode::none) return std::optional<Message>(m);
    flv::AudioTagPart one = *p;
    one.multitrack = MultitrackMode::none;
    return std::optional<Message>(rewrite_audio(m, one));
  }
  if (!legacy_player_codec(p->codec)) {
    if (blocked_audio_ == CodecId::unknown) blocked_audio_ = p->codec;
    return std::optional<Message>();
  }
  // mp4a -> SoundFormat 10 + AACPacketType; .mp3 -> SoundFormat 2. The rate/size/channel
  // bits say 44 kHz 16-bit stereo, as FFmpeg writes them for AAC: decoders read the real
  // values from the AudioSpecificConfig / MP3 frame headers.
  flv::AudioTagPart lp;
  lp.enhanced = false;
  lp.codec = p->codec;
  lp.body = p->body;
  lp.sound_flags = static_cast<std::uint8_t>(flv::sound_format_of(p->codec) << 4 | 0x0F);
  if (p->codec == CodecId::aac) {
    if (p->packet_type != AudioPacketType::sequence_start &&
        p->packet_type != AudioPacketType::coded_frames)
      return std::optional<Message>();
    lp.packet_type = p->packet_type;
  } else if (p->packet_type != AudioPacketType::coded_frames) {
    return std::optional<Message>();  // .mp3 has no sequence start; no legacy sequence end
  }
  return std::optional<Message>(rewrite_audio(m, lp));
}

}  // namespace rtmp
