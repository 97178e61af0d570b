#include "media/mp4_to_flv.hpp"

#include "rtmp/core/amf.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/media/av1_config.hpp"
#include "rtmp/media/avc_config.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/flv_tag.hpp"
#include "rtmp/media/hevc_config.hpp"
#include "rtmp/media/muxer.hpp"
#include "rtmp/media/vp9_config.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace rtmp {
namespace {

__extension__ using i128 = __int128;  // exact time products (GCC/Clang extension)

// av_rescale_q(t, 1/timescale, 1/1000) with AV_ROUND_NEAR_INF: half away from zero.
std::int64_t to_ms(std::int64_t t, std::uint32_t timescale) {
  const i128 num = static_cast<i128>(t) * 1000;
  const i128 half = timescale / 2;
  return static_cast<std::int64_t>(num >= 0 ? (num + half) / timescale
                                            : -((-num + half) / timescale));
}

// Floor of t / timescale in ns, and floor division, for --nano-offsets.
std::int64_t to_ns(std::int64_t t, std::uint32_t timescale) {
  const i128 num = static_cast<i128>(t) * 1'000'000'000;
  i128 q = num / timescale;
  if (num % timescale != 0 && num < 0) --q;
  return static_cast<std::int64_t>(q);
}
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - (a % b != 0 && a < 0 ? 1 : 0);
}

CodecId codec_of(const Mp4Track& t) {
  const std::string& e = t.entry;
  if (e == "avc1" || e == "avc3") return CodecId::h264;
  if (e == "hvc1" || e == "hev1") return CodecId::h265;
  if (e == "av01") return CodecId::av1;
  if (e == "vp09") return CodecId::vp9;
  if (e == "vp08") return CodecId::vp8;
  if (e == "Opus") return CodecId::opus;
  if (e == "fLaC") return CodecId::flac;
  if (e == "ac-3") return CodecId::ac3;
  if (e == "ec-3") return CodecId::eac3;
  if (e == ".mp3") return CodecId::mp3;
  if (e == "mp4a") {
    // 14496-1 objectTypeIndication: 0x40 and 0x66..0x68 AAC; 0x69 and 0x6B MPEG audio.
    if (t.object_type == 0x69 || t.object_type == 0x6B) return CodecId::mp3;
    return CodecId::aac;
  }
  return CodecId::unknown;
}

// dOps (Opus in ISOBMFF §4.3.2, big-endian, no magic) -> OpusHead (RFC 7845 §5.1,
// little-endian), the Enhanced RTMP Opus sequence start.
Result<Bytes> opus_head_from_dops(ByteView d) {
  if (d.size() < 11) return Error(errc::truncated, "dOps: " + std::to_string(d.size()) + " bytes");
  Bytes out;
  ByteWriter w(out);
  w.string("OpusHead");
  w.u8(1);
  w.u8(d[1]);                                                          // channels
  w.u16le(static_cast<std::uint16_t>(d[2] << 8 | d[3]));               // pre-skip
  w.u32le(std::uint32_t(d[4]) << 24 | d[5] << 16 | d[6] << 8 | d[7]);  // input rate
  w.u16le(static_cast<std::uint16_t>(d[8] << 8 | d[9]));               // output gain
  w.u8(d[10]);                                                         // mapping family
  if (d[10] != 0) {
    if (d.size() < 13u + d[1]) return Error(errc::truncated, "dOps: channel mapping table");
    w.bytes(d.subspan(11, 2u + d[1]));
  }
  return out;
}

struct Track {
  const Mp4Track* mp4 = nullptr;
  SharedBytes file;
  CodecId codec = CodecId::unknown;
  bool video = false;
  std::uint8_t id = 0;
  bool enhanced = false;
  MultitrackMode multitrack = MultitrackMode::none;
  SharedBytes config_owner;
  ByteView config;
  bool has_sequence_start = true;
  std::int64_t last_dts_ms = 0;
};

struct Item {
  // Decode time as an exact fraction, for interleaving: num / den seconds.
  std::int64_t num = 0;
  std::uint32_t den = 1;
  std::size_t track = 0;
  std::size_t index = 0;  // sample index; SIZE_MAX for headers
};

amf::Value number(double d) {
  return amf::Value(d);
}

double codec_id_number(const Track& t) {
  if (!t.enhanced) return t.video ? flv::legacy_video_id(t.codec) : flv::sound_format_of(t.codec);
  return flv::fourcc_of(t.codec);
}

