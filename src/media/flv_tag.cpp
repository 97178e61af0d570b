#include "rtmp/media/flv_tag.hpp"

#include "rtmp/media/mod_ex.hpp"

#include <string>

namespace rtmp::flv {

CodecId codec_from_fourcc(std::uint32_t f) noexcept {
  switch (f) {
    case fourcc::avc1:
      return CodecId::h264;
    case fourcc::hvc1:
      return CodecId::h265;
    case fourcc::av01:
      return CodecId::av1;
    case fourcc::vp09:
      return CodecId::vp9;
    case fourcc::vp08:
      return CodecId::vp8;
    case fourcc::mp4a:
      return CodecId::aac;
    case fourcc::opus:
      return CodecId::opus;
    case fourcc::flac:
      return CodecId::flac;
    case fourcc::ac3:
      return CodecId::ac3;
    case fourcc::eac3:
      return CodecId::eac3;
    case fourcc::mp3:
      return CodecId::mp3;
    default:
      return CodecId::unknown;
  }
}

std::uint32_t fourcc_of(CodecId id) noexcept {
  switch (id) {
    case CodecId::h264:
      return fourcc::avc1;
    case CodecId::h265:
      return fourcc::hvc1;
    case CodecId::av1:
      return fourcc::av01;
    case CodecId::vp9:
      return fourcc::vp09;
    case CodecId::vp8:
      return fourcc::vp08;
    case CodecId::aac:
      return fourcc::mp4a;
    case CodecId::opus:
      return fourcc::opus;
    case CodecId::flac:
      return fourcc::flac;
    case CodecId::ac3:
      return fourcc::ac3;
    case CodecId::eac3:
      return fourcc::eac3;
    case CodecId::mp3:
      return fourcc::mp3;
    default:
      return 0;
  }
}

CodecId codec_from_legacy_video(std::uint8_t id) noexcept {
  return id == legacy_avc ? CodecId::h264 : id == legacy_hevc ? CodecId::h265 : CodecId::unknown;
}

std::uint8_t legacy_video_id(CodecId id) noexcept {
  switch (id) {
    case CodecId::h264:
      return legacy_avc;
    case CodecId::h265:
      return legacy_hevc;
    case CodecId::h263:
      return 2;
    case CodecId::screen:
      return 3;
    case CodecId::vp6:
      return 4;
    case CodecId::vp6a:
      return 5;
    case CodecId::screen2:
      return 6;
    default:
      return 0;
  }
}

CodecId codec_from_sound_format(std::uint8_t f) noexcept {
  switch (f) {
    case 0:
      return CodecId::pcm;
    case 1:
      return CodecId::adpcm;
    case 2:
      return CodecId::mp3;
    case 3:
      return CodecId::pcm_le;
    case 4:
    case 5:
    case 6:
      return CodecId::nellymoser;
    case 7:
      return CodecId::pcma;
    case 8:
      return CodecId::pcmu;
    case 10:
      return CodecId::aac;
    case 11:
      return CodecId::speex;
    case 14:
      return CodecId::mp3_8k;
    case 15:
      return CodecId::device_specific;
    default:
      return CodecId::unknown;  // 9 = ExHeader, 12/13 reserved
  }
}

std::uint8_t sound_format_of(CodecId id) noexcept {
  switch (id) {
    case CodecId::pcm:
      return 0;
    case CodecId::adpcm:
      return 1;
    case CodecId::mp3:
      return 2;
    case CodecId::pcm_le:
      return 3;
    case CodecId::nellymoser:
      return 6;
    case CodecId::pcma:
      return 7;
    case CodecId::pcmu:
      return 8;
    case CodecId::aac:
      return 10;
    case CodecId::speex:
      return 11;
    case CodecId::mp3_8k:
      return 14;
    case CodecId::device_specific:
      return 15;
    default:
      return 0xFF;
  }
}

namespace {

std::string fourcc_string(std::uint32_t f) {
  std::string s;
  for (int i = 3; i >= 0; --i) {
    const char c = static_cast<char>(f >> (8 * i));
    s += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  return s;
}

Error at(Error e, const char* what) {
  e.detail = std::string(what) + ": " + e.detail;
  return e;
}

bool has_cts(CodecId c) {
  return c == CodecId::h264 || c == CodecId::h265;
}

// Reads AvMultitrackType + inner packet type (the byte after a Multitrack packet type).
Result<void> read_multitrack(ByteReader& r, const char* what, MultitrackMode& mode,
                             std::uint8_t& inner, std::uint8_t multitrack_value) {
  auto b = r.u8();
  if (!b) return at(b.error(), what);
  const std::uint8_t type = *b >> 4;
  inner = *b & 0x0F;
  if (type > 2)
    return Error(errc::malformed,
                 std::string(what) + ": reserved AvMultitrackType " + std::to_string(type));
  if (inner == multitrack_value)
    return Error(errc::malformed, std::string(what) + ": multitrack packet inside multitrack");
  mode = static_cast<MultitrackMode>(type + 1);
  return {};
}

Result<std::uint32_t> read_fourcc(ByteReader& r, const char* what, CodecId& codec) {
  auto f = r.u32be();
  if (!f) return at(f.error(), what);
  codec = codec_from_fourcc(*f);
  if (codec == CodecId::unknown)
    return Error(errc::unsupported,
                 std::string(what) + ": unknown FourCC '" + fourcc_string(*f) + "'");
  return *f;
}

// The per-track loop shared by audio and video (enhanced-rtmp v2, ExVideoTagBody /
// ExAudioTagBody): [FourCC if ManyTracksManyCodecs] trackId [UI24 size unless OneTrack] body.
template <class Part, class BodyFn>
Result<void> read_tracks(ByteReader& r, Part proto, const char* what, std::vector<Part>& out,
                         BodyFn&& body) {
  do {
    Part p = proto;
    if (p.multitrack == MultitrackMode::many_tracks_many_codecs) {
      auto f = read_fourcc(r, what, p.codec);
      if (!f) return f.error();
      p.fourcc = *f;
    }
    auto id = r.u8();
    if (!id) return at(id.error(), what);
    p.track_id = *id;
    ByteView track = r.rest();
    if (p.multitrack != MultitrackMode::one_track) {
      auto size = r.u24be();
      if (!size) return at(size.error(), what);
      auto b = r.bytes(*size);
      if (!b)
        return Error(errc::malformed, std::string(what) + ": track " + std::to_string(p.track_id) +
                                          " size " + std::to_string(*size) + " overruns the " +
                                          "message (" + b.error().detail + ")");
      track = *b;
    } else {
      (void)r.skip(r.remaining());
    }
    if (auto e = body(p, track); !e) return e.error();
    out.push_back(p);
  } while (!r.empty() && proto.multitrack != MultitrackMode::one_track);
  return {};
}

Result<void> video_body(VideoTagPart& p, ByteView track) {
  if (p.packet_type == VideoPacketType::coded_frames && has_cts(p.codec)) {
    ByteReader r(track);
    auto cts = r.s24be();
    if (!cts) return at(cts.error(), "video CodedFrames composition time");
    p.composition_time = *cts;
    p.body = r.rest();
  } else {
    p.body = track;
  }
  return {};
}

bool valid_video_packet(std::uint8_t t) {
  return t <= 5;
}
bool valid_audio_packet(std::uint8_t t) {
  return t <= 2 || t == 4;
}

}  // namespace

Result<void> parse_video_tag(ByteView payload, std::vector<VideoTagPart>& out) {
  out.clear();
  ByteReader r(payload);
  auto b0 = r.u8();
  if (!b0) return at(b0.error(), "video tag header");
  VideoTagPart p;
  p.enhanced = (*b0 & 0x80) != 0;
  p.frame_type = *b0 >> 4 & 7;
  if (!p.enhanced) {
    p.legacy_codec_id = *b0 & 0x0F;
    p.codec = codec_from_legacy_video(p.legacy_codec_id);
    if (p.frame_type == frame_command) {
      // FLV §E.4.3.1: the body is a UI8 command. Kept whole for an exact re-mux.
      if (r.empty()) return Error(errc::truncated, "legacy video command frame: no command byte");
      p.is_command = true;
      p.command = payload[1];
      p.body = r.rest();
    } else if (p.codec != CodecId::unknown) {
      auto type = r.u8();
      auto cts = type ? r.s24be() : Result<std::int32_t>(type.error());
      if (!cts) return at(cts.error(), "legacy AVC/HEVC video header");
      if (*type > 2)
        return Error(errc::malformed,
                     "legacy AVC/HEVC video header: AVCPacketType " + std::to_string(*type));
      p.packet_type = static_cast<VideoPacketType>(*type);
      p.composition_time = *cts;
      p.body = r.rest();
    } else {
      p.body = r.rest();  // codec the demuxer does not handle; let it decide
    }
    out.push_back(p);
    return {};
  }

  std::uint8_t type = *b0 & 0x0F;
  if (type == packet_type_mod_ex) {
    auto nano = read_mod_ex(r, type, "enhanced video header");
    if (!nano) return nano.error();
    if (p.frame_type == frame_command)
      return Error(errc::unsupported, "enhanced video: ModEx on a command frame");
    p.timestamp_nano_offset = *nano;
  }
  if (type != static_cast<std::uint8_t>(VideoPacketType::metadata) &&
      p.frame_type == frame_command) {
    // enhanced-rtmp v2: a command frame has no FourCC, only the UI8 command.
    if (r.empty()) return Error(errc::truncated, "enhanced video command frame: no command byte");
    p.is_command = true;
    p.packet_type = static_cast<VideoPacketType>(type);
    p.command = payload[1];
    p.body = r.rest();
    out.push_back(p);
    return {};
  }
  if (type == static_cast<std::uint8_t>(VideoPacketType::multitrack)) {
    if (auto e = read_multitrack(r, "enhanced video multitrack", p.multitrack, type, 6); !e)
      return e.error();
    if (type == static_cast<std::uint8_t>(VideoPacketType::mod_ex))
      return Error(errc::unsupported, "enhanced video: ModEx packets are not supported");
  }
  if (!valid_video_packet(type))
    return Error(errc::malformed,
                 "enhanced video: reserved VideoPacketType " + std::to_string(type));
  if (p.timestamp_nano_offset && type != static_cast<std::uint8_t>(VideoPacketType::coded_frames) &&
      type != static_cast<std::uint8_t>(VideoPacketType::coded_frames_x))
    return Error(errc::unsupported, "enhanced video: ModEx TimestampOffsetNano on packet type " +
                                        std::to_string(type) + ", not coded frames");
  p.packet_type = static_cast<VideoPacketType>(type);
  if (p.multitrack != MultitrackMode::many_tracks_many_codecs) {
    auto f = read_fourcc(r, "enhanced video header", p.codec);
    if (!f) return f.error();
    p.fourcc = *f;
  }
  if (p.multitrack == MultitrackMode::none) {
    if (auto e = video_body(p, r.rest()); !e) return e.error();
    out.push_back(p);
    return {};
  }
  return read_tracks(r, p, "enhanced video multitrack", out, video_body);
}

Result<void> parse_audio_tag(ByteView payload, std::vector<AudioTagPart>& out) {
  out.clear();
  ByteReader r(payload);
  auto b0 = r.u8();
  if (!b0) return at(b0.error(), "audio tag header");
  AudioTagPart p;
  const std::uint8_t format = *b0 >> 4;
  if (format != sound_format_ex_header) {
    p.sound_flags = *b0;
    p.codec = codec_from_sound_format(format);
    if (format == sound_format_aac) {
      auto type = r.u8();
      if (!type) return at(type.error(), "legacy AAC audio header");
      if (*type > 1)
        return Error(errc::malformed,
                     "legacy AAC audio header: AACPacketType " + std::to_string(*type));
      p.packet_type = static_cast<AudioPacketType>(*type);
    }
    p.body = r.rest();
    out.push_back(p);
    return {};
  }
  p.enhanced = true;
  std::uint8_t type = *b0 & 0x0F;
  if (type == packet_type_mod_ex) {
    auto nano = read_mod_ex(r, type, "enhanced audio header");
    if (!nano) return nano.error();
    p.timestamp_nano_offset = *nano;
  }
  if (type == static_cast<std::uint8_t>(AudioPacketType::multitrack)) {
    if (auto e = read_multitrack(r, "enhanced audio multitrack", p.multitrack, type, 5); !e)
      return e.error();
    if (type == static_cast<std::uint8_t>(AudioPacketType::mod_ex))
      return Error(errc::unsupported, "enhanced audio: ModEx packets are not supported");
  }
  if (!valid_audio_packet(type))
    return Error(errc::malformed,
                 "enhanced audio: reserved AudioPacketType " + std::to_string(type));
  if (p.timestamp_nano_offset && type != static_cast<std::uint8_t>(AudioPacketType::coded_frames))
    return Error(errc::unsupported, "enhanced audio: ModEx TimestampOffsetNano on packet type " +
                                        std::to_string(type) + ", not coded frames");
  p.packet_type = static_cast<AudioPacketType>(type);
  if (p.multitrack != MultitrackMode::many_tracks_many_codecs) {
    auto f = read_fourcc(r, "enhanced audio header", p.codec);
    if (!f) return f.error();
    p.fourcc = *f;
  }
  if (p.multitrack == MultitrackMode::none) {
    p.body = r.rest();
    out.push_back(p);
    return {};
  }
  return read_tracks(r, p, "enhanced audio multitrack", out,
                     [](AudioTagPart& part, ByteView track) -> Result<void> {
                       part.body = track;
                       return {};
                     });
}

namespace {

std::uint32_t part_fourcc(std::uint32_t f, CodecId c) {
  return f ? f : fourcc_of(c);
}

bool writes_cts(const VideoTagPart& p) {
  if (!p.enhanced) return p.codec == CodecId::h264 || p.codec == CodecId::h265;
  return p.packet_type == VideoPacketType::coded_frames && has_cts(p.codec);
}

// Bytes of the per-track section after the multitrack fields.
std::size_t video_track_size(const VideoTagPart& p) {
  return (writes_cts(p) ? 3 : 0) + p.body.size();
}

std::size_t multitrack_overhead(MultitrackMode m) {
  switch (m) {
    case MultitrackMode::none:
      return 0;
    case MultitrackMode::one_track:
      return 1 + 4 + 1;  // type byte, FourCC, track id
    case MultitrackMode::many_tracks:
      return 1 + 4 + 1 + 3;
    case MultitrackMode::many_tracks_many_codecs:
      return 1 + 4 + 1 + 3;
  }
  return 0;
}

void write_multitrack(ByteWriter& w, MultitrackMode m, std::uint8_t inner, std::uint32_t fourcc,
                      std::uint8_t track_id, std::size_t track_size) {
  w.u8(static_cast<std::uint8_t>((static_cast<std::uint8_t>(m) - 1) << 4 | (inner & 0x0F)));
  w.u32be(fourcc);  // before the loop, or per track for ManyTracksManyCodecs: same place here
  w.u8(track_id);
  if (m != MultitrackMode::one_track) w.u24be(static_cast<std::uint32_t>(track_size));
}

}  // namespace

std::size_t video_tag_size(const VideoTagPart& p) noexcept {
  if (p.is_command) return 1 + (p.body.empty() ? 1 : p.body.size());
  if (!p.enhanced) return 1 + (writes_cts(p) ? 4 : 0) + p.body.size();
  const std::size_t mod_ex = p.timestamp_nano_offset ? mod_ex_nano_size : 0;
  if (p.multitrack == MultitrackMode::none) return 1 + mod_ex + 4 + video_track_size(p);
  return 1 + mod_ex + multitrack_overhead(p.multitrack) + video_track_size(p);
}

std::size_t audio_tag_size(const AudioTagPart& p) noexcept {
  if (!p.enhanced) return 1 + (p.codec == CodecId::aac ? 1 : 0) + p.body.size();
  const std::size_t mod_ex = p.timestamp_nano_offset ? mod_ex_nano_size : 0;
  if (p.multitrack == MultitrackMode::none) return 1 + mod_ex + 4 + p.body.size();
  return 1 + mod_ex + multitrack_overhead(p.multitrack) + p.body.size();
}

void write_video_tag(Bytes& out, const VideoTagPart& p) {
  ByteWriter w(out);
  const std::uint8_t ft = static_cast<std::uint8_t>((p.frame_type & 7) << 4);
  const std::uint8_t type = static_cast<std::uint8_t>(p.packet_type) & 0x0F;
  if (p.is_command) {
    w.u8(static_cast<std::uint8_t>((p.enhanced ? 0x80 | type : p.legacy_codec_id & 0x0F) |
                                   frame_command << 4));
    if (p.body.empty())
      w.u8(p.command);
    else
      w.bytes(p.body);
    return;
  }
  if (!p.enhanced) {
    const std::uint8_t id = p.legacy_codec_id ? p.legacy_codec_id : legacy_video_id(p.codec);
    w.u8(static_cast<std::uint8_t>(ft | (id & 0x0F)));
    if (writes_cts(p)) {
      w.u8(type);
      w.s24be(p.composition_time);
    }
    w.bytes(p.body);
    return;
  }
  const std::uint32_t fourcc = part_fourcc(p.fourcc, p.codec);
  const std::uint8_t outer = p.multitrack == MultitrackMode::none
                                 ? type
                                 : static_cast<std::uint8_t>(VideoPacketType::multitrack);
  if (p.timestamp_nano_offset) {
    w.u8(static_cast<std::uint8_t>(0x80 | ft | packet_type_mod_ex));
    write_mod_ex(w, *p.timestamp_nano_offset, outer);
  } else {
    w.u8(static_cast<std::uint8_t>(0x80 | ft | outer));
  }
  if (p.multitrack == MultitrackMode::none)
    w.u32be(fourcc);
  else
    write_multitrack(w, p.multitrack, type, fourcc, p.track_id, video_track_size(p));
  if (writes_cts(p)) w.s24be(p.composition_time);
  w.bytes(p.body);
}

void write_audio_tag(Bytes& out, const AudioTagPart& p) {
  ByteWriter w(out);
  const std::uint8_t type = static_cast<std::uint8_t>(p.packet_type) & 0x0F;
  if (!p.enhanced) {
    w.u8(p.sound_flags);
    if (p.codec == CodecId::aac) w.u8(type);
    w.bytes(p.body);
    return;
  }
  const std::uint32_t fourcc = part_fourcc(p.fourcc, p.codec);
  const std::uint8_t outer = p.multitrack == MultitrackMode::none
                                 ? type
                                 : static_cast<std::uint8_t>(AudioPacketType::multitrack);
  if (p.timestamp_nano_offset) {
    w.u8(static_cast<std::uint8_t>(sound_format_ex_header << 4 | packet_type_mod_ex));
    write_mod_ex(w, *p.timestamp_nano_offset, outer);
  } else {
    w.u8(static_cast<std::uint8_t>(sound_format_ex_header << 4 | outer));
  }
  if (p.multitrack == MultitrackMode::none)
    w.u32be(fourcc);
  else
    write_multitrack(w, p.multitrack, type, fourcc, p.track_id, p.body.size());
  w.bytes(p.body);
}

}  // namespace rtmp::flv
