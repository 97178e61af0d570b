#include "rtmp/media/fmp4.hpp"

#include "rtmp/media/aac_config.hpp"
#include "rtmp/media/av1_config.hpp"
#include "rtmp/media/avc_config.hpp"
#include "rtmp/media/hevc_config.hpp"
#include "rtmp/media/opus_head.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace rtmp::fmp4 {
namespace {

Bytes hex(std::string_view s) {
  std::string digits;
  for (char ch : s)
    if (ch != ' ') digits += ch;
  Bytes out;
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  return out;
}

// Configs written by FFmpeg 5.1 (libx264 High@3.1 1280x720, libx265 Main 650x362 with the
// SEI array left out, libaom 426x240, AAC-LC 48 kHz stereo).
const Bytes avcc_1280x720 =
    hex("0164001fffe1001a6764001facd9405005bb011000000300100000030320f183196001000668ebe3cb22c0");
const Bytes hvcc_650x362 =
    hex("0101600000009000000000003ff000fcfdf8f800000f03"
        "a00001001840010c01ffff01600000030090000003000003003f959809"
        "a10001002c42010101600000030090000003000003003fa005220171c9265959a4932bc05a0200000300020000"
        "03003210"
        "a2000100074401c172b46240");
const Bytes av1c_426x240 = hex("81000c000a0b000000043ea7bcdaf90040");
const Bytes asc_48k_stereo = hex("1190");
// OpusHead: 2 channels, pre-skip 312, 48 kHz input, gain 0, family 0.
const Bytes opus_head_stereo =
    hex("4f707573486561640102380180bb00000000"
        "00");
// OpusHead family 1, 6 channels: 4 streams, 2 coupled, mapping 0 4 1 2 3 5.
const Bytes opus_head_51 =
    hex("4f7075734865616401063801"
        "80bb0000"
        "0000"
        "01"
        "0402"
        "000401020305");

std::uint64_t be(ByteView b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | b[at + i];
  return v;
}

// One box as found in a buffer: where its body starts and ends.
struct Box {
  std::string type;
  std::size_t start = 0, body = 0, end = 0;
};

// The boxes laid end to end in [from, to); fails the test unless they tile it exactly.
std::vector<Box> boxes(ByteView b, std::size_t from, std::size_t to) {
  std::vector<Box> out;
  std::size_t at = from;
  while (at < to) {
    EXPECT_LE(at + 8, to) << "box header past the parent";
    if (at + 8 > to) break;
    std::uint64_t size = be(b, at, 4);
    std::size_t header = 8;
    if (size == 1) size = be(b, at + 8, 8), header = 16;
    Box x{std::string(reinterpret_cast<const char*>(&b[at + 4]), 4), at, at + header, at + size};
    EXPECT_GE(size, header) << x.type;
    EXPECT_LE(x.end, to) << x.type << " overruns its parent";
    if (size < header || x.end > to) break;
    out.push_back(x);
    at = x.end;
  }
  EXPECT_EQ(at, to);
  return out;
}

// The one child of type `t` (fails if missing or repeated). `skip` = bytes of the parent's
// body before its children (FullBox version/flags, entry counts, sample entry fields).
Box child(ByteView b, const Box& parent, std::string_view t, std::size_t skip = 0) {
  Box found;
  int n = 0;
  for (const auto& c : boxes(b, parent.body + skip, parent.end))
    if (c.type == t) found = c, ++n;
  EXPECT_EQ(n, 1) << "children of type " << t << " in " << parent.type;
  return found;
}

Box path(ByteView b, Box at, std::initializer_list<std::string_view> types) {
  for (auto t : types) {
    // Full boxes / entries whose children start after fixed fields.
    const std::size_t skip = at.type == "stsd" ? 8 : at.type == "dref" ? 8 : 0;
    at = child(b, at, t, skip);
  }
  return at;
}

Codec make_codec(CodecId id, const Bytes& config) {
  Codec c;
  c.id = id;
  c.type = codec_track_type(id);
  c.owner = make_shared_bytes(config);
  c.config = *c.owner;
  switch (id) {
    case CodecId::h264:
      c.details = parse_avc_config(c.config).value();
      break;
    case CodecId::h265:
      c.details = parse_hevc_config(c.config).value();
      break;
    case CodecId::av1:
      c.details = parse_av1_config(c.config).value();
      break;
    case CodecId::aac:
      c.details = parse_aac_config(c.config).value();
      break;
    case CodecId::opus:
      c.details = parse_opus_head(c.config).value();
      break;
    default:
      break;
  }
  return c;
}

struct Walked {
  Bytes bytes;
  Box moov;
  std::vector<Box> traks;
};

Walked walk_init(std::span<const Track> tracks) {
  Walked w;
  auto r = init_segment(tracks);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  if (!r) return w;
  w.bytes = **r;
  auto top = boxes(w.bytes, 0, w.bytes.size());
  EXPECT_EQ(top.size(), 2u);
  EXPECT_EQ(top.at(0).type, "ftyp");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&w.bytes[8]), 16),
            std::string("iso6\0\0\0\0iso6cmfc", 16));
  w.moov = top.at(1);
  EXPECT_EQ(w.moov.type, "moov");
  for (const auto& c : boxes(w.bytes, w.moov.body, w.moov.end))
    if (c.type == "trak") w.traks.push_back(c);
  return w;
}