std::uint8_t bit_depth(const Track& t) {
  if (t.codec == CodecId::h265)
    if (auto c = parse_hevc_config(t.config)) return c->bit_depth_luma;
  if (t.codec == CodecId::av1)
    if (auto c = parse_av1_config(t.config)) return c->twelve_bit ? 12 : c->high_bitdepth ? 10 : 8;
  if (t.codec == CodecId::vp9)
    if (auto c = parse_vp9_config(t.config)) return c->bit_depth;
  if (t.codec == CodecId::h264)
    if (auto c = parse_avc_config(t.config)) return c->has_ext ? c->bit_depth_luma : 8;
  return 8;
}

// AudioChannelMask for the usual layouts of n channels (FFmpeg's defaults).
std::uint32_t native_channel_flags(std::uint16_t n) {
  constexpr std::uint32_t fl = 1, fr = 2, fc = 4, lfe = 8, bl = 0x10, br = 0x20, sl = 0x200,
                          sr = 0x400;
  switch (n) {
    case 1:
      return fc;
    case 2:
      return fl | fr;
    case 3:
      return fl | fr | fc;
    case 4:
      return fl | fr | bl | br;
    case 5:
      return fl | fr | fc | sl | sr;
    case 6:
      return fl | fr | fc | lfe | sl | sr;
    case 8:
      return fl | fr | fc | lfe | bl | br | sl | sr;
    default:
      return 0;
  }
}

class MuxJob {
 public:
  explicit MuxJob(const Mp4ToFlvOptions& o) : o_(o) {}

  Result<Mp4ToFlvOutput> run(std::span<const Mp4File> inputs) {
    if (auto e = plan(inputs)) return *e;
    std::vector<Message> header_messages;
    if (auto e = headers(header_messages)) return *e;
    Bytes out;
    FlvWriter::header(out, has_audio_, has_video_);
    if (o_.metadata) write(out, make_data(0, {amf::Value("onMetaData"), metadata()}));
    for (auto& m : header_messages) write(out, m);
    samples(out);
    if (o_.sequence_end)
      for (const auto& t : tracks_) {
        if (!t.video) continue;
        SequenceEnd e;
        e.type = TrackType::video;
        e.codec = t.codec;
        e.track_id = t.id;
        e.enhanced = t.enhanced;
        e.multitrack = t.multitrack;
        e.timestamp = t.last_dts_ms;
        write(out, Muxer::mux(e));
      }
    if (error_) return *error_;
    return Mp4ToFlvOutput{std::move(out), tracks_.size(), messages_, packed_};
  }

 private:
  std::optional<Error> plan(std::span<const Mp4File> inputs) {
    std::uint8_t next_video = 0, next_audio = 0;
    for (const auto& f : inputs)
      for (const auto& m : f.tracks) {
        Track t;
        t.mp4 = &m;
        t.file = f.data;
        t.codec = codec_of(m);
        if (t.codec == CodecId::unknown)
          return Error(errc::unsupported, "unsupported sample entry '" + m.entry + "'");
        t.video = m.video;
        t.id = t.video ? next_video++ : next_audio++;
        (t.video ? has_video_ : has_audio_) = true;
        tracks_.push_back(std::move(t));
      }
    if (tracks_.empty())
      return Error(errc::invalid_argument, "no audio or video track in the inputs");
    const bool multi = o_.multitrack || o_.pack || next_video > 1 || next_audio > 1;
    for (auto& t : tracks_) {
      // Legacy headers only where they exist and the file is not multitrack; HEVC is
      // Enhanced (hvc1) unless --legacy-hevc asks for codec id 12.
      const bool legacy_ok = t.codec == CodecId::h264 || t.codec == CodecId::aac ||
                             t.codec == CodecId::mp3 ||
                             (t.codec == CodecId::h265 && o_.legacy_hevc);
      t.enhanced = multi || o_.fourcc_all || !legacy_ok;
      if (t.codec == CodecId::h265 && o_.legacy_hevc && multi)
        return Error(errc::unsupported, "legacy HEVC: a multitrack file needs FourCC headers");
      t.multitrack = multi ? MultitrackMode::one_track : MultitrackMode::none;
      switch (t.codec) {
        case CodecId::opus: {
          auto head = opus_head_from_dops(t.mp4->config);
          if (!head)
            return Error(head.error().code,
                         "track " + std::to_string(t.mp4->id) + ": " + head.error().message());
          t.config_owner = make_shared_bytes(std::move(*head));
          t.config = *t.config_owner;
          break;
        }
        case CodecId::flac: {
          // "fLaC" + the metadata blocks (STREAMINFO first), i.e. dfLa after version+flags.
          if (t.mp4->config.size() < 4) return Error(errc::malformed, "fLaC track without dfLa");
          Bytes b{'f', 'L', 'a', 'C'};
          b.insert(b.end(), t.mp4->config.begin() + 4, t.mp4->config.end());
          t.config_owner = make_shared_bytes(std::move(b));
          t.config = *t.config_owner;
          break;
        }
        case CodecId::ac3:
        case CodecId::eac3:
        case CodecId::mp3:
          t.has_sequence_start = false;  // frames are self-describing: no sequence start
          break;
        default:
          if (t.mp4->config.empty())
            return Error(errc::malformed, "track " + std::to_string(t.mp4->id) + " (" +
                                              t.mp4->entry + ") has no codec configuration box");
          t.config_owner = t.file;
          t.config = t.mp4->config;
      }
    }
    // One offset for all tracks so the earliest decode time is 0.
    std::int64_t min_dts = 0;
    for (const auto& t : tracks_)
      if (!t.mp4->samples.empty())
        min_dts = std::min(min_dts, ms_of(t.mp4->samples.front().dts, t.mp4->timescale));
    offset_ = -min_dts;
    return std::nullopt;
  }

