#include "rtmp/media/ts_muxer.hpp"

#include "media/adts.hpp"
#include "media/annexb.hpp"
#include "media/ts_packetizer.hpp"
#include "rtmp/media/aac_config.hpp"
#include "rtmp/media/avc_config.hpp"
#include "rtmp/media/hevc_config.hpp"

#include <string>

namespace rtmp::ts {
namespace {

constexpr std::uint8_t video_stream_id = 0xE0, audio_stream_id = 0xC0;

// Table id, section_syntax_indicator 1, '0', reserved '11', then the 12-bit section_length
// (bytes after it, CRC included).
void section_start(Bytes& s, std::uint8_t table_id) {
  s.clear();
  s.push_back(table_id);
  s.push_back(0xB0);
  s.push_back(0x00);
}

// Fills section_length and appends the CRC_32 over the whole section.
void section_finish(Bytes& s) {
  const std::size_t length = s.size() - 3 + 4;
  s[1] = static_cast<std::uint8_t>(0xB0 | (length >> 8 & 0x0F));
  s[2] = static_cast<std::uint8_t>(length);
  const std::uint32_t crc = crc32_mpeg(s);
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<std::uint8_t>(crc >> shift));
}

void push16(Bytes& s, std::uint16_t v) {
  s.push_back(static_cast<std::uint8_t>(v >> 8));
  s.push_back(static_cast<std::uint8_t>(v));
}

// MPEG-1 audio (layer III at 32/44.1/48 kHz) or the MPEG-2 low sampling frequencies.
std::uint8_t mp3_stream_type(const Codec& c) {
  if (c.id == CodecId::mp3_8k) return stream_type_mpeg2_audio;
  if (const auto* l = std::get_if<LegacyAudio>(&c.details); l && l->sound_rate < 3)
    return stream_type_mpeg2_audio;  // FLV 5.5/11/22 kHz
  return stream_type_mpeg1_audio;
}

}  // namespace

std::uint64_t Muxer::to_90khz(std::int64_t ms) noexcept {
  return static_cast<std::uint64_t>(ms) * 90u & pts_mask;
}

void Muxer::set_stream_type(Track& t, CodecId codec, std::uint8_t type) {
  if (t.stream_type != type) pmt_version_ = static_cast<std::uint8_t>((pmt_version_ + 1) & 0x1F);
  t.codec = codec;
  t.stream_type = type;
}

Result<void> Muxer::set_codec(const Codec& c) {
  switch (c.id) {
    case CodecId::h264:
    case CodecId::h265:
      return set_video(c);
    case CodecId::aac:
    case CodecId::mp3:
    case CodecId::mp3_8k:
      return set_audio(c);
    default:
      return Error(errc::unsupported,
                   std::string("MPEG-TS muxer does not carry ") + codec_name(c.id));
  }
}

Result<void> Muxer::set_video(const Codec& c) {
  Bytes sets;
  std::uint8_t nal_length = 4;
  if (c.id == CodecId::h264) {
    const AvcConfig* cfg = std::get_if<AvcConfig>(&c.details);
    Result<AvcConfig> parsed = AvcConfig{};
    if (!cfg) {
      parsed = parse_avc_config(c.config);
      if (!parsed) return parsed.error();
      cfg = &*parsed;
    }
    append_parameter_sets(*cfg, sets);
    nal_length = cfg->nal_length_size;
  } else {
    const HevcConfig* cfg = std::get_if<HevcConfig>(&c.details);
    Result<HevcConfig> parsed = HevcConfig{};
    if (!cfg) {
      parsed = parse_hevc_config(c.config);
      if (!parsed) return parsed.error();
      cfg = &*parsed;
    }
    append_parameter_sets(*cfg, sets);
    nal_length = cfg->nal_length_size;
  }
  if (nal_length < 1 || nal_length > 4)
    return Error(errc::malformed, "NAL length size " + std::to_string(nal_length));
  parameter_sets_ = std::move(sets);
  video_nal_length_ = nal_length;
  set_stream_type(video_, c.id, c.id == CodecId::h264 ? stream_type_h264 : stream_type_hevc);
  return {};
}

Result<void> Muxer::set_audio(const Codec& c) {
  if (c.id != CodecId::aac) {
    set_stream_type(audio_, c.id, mp3_stream_type(c));
    return {};
  }
  const AacConfig* cfg = std::get_if<AacConfig>(&c.details);
  Result<AacConfig> parsed = AacConfig{};
  if (!cfg) {
    parsed = parse_aac_config(c.config);
    if (!parsed) return parsed.error();
    cfg = &*parsed;
  }
  auto p = adts_params(*cfg);
  if (!p) return p.error();
  aac_ = {p->profile, p->sampling_index, p->channel_config};
  set_stream_type(audio_, c.id, stream_type_aac_adts);
  return {};
}