TEST(Fmp4Init, H264AndAac) {
  const Track tracks[] = {{1, make_codec(CodecId::h264, avcc_1280x720)},
                          {2, make_codec(CodecId::aac, asc_48k_stereo)}};
  const Walked w = walk_init(tracks);
  ASSERT_EQ(w.traks.size(), 2u);
  const ByteView b = w.bytes;
  const Box mvhd = child(b, w.moov, "mvhd");
  EXPECT_EQ(be(b, mvhd.end - 4, 4), 3u);  // next_track_ID

  // Video: tkhd size 16.16, mdhd 90 kHz, hdlr vide, avc1 + avcC as received.
  const Box& v = w.traks[0];
  const Box tkhd = child(b, v, "tkhd");
  EXPECT_EQ(be(b, tkhd.body + 12, 4), 1u);  // track_ID
  EXPECT_EQ(be(b, tkhd.end - 8, 4), 1280u << 16);
  EXPECT_EQ(be(b, tkhd.end - 4, 4), 720u << 16);
  const Box mdhd = path(b, v, {"mdia", "mdhd"});
  EXPECT_EQ(be(b, mdhd.body + 12, 4), 90000u);
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(&b[path(b, v, {"mdia", "hdlr"}).body + 8]), 4),
      "vide");
  path(b, v, {"mdia", "minf", "vmhd"});
  path(b, v, {"mdia", "minf", "dinf", "dref", "url "});
  const Box stsd = path(b, v, {"mdia", "minf", "stbl", "stsd"});
  EXPECT_EQ(be(b, stsd.body + 4, 4), 1u);
  const Box avc1 = child(b, stsd, "avc1", 8);
  EXPECT_EQ(be(b, avc1.body + 24, 2), 1280u);
  EXPECT_EQ(be(b, avc1.body + 26, 2), 720u);
  const Box avcc = child(b, avc1, "avcC", 78);
  EXPECT_EQ(Bytes(b.begin() + avcc.body, b.begin() + avcc.end), avcc_1280x720);
  for (auto t : {"stts", "stsc", "stco"})
    EXPECT_EQ(be(b, path(b, v, {"mdia", "minf", "stbl", t}).body + 4, 4), 0u) << t;

  // Audio: mdhd at the sample rate, mp4a 2 ch 48 kHz, esds with the ASC as DSI.
  const Box& a = w.traks[1];
  EXPECT_EQ(be(b, path(b, a, {"mdia", "mdhd"}).body + 12, 4), 48000u);
  path(b, a, {"mdia", "minf", "smhd"});
  const Box mp4a = child(b, path(b, a, {"mdia", "minf", "stbl", "stsd"}), "mp4a", 8);
  EXPECT_EQ(be(b, mp4a.body + 16, 2), 2u);
  EXPECT_EQ(be(b, mp4a.body + 24, 4), 48000u << 16);
  const Box esds = child(b, mp4a, "esds", 28);
  const Bytes body(b.begin() + esds.body + 4, b.begin() + esds.end);
  // ES_Descriptor (3) > DecoderConfigDescriptor (4) with OTI 0x40, stream type audio.
  EXPECT_EQ(body[0], 0x03);
  EXPECT_EQ(body[5 + 3], 0x04);
  EXPECT_EQ(body[5 + 3 + 5], 0x40);
  EXPECT_EQ(body[5 + 3 + 5 + 1], 0x15);
  const std::size_t dsi = 5 + 3 + 5 + 13;
  EXPECT_EQ(body[dsi], 0x05);
  EXPECT_EQ(body[dsi + 4], asc_48k_stereo.size());
  EXPECT_EQ(Bytes(body.begin() + dsi + 5, body.begin() + dsi + 7), asc_48k_stereo);
  EXPECT_EQ(body[dsi + 7], 0x06);  // SLConfigDescriptor
  EXPECT_EQ(body.size(), dsi + 7 + 6);

  // mvex: one trex per track, in order.
  const Box mvex = child(b, w.moov, "mvex");
  const auto trex = boxes(b, mvex.body, mvex.end);
  ASSERT_EQ(trex.size(), 2u);
  EXPECT_EQ(be(b, trex[0].body + 4, 4), 1u);
  EXPECT_EQ(be(b, trex[1].body + 4, 4), 2u);
  EXPECT_EQ(be(b, trex[1].body + 8, 4), 1u);  // default_sample_description_index
}