  amf::Value metadata() {
    double duration = 0;
    for (const auto& t : tracks_)
      if (!t.mp4->samples.empty())
        duration =
            std::max(duration,
                     double(ms_of(t.mp4->samples.back().pts, t.mp4->timescale) + offset_) / 1000.0);
    auto meta = amf::Value::ecma_array({{"duration", number(duration)}});
    amf::Value video_map = amf::Value::object(), audio_map = amf::Value::object();
    for (const auto& t : tracks_) {
      amf::Value props = amf::Value::object();
      if (t.video) {
        props.set("width", number(t.mp4->width));
        props.set("height", number(t.mp4->height));
        props.set("videocodecid", number(codec_id_number(t)));
      } else {
        props.set("audiosamplerate", number(t.mp4->sample_rate));
        props.set("audiochannels", number(t.mp4->channels));
        props.set("stereo", amf::Value(t.mp4->channels == 2));
        props.set("audiocodecid", number(codec_id_number(t)));
      }
      if (t.id == 0) {
        // Track 0 (the default track) is described by the top-level properties.
        for (const auto& [k, v] : props.properties()) meta.set(k, v);
      } else {
        (t.video ? video_map : audio_map).set(std::to_string(t.id), props);
      }
    }
    // Enhanced RTMP v2 "Enhancing onMetaData": the other tracks, keyed by track id.
    if (!video_map.properties().empty()) meta.set("videoTrackIdInfoMap", video_map);
    if (!audio_map.properties().empty()) meta.set("audioTrackIdInfoMap", audio_map);
    meta.set("encoder", amf::Value("rtmpcxx rtmp-mux"));
    return meta;
  }

