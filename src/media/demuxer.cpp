#include "rtmp/media/demuxer.hpp"

#include "rtmp/media/aac_config.hpp"
#include "rtmp/media/av1_config.hpp"
#include "rtmp/media/avc_config.hpp"
#include "rtmp/media/hevc_config.hpp"
#include "rtmp/media/nalu.hpp"
#include "rtmp/media/opus_head.hpp"
#include "rtmp/media/vp9_config.hpp"

#include <string>

namespace rtmp {
namespace {

using flv::AudioPacketType;
using flv::VideoPacketType;

Error in_track(Error e, const char* kind, std::uint8_t track, std::uint32_t ts) {
  e.detail = std::string(kind) + " track " + std::to_string(track) + " at " + std::to_string(ts) +
             " ms: " + e.detail;
  return e;
}

// Parses the config record into Codec::details; the raw record stays in Codec::config.
Result<void> parse_video_config(Codec& c) {
  switch (c.id) {
    case CodecId::h264: {
      auto r = parse_avc_config(c.config);
      if (!r) return r.error();
      c.details = std::move(*r);
      return {};
    }
    case CodecId::h265: {
      auto r = parse_hevc_config(c.config);
      if (!r) return r.error();
      c.details = std::move(*r);
      return {};
    }
    case CodecId::av1: {
      auto r = parse_av1_config(c.config);
      if (!r) return r.error();
      c.details = *r;
      return {};
    }
    case CodecId::vp9:
    case CodecId::vp8: {
      auto r = parse_vp9_config(c.config);
      if (!r) return r.error();
      c.details = *r;
      return {};
    }
    default:
      return Error(errc::unsupported, std::string("no config parser for ") + codec_name(c.id));
  }
}

Result<void> parse_audio_config(Codec& c) {
  switch (c.id) {
    case CodecId::aac: {
      auto r = parse_aac_config(c.config);
      if (!r) return r.error();
      c.details = *r;
      return {};
    }
    case CodecId::opus: {
      auto r = parse_opus_head(c.config);
      if (!r) return r.error();
      c.details = *r;
      return {};
    }
    default:
      return {};  // FLAC STREAMINFO and others: raw config only
  }
}

std::uint8_t nal_length_size(const Codec& c) {
  if (auto* a = std::get_if<AvcConfig>(&c.details)) return a->nal_length_size;
  if (auto* h = std::get_if<HevcConfig>(&c.details)) return h->nal_length_size;
  return 4;
}

// enhanced-rtmp v2 MultichannelConfig body.
Result<void> parse_channel_config(ByteView body, AudioChannelConfig& c) {
  ByteReader r(body);
  auto order = r.u8();
  auto count = order ? r.u8() : Result<std::uint8_t>(order.error());
  if (!count) return Error(errc::truncated, "MultichannelConfig: " + count.error().detail);
  c.channel_order = *order;
  c.channel_count = *count;
  if (*order == 2) {
    auto map = r.bytes(*count);
    if (!map) return Error(errc::truncated, "MultichannelConfig mapping: " + map.error().detail);
    c.channel_mapping.assign(map->begin(), map->end());
  } else if (*order == 1) {
    auto flags = r.u32be();
    if (!flags) return Error(errc::truncated, "MultichannelConfig flags: " + flags.error().detail);
    c.channel_flags = *flags;
  } else if (*order != 0) {
    return Error(errc::malformed,
                 "MultichannelConfig: reserved AudioChannelOrder " + std::to_string(*order));
  }
  // Trailing bytes could not be re-muxed exactly.
  if (!r.empty())
    return Error(errc::malformed,
                 "MultichannelConfig: " + std::to_string(r.remaining()) + " trailing bytes");
  return {};
}

// A track's end of sequence, video or audio (the video one also keeps frame type and
// composition time).
template <class Part>
SequenceEnd sequence_end(TrackType type, const Part& p, std::int64_t ts, const Message& m) {
  SequenceEnd e;
  e.type = type;
  e.track_id = p.track_id;
  e.codec = p.codec;
  e.timestamp = ts;
  e.enhanced = p.enhanced;
  e.multitrack = p.multitrack;
  if constexpr (requires { p.frame_type; }) {
    e.frame_type = p.frame_type;
    e.composition_time = p.composition_time;
  }
  e.owner = m.payload;
  e.trailing = p.body;
  return e;
}

// Legacy FLV video codecs the demuxer passes through without a config record.
CodecId legacy_pass_through(std::uint8_t codec_id) noexcept {
  switch (codec_id) {
    case 2:
      return CodecId::h263;
    case 3:
      return CodecId::screen;
    case 4:
      return CodecId::vp6;
    case 5:
      return CodecId::vp6a;
    case 6:
      return CodecId::screen2;
    default:
      return CodecId::unknown;
  }
}

}  // namespace

void Demuxer::recycle(std::vector<MediaEvent>& events) {
  // Bounded: a few lists (one message rarely has more samples) of modest capacity.
  constexpr std::size_t kMaxSpare = 8;
  constexpr std::size_t kMaxUnits = 256;
  for (auto& e : events) {
    auto* s = std::get_if<VideoSample>(&e);
    if (!s || s->nalus.capacity() == 0 || s->nalus.capacity() > kMaxUnits) continue;
    if (spare_nalus_.size() >= kMaxSpare) break;
    if (spare_nalus_.capacity() == 0) spare_nalus_.reserve(kMaxSpare);
    s->nalus.clear();
    spare_nalus_.push_back(std::move(s->nalus));
  }
  events.clear();
}

void Demuxer::reset() {
  video_.fill(Track{});
  audio_.fill(Track{});
  have_ts_ = false;
  last_ts_ = 0;
  last_unwrapped_ = 0;
}

std::int64_t Demuxer::unwrap(std::uint32_t ts) noexcept {
  if (!have_ts_) {
    have_ts_ = true;
    last_ts_ = ts;
    last_unwrapped_ = ts;
    return ts;
  }
  // The signed 32-bit distance from the last timestamp: forward across a 2^32 wrap, and a
  // little backwards for interleaved audio/video, both come out right.
  last_unwrapped_ += static_cast<std::int32_t>(ts - last_ts_);
  last_ts_ = ts;
  return last_unwrapped_;
}

Result<void> Demuxer::push(const Message& m, std::vector<MediaEvent>& out) {
  if (m.type != msg::audio && m.type != msg::video) return {};
  if (m.size() == 0) {  // some encoders send empty audio/video messages; nothing to decode
    ++dropped_;
    return {};
  }
  const std::int64_t ts = unwrap(m.timestamp);
  return m.type == msg::video ? push_video(m, ts, out) : push_audio(m, ts, out);
}

Result<void> Demuxer::push_video(const Message& m, std::int64_t ts, std::vector<MediaEvent>& out) {
  if (auto e = flv::parse_video_tag(m.data(), video_parts_); !e)
    return in_track(e.error(), "video", 0, m.timestamp);
  for (const auto& p : video_parts_) {
    if (p.is_command) {
      VideoCommand c;
      c.codec = p.codec;
      c.timestamp = ts;
      c.enhanced = p.enhanced;
      c.legacy_codec_id = p.legacy_codec_id;
      c.packet_type = static_cast<std::uint8_t>(p.packet_type);
      c.command = p.command;
      c.owner = m.payload;
      c.body = p.body;
      out.emplace_back(std::move(c));
      continue;
    }
    if (p.codec == CodecId::unknown) {
      const CodecId legacy = p.enhanced ? CodecId::unknown : legacy_pass_through(p.legacy_codec_id);
      if (legacy == CodecId::unknown)
        return Error(errc::unsupported, "video at " + std::to_string(m.timestamp) +
                                            " ms: legacy codec id " +
                                            std::to_string(p.legacy_codec_id));
      push_legacy_video(m, ts, p, legacy, out);
      continue;
    }
    Track& t = video_[p.track_id];
    switch (p.packet_type) {
      case VideoPacketType::sequence_start:
      case VideoPacketType::mpeg2ts_sequence_start: {
        Codec c;
        c.type = TrackType::video;
        c.id = p.codec;
        c.track_id = p.track_id;
        c.timestamp = ts;
        c.owner = m.payload;
        c.config = p.body;
        c.enhanced = p.enhanced;
        c.multitrack = p.multitrack;
        c.frame_type = p.frame_type;
        c.composition_time = p.composition_time;
        if (p.packet_type == VideoPacketType::mpeg2ts_sequence_start) {
          // Only defined for AV1 (the AV1 video descriptor); kept raw.
          if (p.codec != CodecId::av1)
            return in_track(Error(errc::malformed,
                                  std::string("MPEG2TSSequenceStart for ") + codec_name(p.codec)),
                            "video", p.track_id, m.timestamp);
          c.mpeg2ts = true;
        } else if (auto e = parse_video_config(c); !e) {
          return in_track(e.error(), "video", p.track_id, m.timestamp);
        }
        t.codec = c.id;
        t.configured = true;
        t.enhanced = c.enhanced;
        t.nal_length_size = nal_length_size(c);
        out.emplace_back(std::move(c));
        break;
      }
      case VideoPacketType::coded_frames:
      case VideoPacketType::coded_frames_x: {
        if (!t.configured || t.codec != p.codec) {
          ++dropped_;  // a decoder cannot use a frame before its sequence header
          continue;
        }
        VideoSample s;
        s.track_id = p.track_id;
        s.codec = p.codec;
        s.dts = ts;
        s.pts = ts + p.composition_time;
        s.keyframe = p.frame_type == flv::frame_key || p.frame_type == flv::frame_generated_key;
        s.owner = m.payload;
        s.data = p.body;
        s.enhanced = p.enhanced;
        s.multitrack = p.multitrack;
        s.frame_type = p.frame_type;
        s.coded_frames_x = p.packet_type == VideoPacketType::coded_frames_x;
        s.timestamp_nano_offset = p.timestamp_nano_offset;
        if (p.codec == CodecId::h264 || p.codec == CodecId::h265) {
          // Into a list recycled from earlier samples when there is one (no allocation),
          // else via a reused scratch list into one exact-size allocation.
          const bool spare = !spare_nalus_.empty();
          if (spare) {
            s.nalus = std::move(spare_nalus_.back());
            spare_nalus_.pop_back();
          } else {
            nalus_.clear();
          }
          if (auto e = split_nalus(s.data, t.nal_length_size, spare ? s.nalus : nalus_); !e)
            return in_track(e.error(), "video", p.track_id, m.timestamp);
          if (!spare) s.nalus.assign(nalus_.begin(), nalus_.end());
        }
        out.emplace_back(std::move(s));
        break;
      }
      case VideoPacketType::sequence_end:
        out.emplace_back(sequence_end(TrackType::video, p, ts, m));
        break;
      case VideoPacketType::metadata: {
        VideoMetadata md;
        md.track_id = p.track_id;
        md.codec = p.codec;
        md.timestamp = ts;
        md.multitrack = p.multitrack;
        md.frame_type = p.frame_type;
        md.owner = m.payload;
        md.amf = p.body;
        out.emplace_back(std::move(md));
        break;
      }
      default:  // the parser rejects the rest
        return in_track(Error(errc::malformed, "unexpected packet type"), "video", p.track_id,
                        m.timestamp);
    }
  }
  return {};
}

void Demuxer::push_legacy_video(const Message& m, std::int64_t ts, const flv::VideoTagPart& p,
                                CodecId codec, std::vector<MediaEvent>& out) {
  // No sequence header exists for these codecs: the track is announced by its first frame
  // (and again when the codec changes), as legacy audio is.
  Track& t = video_[0];
  if (!t.configured || t.codec != codec) {
    Codec c;
    c.type = TrackType::video;
    c.id = codec;
    c.timestamp = ts;
    c.owner = m.payload;
    c.frame_type = p.frame_type;
    c.from_frame = true;
    t = Track{};
    t.codec = codec;
    t.configured = true;
    out.emplace_back(std::move(c));
  }
  VideoSample s;
  s.codec = codec;
  s.dts = ts;
  s.pts = ts;  // no composition time in these headers
  s.keyframe = p.frame_type == flv::frame_key || p.frame_type == flv::frame_generated_key;
  s.frame_type = p.frame_type;
  s.owner = m.payload;
  s.data = p.body;  // the tag body after the first byte, codec-specific bytes included
  out.emplace_back(std::move(s));
}

Result<void> Demuxer::push_audio(const Message& m, std::int64_t ts, std::vector<MediaEvent>& out) {
  if (auto e = flv::parse_audio_tag(m.data(), audio_parts_); !e)
    return in_track(e.error(), "audio", 0, m.timestamp);
  for (const auto& p : audio_parts_) {
    if (p.codec == CodecId::unknown)
      return Error(errc::unsupported, "audio at " + std::to_string(m.timestamp) +
                                          " ms: reserved SoundFormat " +
                                          std::to_string(p.sound_flags >> 4));
    Track& t = audio_[p.track_id];
    auto make_codec = [&] {
      Codec c;
      c.type = TrackType::audio;
      c.id = p.codec;
      c.track_id = p.track_id;
      c.timestamp = ts;
      c.owner = m.payload;
      c.enhanced = p.enhanced;
      c.multitrack = p.multitrack;
      c.sound_flags = p.sound_flags;
      return c;
    };
    switch (p.packet_type) {
      case AudioPacketType::sequence_start: {
        Codec c = make_codec();
        c.config = p.body;
        if (auto e = parse_audio_config(c); !e)
          return in_track(e.error(), "audio", p.track_id, m.timestamp);
        t.codec = c.id;
        t.configured = true;
        t.enhanced = c.enhanced;
        t.sound_flags = p.sound_flags;
        out.emplace_back(std::move(c));
        break;
      }
      case AudioPacketType::coded_frames: {
        const bool needs_config =
            p.codec == CodecId::aac || p.codec == CodecId::opus || p.codec == CodecId::flac;
        if (needs_config) {
          if (!t.configured || t.codec != p.codec) {
            ++dropped_;
            continue;
          }
        } else if (!t.configured || t.codec != p.codec || t.enhanced != p.enhanced ||
                   (!p.enhanced && t.sound_flags != p.sound_flags)) {
          // No sequence header exists for these: announce the track from its first frame,
          // and again when the legacy flags (rate, size, channels) change.
          Codec c = make_codec();
          c.from_frame = true;
          if (!p.enhanced) c.details = LegacyAudio::from_byte(p.sound_flags);
          t.codec = c.id;
          t.configured = true;
          t.enhanced = p.enhanced;
          t.sound_flags = p.sound_flags;
          out.emplace_back(std::move(c));
        }
        AudioSample s;
        s.track_id = p.track_id;
        s.codec = p.codec;
        s.timestamp = ts;
        s.owner = m.payload;
        s.data = p.body;
        s.enhanced = p.enhanced;
        s.multitrack = p.multitrack;
        s.sound_flags = p.sound_flags;
        s.timestamp_nano_offset = p.timestamp_nano_offset;
        out.emplace_back(std::move(s));
        break;
      }
      case AudioPacketType::sequence_end:
        out.emplace_back(sequence_end(TrackType::audio, p, ts, m));
        break;
      case AudioPacketType::multichannel_config: {
        AudioChannelConfig c;
        c.track_id = p.track_id;
        c.codec = p.codec;
        c.timestamp = ts;
        c.multitrack = p.multitrack;
        if (auto e = parse_channel_config(p.body, c); !e)
          return in_track(e.error(), "audio", p.track_id, m.timestamp);
        out.emplace_back(std::move(c));
        break;
      }
      default:
        return in_track(Error(errc::malformed, "unexpected packet type"), "audio", p.track_id,
                        m.timestamp);
    }
  }
  return {};
}

}  // namespace rtmp