TEST(Fmp4Init, HevcAv1AndOpus) {
  const Track tracks[] = {{3, make_codec(CodecId::h265, hvcc_650x362)},
                          {7, make_codec(CodecId::av1, av1c_426x240)},
                          {9, make_codec(CodecId::opus, opus_head_stereo)},
                          {10, make_codec(CodecId::opus, opus_head_51)}};
  const Walked w = walk_init(tracks);
  ASSERT_EQ(w.traks.size(), 4u);
  const ByteView b = w.bytes;
  EXPECT_EQ(be(b, child(b, w.moov, "mvhd").end - 4, 4), 11u);

  const Box hvc1 = child(b, path(b, w.traks[0], {"mdia", "minf", "stbl", "stsd"}), "hvc1", 8);
  EXPECT_EQ(be(b, hvc1.body + 24, 4), 650u << 16 | 362u);
  const Box hvcc = child(b, hvc1, "hvcC", 78);
  EXPECT_EQ(Bytes(b.begin() + hvcc.body, b.begin() + hvcc.end), hvcc_650x362);

  const Box av01 = child(b, path(b, w.traks[1], {"mdia", "minf", "stbl", "stsd"}), "av01", 8);
  EXPECT_EQ(be(b, av01.body + 24, 4), 426u << 16 | 240u);
  const Box av1c = child(b, av01, "av1C", 78);
  EXPECT_EQ(Bytes(b.begin() + av1c.body, b.begin() + av1c.end), av1c_426x240);

  // dOps: OpusHead's fields big-endian, version 0, no magic.
  const Box opus = child(b, path(b, w.traks[2], {"mdia", "minf", "stbl", "stsd"}), "Opus", 8);
  EXPECT_EQ(be(b, path(b, w.traks[2], {"mdia", "mdhd"}).body + 12, 4), 48000u);
  EXPECT_EQ(be(b, opus.body + 16, 2), 2u);
  EXPECT_EQ(be(b, opus.body + 24, 4), 48000u << 16);
  const Box dops = child(b, opus, "dOps", 28);
  EXPECT_EQ(Bytes(b.begin() + dops.body, b.begin() + dops.end), hex("0002013800 00bb80 0000 00"));
  const Box opus6 = child(b, path(b, w.traks[3], {"mdia", "minf", "stbl", "stsd"}), "Opus", 8);
  const Box dops6 = child(b, opus6, "dOps", 28);
  EXPECT_EQ(Bytes(b.begin() + dops6.body, b.begin() + dops6.end),
            hex("0006013800 00bb80 0000 01 0402 000401020305"));
}

TEST(Fmp4Init, Mp3HasNoDecoderSpecificInfo) {
  Codec mp3;
  mp3.type = TrackType::audio;
  mp3.id = CodecId::mp3;
  mp3.details = LegacyAudio::from_byte(0x2F);  // MP3, 44 kHz, 16 bit, stereo
  mp3.from_frame = true;
  EXPECT_EQ(default_timescale(mp3), 44100u);
  const Track tracks[] = {{1, mp3}};
  const Walked w = walk_init(tracks);
  ASSERT_EQ(w.traks.size(), 1u);
  const ByteView b = w.bytes;
  const Box mp4a = child(b, path(b, w.traks[0], {"mdia", "minf", "stbl", "stsd"}), "mp4a", 8);
  EXPECT_EQ(be(b, mp4a.body + 24, 4), 44100u << 16);
  const Box esds = child(b, mp4a, "esds", 28);
  EXPECT_EQ(b[esds.body + 4 + 5 + 3 + 5], 0x6B);                 // MPEG-1 Audio
  EXPECT_EQ(esds.end - esds.body, 4u + 5 + 3 + 5 + 13 + 5 + 1);  // no tag 5
}

