// Init segment: ftyp + moov (ISO/IEC 14496-12 §8.2-8.7, §8.8.1 mvex) with one sample entry
// per track.
#include "box_writer.hpp"
#include "rtmp/media/fmp4.hpp"
#include "rtmp/media/video_size.hpp"

#include <set>
#include <string>

namespace rtmp::fmp4 {
namespace {

using detail::BoxWriter;

// What one trak needs, checked before anything is written.
struct TrackPlan {
  const Track* track = nullptr;
  bool video = false;
  std::uint32_t timescale = 0;
  std::uint32_t width = 0, height = 0;  // video
  std::uint16_t channels = 0;           // audio
  std::uint32_t sample_rate = 0;        // audio
};

std::uint32_t legacy_rate(const Codec& c) {
  if (c.id == CodecId::mp3_8k) return 8000;
  const auto* flags = std::get_if<LegacyAudio>(&c.details);
  static constexpr std::uint32_t rates[] = {5512, 11025, 22050, 44100};
  return flags ? rates[flags->sound_rate & 3] : 44100;
}

Result<TrackPlan> plan(const Track& t) {
  TrackPlan p;
  p.track = &t;
  const Codec& c = t.codec;
  p.timescale = t.timescale ? t.timescale : default_timescale(c);
  if (p.timescale == 0)
    return Error(errc::unsupported, std::string("fmp4: no sample entry for ") + codec_name(c.id));
  const bool parsed = std::visit(
      [&](const auto& d) {
        using D = std::decay_t<decltype(d)>;
        switch (c.id) {
          case CodecId::h264:
            return std::is_same_v<D, AvcConfig>;
          case CodecId::h265:
            return std::is_same_v<D, HevcConfig>;
          case CodecId::av1:
            return std::is_same_v<D, Av1Config>;
          case CodecId::vp9:
            return std::is_same_v<D, Vp9Config>;
          case CodecId::aac:
            return std::is_same_v<D, AacConfig>;
          case CodecId::opus:
            return std::is_same_v<D, OpusHead>;
          default:
            return true;
        }
      },
      c.details);
  if (!parsed)
    return Error(errc::malformed, std::string("fmp4: ") + codec_name(c.id) + " config not parsed");
  p.video = codec_track_type(c.id) == TrackType::video;
  if (p.video) {
    p.width = t.width, p.height = t.height;
    if (p.width == 0 || p.height == 0) {
      auto size = video_size(c);
      if (!size)
        return Error(size.error().code == errc::unsupported ? errc::malformed : size.error().code,
                     "fmp4: track " + std::to_string(t.id) + ": " + size.error().detail);
      p.width = size->width, p.height = size->height;
    }
    if (c.id == CodecId::vp9 && std::get<Vp9Config>(c.details).version != 1)
      return Error(errc::unsupported, "fmp4: vpcC version 0");
  } else if (const auto* aac = std::get_if<AacConfig>(&c.details)) {
    p.channels = aac->channels ? aac->channels : 2;
    p.sample_rate = aac->sample_rate;
  } else if (const auto* opus = std::get_if<OpusHead>(&c.details)) {
    if (c.config.size() < 19u + (opus->mapping_family ? 2u + opus->channels : 0u))
      return Error(errc::malformed, "fmp4: OpusHead channel mapping table cut short");
    p.channels = opus->channels;
    p.sample_rate = 48000;
  } else {
    const auto* flags = std::get_if<LegacyAudio>(&c.details);
    p.channels = flags && flags->sound_type == 0 ? 1 : 2;
    p.sample_rate = legacy_rate(c);
  }
  return p;
}

void ftyp(BoxWriter& w) {
  w.box("ftyp", [&] {
    w.string("iso6");  // major brand
    w.u32be(0);        // minor version
    w.string("iso6");
    w.string("cmfc");
  });
}

void mvhd(BoxWriter& w, std::uint32_t next_track_id) {
  w.full_box("mvhd", 0, 0, [&] {
    w.u32be(0);           // creation_time
    w.u32be(0);           // modification_time
    w.u32be(1000);        // timescale
    w.u32be(0);           // duration: unknown (fragmented)
    w.u32be(0x00010000);  // rate 1.0
    w.u16be(0x0100);      // volume 1.0
    w.zeros(10);          // reserved
    w.unity_matrix();
    w.zeros(24);  // pre_defined
    w.u32be(next_track_id);
  });
}

void tkhd(BoxWriter& w, const TrackPlan& p) {
  w.full_box("tkhd", 0, 3, [&] {  // flags: track_enabled | track_in_movie
    w.u32be(0);                   // creation_time
    w.u32be(0);                   // modification_time
    w.u32be(p.track->id);
    w.u32be(0);                     // reserved
    w.u32be(0);                     // duration
    w.zeros(8);                     // reserved
    w.u16be(0);                     // layer
    w.u16be(0);                     // alternate_group
    w.u16be(p.video ? 0 : 0x0100);  // volume
    w.u16be(0);                     // reserved
    w.unity_matrix();
    w.u32be(p.width << 16);  // 16.16 fixed point
    w.u32be(p.height << 16);
  });
}

void mdhd(BoxWriter& w, const TrackPlan& p) {
  w.full_box("mdhd", 0, 0, [&] {
    w.u32be(0);
    w.u32be(0);
    w.u32be(p.timescale);
    w.u32be(0);
    w.u16be(0x55C4);  // language "und" (ISO 639-2/T, 5 bits per letter)
    w.u16be(0);
  });
}

void hdlr(BoxWriter& w, bool video) {
  w.full_box("hdlr", 0, 0, [&] {
    w.u32be(0);  // pre_defined
    w.string(video ? "vide" : "soun");
    w.zeros(12);
    w.string(video ? "VideoHandler" : "SoundHandler");
    w.u8(0);
  });
}

void visual_entry(BoxWriter& w, const TrackPlan& p) {
  const Codec& c = p.track->codec;
  const char* type = c.id == CodecId::h264   ? "avc1"
                     : c.id == CodecId::h265 ? "hvc1"
                     : c.id == CodecId::av1  ? "av01"
                                             : "vp09";
  const char* config = c.id == CodecId::h264   ? "avcC"
                       : c.id == CodecId::h265 ? "hvcC"
                       : c.id == CodecId::av1  ? "av1C"
                                               : "vpcC";
  w.box(type, [&] {
    w.zeros(6);   // reserved
    w.u16be(1);   // data_reference_index
    w.zeros(16);  // pre_defined, reserved
    w.u16be(static_cast<std::uint16_t>(p.width));
    w.u16be(static_cast<std::uint16_t>(p.height));
    w.u32be(0x00480000);  // 72 dpi
    w.u32be(0x00480000);
    w.u32be(0);       // reserved
    w.u16be(1);       // frame_count
    w.zeros(32);      // compressorname
    w.u16be(0x0018);  // depth
    w.u16be(0xFFFF);  // pre_defined = -1
    // The config record as received; vpcC's body already starts with version + flags.
    w.box(config, [&] { w.bytes(c.config); });
  });
}

// ISO/IEC 14496-1 §8.3.3 expandable size, always 4 bytes (as most muxers write it).
void descriptor(BoxWriter& w, std::uint8_t tag, std::uint32_t size) {
  w.u8(tag);
  w.u8(static_cast<std::uint8_t>(0x80 | (size >> 21 & 0x7F)));
  w.u8(static_cast<std::uint8_t>(0x80 | (size >> 14 & 0x7F)));
  w.u8(static_cast<std::uint8_t>(0x80 | (size >> 7 & 0x7F)));
  w.u8(static_cast<std::uint8_t>(size & 0x7F));
}

// ISO/IEC 14496-14 §3.1.2 esds: ES_Descriptor > DecoderConfigDescriptor (+ the
// AudioSpecificConfig as DecoderSpecificInfo for AAC) + SLConfigDescriptor.
void esds(BoxWriter& w, const TrackPlan& p) {
  const Codec& c = p.track->codec;
  const bool aac = c.id == CodecId::aac;
  const auto dsi = static_cast<std::uint32_t>(aac ? 5 + c.config.size() : 0);
  const std::uint32_t dcd = 13 + dsi;
  w.full_box("esds", 0, 0, [&] {
    descriptor(w, 0x03, 3 + 5 + dcd + 5 + 1);
    w.u16be(static_cast<std::uint16_t>(p.track->id));  // ES_ID
    w.u8(0);                                           // no dependency, URL, OCR
    descriptor(w, 0x04, dcd);
    w.u8(aac ? 0x40 : 0x6B);  // objectTypeIndication: MPEG-4 Audio / MPEG-1 Audio
    w.u8(0x15);               // streamType 5 (audio) << 2 | reserved 1
    w.u24be(0);               // bufferSizeDB
    w.u32be(0);               // maxBitrate
    w.u32be(0);               // avgBitrate
    if (aac) {
      descriptor(w, 0x05, static_cast<std::uint32_t>(c.config.size()));
      w.bytes(c.config);
    }
    descriptor(w, 0x06, 1);
    w.u8(2);  // predefined: MP4 file
  });
}

// Opus in ISOBMFF §4.3.2 dOps: OpusHead's fields after the magic, big-endian, version 0.
void dops(BoxWriter& w, const Codec& c) {
  const auto& head = std::get<OpusHead>(c.details);
  w.box("dOps", [&] {
    w.u8(0);
    w.u8(head.channels);
    w.u16be(head.pre_skip);
    w.u32be(head.input_sample_rate);
    w.u16be(static_cast<std::uint16_t>(head.output_gain));
    w.u8(head.mapping_family);
    // StreamCount, CoupledCount, ChannelMapping: bytes, same order as in OpusHead.
    if (head.mapping_family != 0) w.bytes(c.config.subspan(19, 2u + head.channels));
  });
}

void audio_entry(BoxWriter& w, const TrackPlan& p) {
  const Codec& c = p.track->codec;
  w.box(c.id == CodecId::opus ? "Opus" : "mp4a", [&] {
    w.zeros(6);  // reserved
    w.u16be(1);  // data_reference_index
    w.zeros(8);  // reserved
    w.u16be(p.channels);
    w.u16be(16);                                                 // samplesize
    w.u32be(0);                                                  // pre_defined, reserved
    w.u32be(p.sample_rate <= 0xFFFF ? p.sample_rate << 16 : 0);  // 16.16
    if (c.id == CodecId::opus)
      dops(w, c);
    else
      esds(w, p);
  });
}

void stbl(BoxWriter& w, const TrackPlan& p) {
  w.box("stbl", [&] {
    w.full_box("stsd", 0, 0, [&] {
      w.u32be(1);
      if (p.video)
        visual_entry(w, p);
      else
        audio_entry(w, p);
    });
    w.full_box("stts", 0, 0, [&] { w.u32be(0); });
    w.full_box("stsc", 0, 0, [&] { w.u32be(0); });
    w.full_box("stsz", 0, 0, [&] {
      w.u32be(0);
      w.u32be(0);
    });
    w.full_box("stco", 0, 0, [&] { w.u32be(0); });
  });
}

void trak(BoxWriter& w, const TrackPlan& p) {
  w.box("trak", [&] {
    tkhd(w, p);
    w.box("mdia", [&] {
      mdhd(w, p);
      hdlr(w, p.video);
      w.box("minf", [&] {
        if (p.video)
          w.full_box("vmhd", 0, 1, [&] { w.zeros(8); });  // graphicsmode, opcolor
        else
          w.full_box("smhd", 0, 0, [&] { w.u32be(0); });  // balance, reserved
        w.box("dinf", [&] {
          w.full_box("dref", 0, 0, [&] {
            w.u32be(1);
            w.full_box("url ", 0, 1, [] {});  // media in the same file
          });
        });
        stbl(w, p);
      });
    });
  });
}

void trex(BoxWriter& w, std::uint32_t track_id) {
  w.full_box("trex", 0, 0, [&] {
    w.u32be(track_id);
    w.u32be(1);  // default_sample_description_index
    w.u32be(0);  // default_sample_duration
    w.u32be(0);  // default_sample_size
    w.u32be(0);  // default_sample_flags
  });
}

}  // namespace

std::uint32_t default_timescale(const Codec& codec) noexcept {
  switch (codec.id) {
    case CodecId::h264:
    case CodecId::h265:
    case CodecId::av1:
    case CodecId::vp9:
      return 90000;
    case CodecId::aac:
      if (const auto* aac = std::get_if<AacConfig>(&codec.details)) return aac->sample_rate;
      return 0;
    case CodecId::opus:
      return 48000;
    case CodecId::mp3:
    case CodecId::mp3_8k:
      return legacy_rate(codec);
    default:
      return 0;
  }
}

Result<SharedBytes> init_segment(std::span<const Track> tracks) {
  if (tracks.empty()) return Error(errc::unsupported, "fmp4: no tracks");
  if (tracks.size() > 255) return Error(errc::invalid_argument, "fmp4: more than 255 tracks");
  std::vector<TrackPlan> plans;
  plans.reserve(tracks.size());
  std::set<std::uint32_t> ids;
  std::uint32_t max_id = 0;
  for (const auto& t : tracks) {
    if (t.id == 0 || !ids.insert(t.id).second)
      return Error(errc::malformed, "fmp4: track id " + std::to_string(t.id) + " zero or repeated");
    auto p = plan(t);
    if (!p) return p.error();
    plans.push_back(*p);
    max_id = std::max(max_id, t.id);
  }
  Bytes out;
  BoxWriter w(out);
  ftyp(w);
  w.box("moov", [&] {
    mvhd(w, max_id + 1);
    for (const auto& p : plans) trak(w, p);
    w.box("mvex", [&] {
      for (const auto& p : plans) trex(w, p.track->id);
    });
  });
  return make_shared_bytes(std::move(out));
}

}  // namespace rtmp::fmp4