void Muxer::clear_track(TrackType t) {
  Track& track = t == TrackType::video ? video_ : audio_;
  if (track.stream_type != 0) pmt_version_ = static_cast<std::uint8_t>((pmt_version_ + 1) & 0x1F);
  track.codec = CodecId::unknown;
  track.stream_type = 0;
}

void Muxer::write_tables(Bytes& out) {
  if (!has_video() && !has_audio()) return;
  // PAT (13818-1 §2.4.4.3): one program.
  section_start(section_, 0x00);
  push16(section_, 1);       // transport_stream_id
  section_.push_back(0xC1);  // reserved, version_number 0, current_next_indicator 1
  section_.push_back(0x00);  // section_number
  section_.push_back(0x00);  // last_section_number
  push16(section_, program_number);
  push16(section_, 0xE000 | pmt_pid);
  section_finish(section_);
  write_section(pat_pid, pat_cc_, section_, out);

  // PMT (§2.4.4.8): PCR_PID, no program descriptors, one entry per track.
  section_start(section_, 0x02);
  push16(section_, program_number);
  section_.push_back(static_cast<std::uint8_t>(0xC1 | pmt_version_ << 1));
  section_.push_back(0x00);
  section_.push_back(0x00);
  push16(section_, static_cast<std::uint16_t>(0xE000 | pcr_pid()));
  push16(section_, 0xF000);  // program_info_length 0
  for (const auto& [track, pid] : {std::pair{&video_, video_pid}, std::pair{&audio_, audio_pid}}) {
    if (track->stream_type == 0) continue;
    section_.push_back(track->stream_type);
    push16(section_, static_cast<std::uint16_t>(0xE000 | pid));
    push16(section_, 0xF000);  // ES_info_length 0
  }
  section_finish(section_);
  write_section(pmt_pid, pmt_cc_, section_, out);
}

void Muxer::write_video(const VideoSample& s, Bytes& out) {
  if (!has_video() || s.codec != video_.codec) return;
  es_.clear();
  (void)append_aud(video_.codec, es_);  // cannot fail: the codec is h264/h265
  if (s.keyframe) es_.insert(es_.end(), parameter_sets_.begin(), parameter_sets_.end());
  if (!append_annexb(video_.codec, s.data, video_nal_length_, es_)) ++malformed_;
  write_pes(video_, video_pid, true, s.pts, s.dts, s.keyframe, out);
}

void Muxer::write_audio(const AudioSample& s, Bytes& out) {
  if (!has_audio() || s.codec != audio_.codec) return;
  es_.clear();
  if (audio_.codec == CodecId::aac) {
    auto h = adts_header({aac_.profile, aac_.sampling_index, aac_.channel_config}, s.data.size());
    if (!h) {
      ++malformed_;
      return;
    }
    es_.insert(es_.end(), h->begin(), h->end());
  }
  es_.insert(es_.end(), s.data.begin(), s.data.end());
  // A gap in the video (or none yet) must not stop the clock: 13818-1 §2.7.2 wants a PCR at
  // least every 100 ms. The audio frame's time is the best clock value at hand.
  // Unsigned difference: any input times are allowed, and a step back also sends a PCR.
  const auto since_pcr =
      static_cast<std::uint64_t>(s.timestamp) - static_cast<std::uint64_t>(last_pcr_ms_);
  if (has_video() && (!pcr_sent_ || since_pcr >= std::uint64_t{pcr_gap_ms})) {
    write_pcr_packet(video_pid, video_.cc, to_90khz(s.timestamp), out);
    pcr_sent_ = true;
    last_pcr_ms_ = s.timestamp;
  }
  // Every audio frame is a random access point; it matters when audio carries the PCR.
  write_pes(audio_, audio_pid, false, s.timestamp, s.timestamp, !has_video(), out);
}

void Muxer::write_pes(Track& t, std::uint16_t pid, bool video, std::int64_t pts_ms,
                      std::int64_t dts_ms, bool keyframe, Bytes& out) {
  PesFields f;
  f.stream_id = video ? video_stream_id : audio_stream_id;
  f.pts = to_90khz(pts_ms);
  f.dts = to_90khz(dts_ms);
  f.bounded = !video;  // video PES may exceed 65535 bytes: length 0 (§2.4.3.7)
  pes_.clear();
  append_pes_header(f, es_.size(), pes_);
  pes_.insert(pes_.end(), es_.begin(), es_.end());
  FirstPacket first;
  first.random_access = keyframe;
  if (pid == pcr_pid()) {
    first.pcr = *f.dts;  // the T-STD clock reaches this DTS as the frame arrives
    pcr_sent_ = true;
    last_pcr_ms_ = dts_ms;
  }
  write_pes_packets(pid, t.cc, first, pes_, out);
}

}  // namespace rtmp::ts
