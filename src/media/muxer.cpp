#include "rtmp/media/muxer.hpp"

#include "rtmp/media/flv_tag.hpp"

#include <algorithm>

namespace rtmp {
namespace {

using flv::AudioPacketType;
using flv::AudioTagPart;
using flv::VideoPacketType;
using flv::VideoTagPart;

Message video_message(const VideoTagPart& p, std::int64_t ts, std::uint32_t stream_id) {
  Bytes buf;
  buf.reserve(flv::video_tag_size(p));
  flv::write_video_tag(buf, p);
  return Message{csid::video, msg::video, static_cast<std::uint32_t>(ts), stream_id,
                 make_shared_bytes(std::move(buf))};
}

Message audio_message(const AudioTagPart& p, std::int64_t ts, std::uint32_t stream_id) {
  Bytes buf;
  buf.reserve(flv::audio_tag_size(p));
  flv::write_audio_tag(buf, p);
  return Message{csid::audio, msg::audio, static_cast<std::uint32_t>(ts), stream_id,
                 make_shared_bytes(std::move(buf))};
}

// Codecs without a legacy id can only travel with a FourCC header.
bool video_enhanced(bool hint, CodecId c) {
  return hint || flv::legacy_video_id(c) == 0;
}
bool audio_enhanced(bool hint, CodecId c) {
  return hint || flv::sound_format_of(c) == 0xFF;
}

// The legacy flags byte: the hint when it names this codec, else the usual one (FLV spec
// E.4.2.1; AAC is always sent as 44 kHz/16-bit/stereo, Speex as 16 kHz mono).
std::uint8_t sound_flags(std::uint8_t hint, CodecId c) {
  if (flv::codec_from_sound_format(hint >> 4) == c) return hint;
  const std::uint8_t f = flv::sound_format_of(c);
  switch (c) {
    case CodecId::speex:
      return 0xB2;
    case CodecId::pcma:
    case CodecId::pcmu:
      return static_cast<std::uint8_t>(f << 4 | 0x02);  // 8 kHz mono 16-bit
    default:
      return static_cast<std::uint8_t>(f << 4 | 0x0F);
  }
}

VideoTagPart video_part(CodecId codec, bool enhanced, std::uint8_t track_id,
                        MultitrackMode multitrack) {
  VideoTagPart p;
  p.codec = codec;
  p.enhanced = video_enhanced(enhanced, codec);
  p.legacy_codec_id = flv::legacy_video_id(codec);
  p.fourcc = flv::fourcc_of(codec);
  p.track_id = track_id;
  p.multitrack = p.enhanced ? multitrack : MultitrackMode::none;
  return p;
}

AudioTagPart audio_part(CodecId codec, bool enhanced, std::uint8_t track_id,
                        MultitrackMode multitrack, std::uint8_t flags) {
  AudioTagPart p;
  p.codec = codec;
  p.enhanced = audio_enhanced(enhanced, codec);
  p.fourcc = flv::fourcc_of(codec);
  p.track_id = track_id;
  p.multitrack = p.enhanced ? multitrack : MultitrackMode::none;
  p.sound_flags = p.enhanced ? 0 : sound_flags(flags, codec);
  return p;
}

std::int32_t clamp_s24(std::int64_t v) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(v, -0x800000, 0x7FFFFF));
}

}  // namespace

Message Muxer::mux(const Codec& c, std::uint32_t stream_id) {
  if (c.from_frame && c.type == TrackType::video)  // legacy H.263, VP6, ...: see has_wire_form
    return Message{csid::video, msg::video, static_cast<std::uint32_t>(c.timestamp), stream_id,
                   make_shared_bytes({})};
  if (c.type == TrackType::video) {
    VideoTagPart p = video_part(c.id, c.enhanced, c.track_id, c.multitrack);
    p.frame_type = c.frame_type;
    p.packet_type = c.mpeg2ts && p.enhanced ? VideoPacketType::mpeg2ts_sequence_start
                                            : VideoPacketType::sequence_start;
    p.composition_time = c.composition_time;
    p.body = c.config;
    return video_message(p, c.timestamp, stream_id);
  }
  if (c.from_frame)  // nothing on the wire announces these codecs (see has_wire_form)
    return Message{csid::audio, msg::audio, static_cast<std::uint32_t>(c.timestamp), stream_id,
                   make_shared_bytes({})};
  AudioTagPart p = audio_part(c.id, c.enhanced, c.track_id, c.multitrack, c.sound_flags);
  p.packet_type = AudioPacketType::sequence_start;
  p.body = c.config;
  return audio_message(p, c.timestamp, stream_id);
}