TEST(Fmp4Init, Errors) {
  EXPECT_EQ(init_segment({}).error().code, errc::unsupported);
  Codec flac;
  flac.type = TrackType::audio;
  flac.id = CodecId::flac;
  const Track unsupported[] = {{1, flac}};
  EXPECT_EQ(init_segment(unsupported).error().code, errc::unsupported);

  const Codec avc = make_codec(CodecId::h264, avcc_1280x720);
  const Track repeated[] = {{1, avc}, {1, avc}};
  EXPECT_EQ(init_segment(repeated).error().code, errc::malformed);
  const Track zero[] = {{0, avc}};
  EXPECT_EQ(init_segment(zero).error().code, errc::malformed);

  Codec bad_sps = avc;  // SPS cut short: the size cannot be read
  std::get<AvcConfig>(bad_sps.details).sps[0] = std::get<AvcConfig>(avc.details).sps[0].first(5);
  const Track bad[] = {{1, bad_sps}};
  EXPECT_EQ(init_segment(bad).error().code, errc::truncated);
  Codec unparsed = avc;
  unparsed.details = std::monostate{};
  const Track raw[] = {{1, unparsed}};
  EXPECT_EQ(init_segment(raw).error().code, errc::malformed);

  // VP9 has no size in its config: it must come from the Track.
  Codec vp9;
  vp9.id = CodecId::vp9;
  vp9.owner = make_shared_bytes(hex("010000000010080000"));
  vp9.config = *vp9.owner;
  vp9.details = Vp9Config{};
  Track t{1, vp9};
  EXPECT_EQ(init_segment(std::span(&t, 1)).error().code, errc::malformed);
  t.width = 320, t.height = 240;
  EXPECT_TRUE(init_segment(std::span(&t, 1)));
}

TEST(Fmp4Init, TimescaleOverrideAndDefaults) {
  Track t{1, make_codec(CodecId::h264, avcc_1280x720), 1000};
  const Walked w = walk_init(std::span(&t, 1));
  ASSERT_EQ(w.traks.size(), 1u);
  EXPECT_EQ(be(w.bytes, path(w.bytes, w.traks[0], {"mdia", "mdhd"}).body + 12, 4), 1000u);
  EXPECT_EQ(default_timescale(make_codec(CodecId::h265, hvcc_650x362)), 90000u);
  EXPECT_EQ(default_timescale(make_codec(CodecId::aac, hex("1210"))), 44100u);
  EXPECT_EQ(default_timescale(make_codec(CodecId::opus, opus_head_stereo)), 48000u);
}

// Fragment fields as read back from the bytes.
struct TrunSample {
  std::uint32_t duration, size, flags;
  std::int32_t cts;
};
struct Traf {
  std::uint32_t track_id = 0, tfhd_flags = 0, trun_flags = 0;
  std::uint64_t base_dts = 0;
  std::int32_t data_offset = 0;
  std::vector<TrunSample> samples;
};

std::vector<Traf> read_moof(ByteView b, const Box& moof, std::uint32_t& seq) {
  std::vector<Traf> out;
  const auto kids = boxes(b, moof.body, moof.end);
  EXPECT_EQ(kids.at(0).type, "mfhd");
  seq = static_cast<std::uint32_t>(be(b, kids[0].body + 4, 4));
  for (std::size_t i = 1; i < kids.size(); ++i) {
    EXPECT_EQ(kids[i].type, "traf");
    const auto parts = boxes(b, kids[i].body, kids[i].end);
    EXPECT_EQ(parts.size(), 3u);
    Traf t;
    EXPECT_EQ(parts[0].type, "tfhd");
    t.tfhd_flags = static_cast<std::uint32_t>(be(b, parts[0].body, 4));
    t.track_id = static_cast<std::uint32_t>(be(b, parts[0].body + 4, 4));
    EXPECT_EQ(parts[1].type, "tfdt");
    EXPECT_EQ(b[parts[1].body], 1);  // version 1: 64-bit time
    t.base_dts = be(b, parts[1].body + 4, 8);
    EXPECT_EQ(parts[2].type, "trun");
    EXPECT_EQ(b[parts[2].body], 1);  // version 1: signed composition offsets
    t.trun_flags = static_cast<std::uint32_t>(be(b, parts[2].body, 4) & 0xFFFFFF);
    const auto count = be(b, parts[2].body + 4, 4);
    t.data_offset = static_cast<std::int32_t>(be(b, parts[2].body + 8, 4));
    EXPECT_EQ(parts[2].end - parts[2].body, 12 + 16 * count);
    for (std::size_t s = 0; s < count; ++s) {
      const std::size_t at = parts[2].body + 12 + 16 * s;
      t.samples.push_back({static_cast<std::uint32_t>(be(b, at, 4)),
                           static_cast<std::uint32_t>(be(b, at + 4, 4)),
                           static_cast<std::uint32_t>(be(b, at + 8, 4)),
                           static_cast<std::int32_t>(be(b, at + 12, 4))});
    }
    out.push_back(t);
  }
  return out;
}