  std::optional<Error> headers(std::vector<Message>& out) {
    std::vector<MediaEvent> events;
    for (const auto& t : tracks_) {
      if (t.video && o_.color_info) {
        // Enhanced RTMP "Metadata Frame": colorInfo before the frames it applies to.
        const Mp4Colour col = t.mp4->colour.value_or(Mp4Colour{});
        auto info = amf::Value::object(
            {{"colorConfig", amf::Value::object({{"bitDepth", number(bit_depth(t))},
                                                 {"colorPrimaries", number(col.primaries)},
                                                 {"transferCharacteristics", number(col.transfer)},
                                                 {"matrixCoefficients", number(col.matrix)}})}});
        Bytes body;
        amf::encode_amf0_all(std::vector<amf::Value>{amf::Value("colorInfo"), info}, body);
        VideoMetadata md;
        md.track_id = t.id;
        md.codec = t.codec;
        md.timestamp = 0;
        md.multitrack = t.multitrack;
        md.owner = make_shared_bytes(std::move(body));
        md.amf = *md.owner;
        events.emplace_back(std::move(md));
      }
      if (t.has_sequence_start) {
        Codec c;
        if (t.codec == CodecId::av1 && o_.av1_mpeg2ts) {
          // Enhanced RTMP v1 MPEG2TSSequenceStart: the AV1 video descriptor of "Carriage of
          // AV1 in MPEG-2 TS" §2.2: tag 0x80, length 4, then av1C's first four bytes with
          // hdr_wcg_idc (top 2 bits of the last) 0 = SDR and the reserved bit 0. The
          // sequence header OBU then comes in-band with the keyframes.
          if (t.config.size() < 4) return Error(errc::truncated, "av1C shorter than 4 bytes");
          Bytes d{0x80,        0x04,        t.config[0],
                  t.config[1], t.config[2], static_cast<std::uint8_t>(t.config[3] & 0x1F)};
          c.owner = make_shared_bytes(std::move(d));
          c.config = *c.owner;
          c.mpeg2ts = true;
        } else {
          c.owner = t.config_owner;
          c.config = t.config;
        }
        c.type = t.video ? TrackType::video : TrackType::audio;
        c.id = t.codec;
        c.track_id = t.id;
        c.enhanced = t.enhanced;
        c.multitrack = t.multitrack;
        events.emplace_back(std::move(c));
      }
      if (!t.video && o_.channel_config && t.enhanced) {
        AudioChannelConfig cc;
        cc.track_id = t.id;
        cc.codec = t.codec;
        cc.multitrack = t.multitrack;
        cc.channel_count = static_cast<std::uint8_t>(t.mp4->channels);
        cc.channel_flags = native_channel_flags(t.mp4->channels);
        cc.channel_order = cc.channel_flags ? 1 : 0;
        events.emplace_back(std::move(cc));
      }
    }
    pack_and_mux(events, out);
    return std::nullopt;
  }