Message Muxer::mux(const VideoSample& s, std::uint32_t stream_id) {
  VideoTagPart p = video_part(s.codec, s.enhanced, s.track_id, s.multitrack);
  p.frame_type = s.frame_type ? s.frame_type : s.keyframe ? flv::frame_key : flv::frame_inter;
  p.packet_type = s.coded_frames_x && p.enhanced ? VideoPacketType::coded_frames_x
                                                 : VideoPacketType::coded_frames;
  p.composition_time = clamp_s24(s.pts - s.dts);
  p.body = s.data;
  if (p.enhanced) p.timestamp_nano_offset = s.timestamp_nano_offset;
  return video_message(p, s.dts, stream_id);
}

Message Muxer::mux(const AudioSample& s, std::uint32_t stream_id) {
  AudioTagPart p = audio_part(s.codec, s.enhanced, s.track_id, s.multitrack, s.sound_flags);
  p.packet_type = AudioPacketType::coded_frames;
  p.body = s.data;
  if (p.enhanced) p.timestamp_nano_offset = s.timestamp_nano_offset;
  return audio_message(p, s.timestamp, stream_id);
}

Message Muxer::mux(const SequenceEnd& e, std::uint32_t stream_id) {
  if (e.type == TrackType::video) {
    VideoTagPart p = video_part(e.codec, e.enhanced, e.track_id, e.multitrack);
    p.frame_type = e.frame_type;
    p.packet_type = VideoPacketType::sequence_end;
    p.composition_time = e.composition_time;
    p.body = e.trailing;
    return video_message(p, e.timestamp, stream_id);
  }
  // Legacy audio has no end-of-sequence packet: always the Enhanced RTMP form.
  AudioTagPart p = audio_part(e.codec, true, e.track_id, e.multitrack, 0);
  p.packet_type = AudioPacketType::sequence_end;
  p.body = e.trailing;
  return audio_message(p, e.timestamp, stream_id);
}

Message Muxer::mux(const VideoMetadata& md, std::uint32_t stream_id) {
  VideoTagPart p = video_part(md.codec, true, md.track_id, md.multitrack);
  p.frame_type = md.frame_type;
  p.packet_type = VideoPacketType::metadata;
  p.body = md.amf;
  return video_message(p, md.timestamp, stream_id);
}

Message Muxer::mux(const VideoCommand& cmd, std::uint32_t stream_id) {
  VideoTagPart p;
  p.is_command = true;
  p.enhanced = cmd.enhanced;
  p.codec = cmd.codec;
  p.legacy_codec_id = cmd.legacy_codec_id ? cmd.legacy_codec_id : flv::legacy_video_id(cmd.codec);
  p.packet_type = static_cast<VideoPacketType>(cmd.packet_type);
  p.command = cmd.command;
  p.body = cmd.body;
  return video_message(p, cmd.timestamp, stream_id);
}

Message Muxer::mux(const AudioChannelConfig& c, std::uint32_t stream_id) {
  AudioTagPart p = audio_part(c.codec, true, c.track_id, c.multitrack, 0);
  p.packet_type = AudioPacketType::multichannel_config;
  Bytes body;
  ByteWriter w(body);
  w.u8(c.channel_order);
  w.u8(c.channel_count);
  if (c.channel_order == 2)
    w.bytes(c.channel_mapping);
  else if (c.channel_order == 1)
    w.u32be(c.channel_flags);
  p.body = body;
  return audio_message(p, c.timestamp, stream_id);
}

Message Muxer::mux(const MediaEvent& event, std::uint32_t stream_id) {
  return std::visit([&](const auto& e) { return mux(e, stream_id); }, event);
}

Message Muxer::sequence_end(TrackType type, CodecId codec, std::uint32_t timestamp,
                            std::uint32_t stream_id) {
  SequenceEnd e;
  e.type = type;
  e.codec = codec;
  e.timestamp = timestamp;
  return mux(e, stream_id);
}

}  // namespace rtmp