TEST(Fmp4Fragment, RunsWalkBackAndOffsetsPointAtTheirBytes) {
  const Bytes f0 = hex("0000000565888080"), f1 = hex("000000034180aa"), f2 = hex("0000000201");
  const Bytes a0 = hex("21112233"), a1 = hex("2144");
  const Sample video[] = {{180000, 6000, 3000, true, f0},
                          {183000, -3000, 3000, false, f1},
                          {186000, 0, 3000, false, f2}};
  const Sample audio[] = {{96000, 0, 1024, true, a0}, {97024, 0, 1024, true, a1}};
  const fmp4::Run runs[] = {{1, video}, {5, {}}, {2, audio}};

  Bytes out = hex("deadbeef");  // appended after what is there
  write_fragment(42, runs, out);
  EXPECT_EQ(out.size(), 4 + fragment_size(runs));
  const ByteView b = out;
  const auto top = boxes(b, 4, b.size());
  ASSERT_EQ(top.size(), 2u);
  ASSERT_EQ(top[0].type, "moof");
  ASSERT_EQ(top[1].type, "mdat");
  std::uint32_t seq = 0;
  const auto trafs = read_moof(b, top[0], seq);
  EXPECT_EQ(seq, 42u);
  ASSERT_EQ(trafs.size(), 2u);  // the empty run has no traf

  const std::vector<std::pair<std::span<const Sample>, std::uint32_t>> want = {{video, 1},
                                                                               {audio, 2}};
  for (std::size_t i = 0; i < 2; ++i) {
    const Traf& t = trafs[i];
    const auto samples = want[i].first;
    EXPECT_EQ(t.track_id, want[i].second);
    EXPECT_EQ(t.tfhd_flags, 0x020000u);  // default-base-is-moof
    EXPECT_EQ(t.trun_flags, 0x000F01u);
    EXPECT_EQ(t.base_dts, static_cast<std::uint64_t>(samples[0].dts));
    ASSERT_EQ(t.samples.size(), samples.size());
    std::size_t at = top[0].start + static_cast<std::size_t>(t.data_offset);
    EXPECT_GE(at, top[1].body);
    for (std::size_t s = 0; s < samples.size(); ++s) {
      EXPECT_EQ(t.samples[s].duration, samples[s].duration);
      EXPECT_EQ(t.samples[s].size, samples[s].data.size());
      EXPECT_EQ(t.samples[s].cts, samples[s].cts);
      EXPECT_EQ(t.samples[s].flags, samples[s].keyframe ? 0x02000000u : 0x01010000u);
      ASSERT_LE(at + samples[s].data.size(), top[1].end);
      EXPECT_EQ(Bytes(b.begin() + at, b.begin() + at + samples[s].data.size()),
                Bytes(samples[s].data.begin(), samples[s].data.end()))
          << "run " << i << " sample " << s;
      at += samples[s].data.size();
    }
  }
  // The mdat holds exactly the samples, video run first.
  EXPECT_EQ(top[1].end - top[1].body, f0.size() + f1.size() + f2.size() + a0.size() + a1.size());
}

TEST(Fmp4Fragment, NoRunsIsAnEmptyFragment) {
  Bytes out;
  write_fragment(1, {}, out);
  const auto top = boxes(out, 0, out.size());
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].end - top[0].start, 8u + 16u);
  EXPECT_EQ(top[1].end - top[1].start, 8u);
}

TEST(Fmp4Fragment, ReusedBufferDoesNotReallocate) {
  std::vector<Bytes> frames;
  std::vector<Sample> samples;
  for (int i = 0; i < 50; ++i) frames.push_back(Bytes(100 + i, static_cast<std::uint8_t>(i)));
  for (int i = 0; i < 50; ++i)
    samples.push_back({i * 3000, 0, 3000, i == 0, frames[static_cast<std::size_t>(i)]});
  const fmp4::Run runs[] = {{1, samples}};
  Bytes out;
  write_fragment(1, runs, out);
  const auto* data = out.data();
  const auto capacity = out.capacity();
  EXPECT_EQ(capacity, out.size());  // one reservation for the whole fragment
  for (std::uint32_t seq = 2; seq < 5; ++seq) {
    out.clear();
    write_fragment(seq, runs, out);
    EXPECT_EQ(out.data(), data);
    EXPECT_EQ(out.capacity(), capacity);
  }
}

}  // namespace
}  // namespace rtmp::fmp4