  void samples(Bytes& out) {
    std::vector<Item> items;
    for (std::size_t i = 0; i < tracks_.size(); ++i)
      for (std::size_t k = 0; k < tracks_[i].mp4->samples.size(); ++k)
        items.push_back({tracks_[i].mp4->samples[k].dts, tracks_[i].mp4->timescale, i, k});
    // By exact decode time; ties keep track order (video tracks first in input order).
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      return static_cast<i128>(a.num) * b.den < static_cast<i128>(b.num) * a.den;
    });
    std::vector<MediaEvent> group;
    std::vector<Message> msgs;
    std::int64_t group_ts = -1;
    auto flush = [&] {
      msgs.clear();
      pack_and_mux(group, msgs);
      for (const auto& m : msgs) write(out, m);
      group.clear();
    };
    for (const auto& it : items) {
      Track& t = tracks_[it.track];
      const Mp4Sample& s = t.mp4->samples[it.index];
      const std::int64_t dts = ms_of(s.dts, t.mp4->timescale) + offset_;
      const std::int64_t pts = ms_of(s.pts, t.mp4->timescale) + offset_;
      // --nano-offsets: what the floored ms lost, as a ModEx (Enhanced headers only).
      std::optional<std::uint32_t> nano;
      if (o_.nano_offsets && t.enhanced) {
        const std::int64_t ns = to_ns(s.dts, t.mp4->timescale);
        nano = static_cast<std::uint32_t>(ns - floor_div(ns, 1'000'000) * 1'000'000);
      }
      t.last_dts_ms = dts;
      const ByteView data = ByteView(*t.file).subspan(s.offset, s.size);
      if (dts != group_ts) flush();
      group_ts = dts;
      if (t.video) {
        VideoSample v;
        v.track_id = t.id;
        v.codec = t.codec;
        v.dts = dts;
        v.pts = pts;
        v.keyframe = s.sync;
        v.owner = t.file;
        v.data = data;
        v.enhanced = t.enhanced;
        v.multitrack = t.multitrack;
        v.timestamp_nano_offset = nano;
        v.coded_frames_x = o_.coded_frames_x && pts == dts &&
                           (t.codec == CodecId::h264 || t.codec == CodecId::h265);
        group.emplace_back(std::move(v));
      } else {
        AudioSample a;
        a.track_id = t.id;
        a.codec = t.codec;
        a.timestamp = dts;
        a.owner = t.file;
        a.data = data;
        a.enhanced = t.enhanced;
        a.multitrack = t.multitrack;
        a.timestamp_nano_offset = nano;
        group.emplace_back(std::move(a));
      }
    }
    flush();
  }

  // Muxes events of one timestamp. With --pack, consecutive events of different tracks
  // that can share a message (same media type, packet type and, for video, frame type) go
  // into one ManyTracks (one codec) or ManyTracksManyCodecs message; otherwise one message
  // per event.
  void pack_and_mux(std::vector<MediaEvent>& events, std::vector<Message>& out) {
    if (!o_.pack) {
      for (const auto& e : events) out.push_back(Muxer::mux(e));
      return;
    }
    std::size_t i = 0;
    while (i < events.size()) {
      std::size_t j = i + 1;
      const Message first = Muxer::mux(events[i]);
      while (j < events.size() && packable(events[i], events[j], first, Muxer::mux(events[j]))) {
        bool new_track = true;
        for (std::size_t k = i; k < j; ++k)
          new_track = new_track && track_of(events[k]) != track_of(events[j]);
        if (!new_track) break;
        ++j;
      }
      if (j - i == 1) {
        out.push_back(first);
        i = j;
        continue;
      }
      bool one_codec = true;
      for (std::size_t k = i + 1; k < j; ++k)
        one_codec = one_codec && codec_in(events[k]) == codec_in(events[i]);
      const auto mode =
          one_codec ? MultitrackMode::many_tracks : MultitrackMode::many_tracks_many_codecs;
      Bytes body;
      for (std::size_t k = i; k < j; ++k) {
        std::visit([&](auto& e) { set_mode(e, mode); }, events[k]);
        Message m = Muxer::mux(events[k]);
        // [header byte][multitrack type][FourCC] start the message; each track then has
        // [FourCC if many codecs][track id][UI24 size][...]. Keep the shared part once.
        std::size_t skip = k == i ? 0 : one_codec ? 6 : 2;
        body.insert(body.end(), m.data().begin() + static_cast<std::ptrdiff_t>(skip),
                    m.data().end());
      }
      Message m = first;
      m.payload = make_shared_bytes(std::move(body));
      out.push_back(std::move(m));
      packed_++;
      i = j;
    }
  }

  static CodecId codec_in(const MediaEvent& e) {
    return std::visit(
        [](const auto& x) -> CodecId {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, Codec>)
            return x.id;
          else
            return x.codec;
        },
        e);
  }
  template <class T>
  static void set_mode(T& e, MultitrackMode m) {
    if constexpr (requires { e.multitrack; }) e.multitrack = m;
  }
  static std::uint8_t track_of(const MediaEvent& e) {
    return std::visit(
        [](const auto& x) -> std::uint8_t {
          if constexpr (requires { x.track_id; })
            return x.track_id;
          else
            return 0;
        },
        e);
  }
  // May b join a message that starts with a? Both multitrack (video header byte 0x8X with
  // packet type 6, audio 0x95), same first byte (so same frame type), same inner packet type.
  static bool packable(const MediaEvent& a, const MediaEvent& b, const Message& ma,
                       const Message& mb) {
    if (a.index() != b.index() || ma.type != mb.type || ma.timestamp != mb.timestamp) return false;
    if (ma.size() < 2 || mb.size() < 2) return false;
    const std::uint8_t h = ma.data()[0];
    const bool multitrack = ma.type == msg::video ? (h & 0x8F) == 0x86 : h == 0x95;
    return multitrack && h == mb.data()[0] && (ma.data()[1] & 0x0F) == (mb.data()[1] & 0x0F);
  }

  // A media time in ms: rounded as FFmpeg rounds, or floored with --nano-offsets.
  std::int64_t ms_of(std::int64_t t, std::uint32_t timescale) const {
    return o_.nano_offsets ? floor_div(to_ns(t, timescale), 1'000'000) : to_ms(t, timescale);
  }

  void write(Bytes& out, const Message& m) {
    if (m.size() == 0) return;  // codecs without a wire form
    if (auto r = FlvWriter::tag(out, m); !r && !error_) error_ = r.error();
    if (m.type == msg::audio || m.type == msg::video) ++messages_;
  }

  const Mp4ToFlvOptions& o_;
  std::optional<Error> error_;  // the first tag FlvWriter refused
  std::vector<Track> tracks_;
  bool has_audio_ = false, has_video_ = false;
  std::int64_t offset_ = 0;
  std::uint64_t messages_ = 0, packed_ = 0;
};

}  // namespace

Result<Mp4ToFlvOutput> mp4_to_flv(std::span<const Mp4File> inputs, const Mp4ToFlvOptions& options) {
  return MuxJob(options).run(inputs);
}

}  // namespace rtmp
