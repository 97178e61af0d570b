#include "rtmp/media/ts_muxer.hpp"

#include "media/ts_packetizer.hpp"
#include "rtmp/media/aac_config.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

// Every allocation of this test binary is counted, so a test can prove a path allocates
// nothing (the muxer's steady state). Forwarding to malloc keeps ASan's checks.
namespace {
std::size_t allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
// The nothrow forms too (std::stable_sort's buffer): the sanitizer's own would not pair with
// the frees above.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace rtmp::ts {
namespace {

using test::bytes;
using test::cat;

// Bit by bit, straight from the definition (13818-1 Annex A), not table driven.
std::uint32_t reference_crc(ByteView data) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (std::uint8_t byte : data)
    for (int bit = 7; bit >= 0; --bit) {
      const bool in = (byte >> bit & 1) != ((crc >> 31) & 1);
      crc <<= 1;
      if (in) crc ^= 0x04C11DB7;
    }
  return crc;
}

struct Packet {
  std::uint16_t pid = 0;
  bool unit_start = false;
  std::uint8_t cc = 0;
  bool random_access = false;
  std::optional<std::uint64_t> pcr;
  bool has_payload = true;
  Bytes payload;
};

// Splits `ts` into packets, checking what every packet must satisfy.
std::vector<Packet> parse(const Bytes& ts) {
  std::vector<Packet> out;
  EXPECT_EQ(ts.size() % packet_size, 0u);
  for (std::size_t off = 0; off + packet_size <= ts.size(); off += packet_size) {
    const std::uint8_t* p = ts.data() + off;
    EXPECT_EQ(p[0], 0x47) << "at " << off;
    Packet k;
    k.unit_start = p[1] & 0x40;
    k.pid = static_cast<std::uint16_t>((p[1] & 0x1F) << 8 | p[2]);
    k.cc = p[3] & 0x0F;
    const int afc = p[3] >> 4 & 3;
    EXPECT_EQ(p[3] >> 6, 0) << "scrambled";
    std::size_t pos = 4;
    if (afc & 2) {
      const std::size_t len = p[4];
      EXPECT_LE(len, 183u);
      if (len > 0) {
        k.random_access = p[5] & 0x40;
        if (p[5] & 0x10) {
          k.pcr = std::uint64_t{p[6]} << 25 | std::uint64_t{p[7]} << 17 | std::uint64_t{p[8]} << 9 |
                  std::uint64_t{p[9]} << 1 | p[10] >> 7;
        }
      }
      pos = 5 + len;
    }
    k.has_payload = afc & 1;
    if (!k.has_payload) {
      EXPECT_EQ(p[4], 183) << "an adaptation-only packet is all adaptation field";
      EXPECT_TRUE(k.pcr) << "this muxer sends adaptation-only packets for the PCR only";
    }
    EXPECT_NE(afc, 0);
    if (k.has_payload) k.payload.assign(p + pos, p + packet_size);
    out.push_back(std::move(k));
  }
  return out;
}

struct Pes {
  std::uint8_t stream_id = 0;
  std::size_t length_field = 0;
  std::uint8_t flags = 0;
  std::optional<std::uint64_t> pts, dts;
  Bytes payload;
  bool random_access = false;
  std::optional<std::uint64_t> pcr;
};

std::uint64_t read_ts(const std::uint8_t* p, std::uint8_t prefix) {
  EXPECT_EQ(p[0] >> 4, prefix);
  EXPECT_EQ(p[0] & 1, 1);
  EXPECT_EQ(p[2] & 1, 1);
  EXPECT_EQ(p[4] & 1, 1);
  return std::uint64_t(p[0] >> 1 & 7) << 30 | std::uint64_t(p[1]) << 22 |
         std::uint64_t(p[2] >> 1) << 15 | std::uint64_t(p[3]) << 7 | p[4] >> 1;
}

// Reassembles the PES packets of `pid`, checking its continuity counter.
std::vector<Pes> pes_of(const std::vector<Packet>& packets, std::uint16_t pid) {
  std::vector<Bytes> raw;
  std::vector<Pes> out;
  std::optional<std::uint8_t> cc;
  for (const auto& k : packets) {
    if (k.pid != pid) continue;
    // Only packets with payload advance the counter (13818-1 §2.4.3.3).
    if (cc) {
      EXPECT_EQ(k.cc, k.has_payload ? (*cc + 1) & 0x0F : *cc);
    }
    cc = k.cc;
    if (!k.has_payload) continue;
    if (k.unit_start) {
      raw.emplace_back();
      out.emplace_back();
      out.back().random_access = k.random_access;
      out.back().pcr = k.pcr;
    } else {
      EXPECT_FALSE(k.pcr || k.random_access);
    }
    if (raw.empty()) continue;
    raw.back().insert(raw.back().end(), k.payload.begin(), k.payload.end());
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const Bytes& r = raw[i];
    Pes& e = out[i];
    if (r.size() < 9 || r[0] != 0 || r[1] != 0 || r[2] != 1) {
      ADD_FAILURE() << "no PES start code";
      continue;
    }
    e.stream_id = r[3];
    e.length_field = std::size_t(r[4]) << 8 | r[5];
    e.flags = r[6];
    const int pts_dts = r[7] >> 6;
    const std::size_t hlen = r[8];
    if (pts_dts & 2) e.pts = read_ts(&r[9], pts_dts == 3 ? 3 : 2);
    if (pts_dts == 3) e.dts = read_ts(&r[14], 1);
    e.payload.assign(r.begin() + 9 + static_cast<std::ptrdiff_t>(hlen), r.end());
    if (e.length_field != 0) {
      EXPECT_EQ(e.length_field, 3 + hlen + e.payload.size());
    }
  }
  return out;
}

struct Section {
  std::uint8_t table_id = 0;
  std::uint8_t version = 0;
  Bytes body;  // after last_section_number, before the CRC
};

Section section_of(const Packet& k) {
  EXPECT_TRUE(k.unit_start);
  EXPECT_EQ(k.payload[0], 0) << "pointer_field";
  const std::uint8_t* s = k.payload.data() + 1;
  const std::size_t len = std::size_t(s[1] & 0x0F) << 8 | s[2];
  EXPECT_EQ(s[1] & 0xC0, 0x80) << "section_syntax_indicator, '0'";
  const ByteView whole(s, 3 + len);
  const std::uint32_t crc = std::uint32_t(s[3 + len - 4]) << 24 |
                            std::uint32_t(s[3 + len - 3]) << 16 |
                            std::uint32_t(s[3 + len - 2]) << 8 | s[3 + len - 1];
  EXPECT_EQ(crc, reference_crc(whole.first(3 + len - 4)));
  EXPECT_EQ(reference_crc(whole), 0u);
  for (std::size_t i = 1 + 3 + len; i < k.payload.size(); ++i) EXPECT_EQ(k.payload[i], 0xFF);
  return {s[0], static_cast<std::uint8_t>(s[5] >> 1 & 0x1F), Bytes(s + 8, s + 3 + len - 4)};
}

// Fixture: SPS/PPS held by an owner, as the demuxer hands them out.
struct Streams {
  Bytes sps = bytes({0x67, 0x64, 0x00, 0x1F, 0xAC}), pps = bytes({0x68, 0xEE, 0x3C, 0x80});
  Codec avc() const {
    Codec c;
    c.type = TrackType::video;
    c.id = CodecId::h264;
    AvcConfig a;
    a.nal_length_size = 4;
    a.sps = {sps};
    a.pps = {pps};
    c.details = a;
    return c;
  }
  static Codec aac() {
    Codec c;
    c.type = TrackType::audio;
    c.id = CodecId::aac;
    c.owner = make_shared_bytes(test::asc_lc());
    c.config = *c.owner;  // details left empty: set_codec parses the config
    return c;
  }
  static Codec mp3(std::uint8_t rate) {
    Codec c;
    c.type = TrackType::audio;
    c.id = CodecId::mp3;
    c.details = LegacyAudio{2, rate, 1, 1};
    c.from_frame = true;
    return c;
  }
};

VideoSample video(std::int64_t dts, std::int64_t pts, bool key, Bytes frame) {
  return VideoSample::from_data(CodecId::h264, dts, pts, key, frame);
}

const Bytes sc = bytes({0, 0, 0, 1});
const Bytes aud = bytes({0, 0, 0, 1, 0x09, 0xF0});

TEST(TsMuxer, TablesDescribeTheProgram) {
  Streams st;
  Muxer m;
  Bytes out;
  m.write_tables(out);
  EXPECT_TRUE(out.empty()) << "no tracks, no tables";
  ASSERT_TRUE(m.set_codec(st.avc()));
  ASSERT_TRUE(m.set_codec(Streams::aac()));
  m.write_tables(out);
  auto packets = parse(out);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].pid, 0);
  EXPECT_EQ(packets[1].pid, 0x1000);
  const Section pat = section_of(packets[0]);
  EXPECT_EQ(pat.table_id, 0);
  EXPECT_EQ(pat.body, bytes({0x00, 0x01, 0xF0, 0x00}));  // program 1 -> PID 0x1000
  const Section pmt = section_of(packets[1]);
  EXPECT_EQ(pmt.table_id, 2);
  EXPECT_EQ(pmt.body, bytes({0xE1, 0x00, 0xF0, 0x00,           // PCR_PID 0x100, no descriptors
                             0x1B, 0xE1, 0x00, 0xF0, 0x00,     // H.264 on 0x100
                             0x0F, 0xE1, 0x01, 0xF0, 0x00}));  // AAC ADTS on 0x101
  // The tables again (next segment): continuity counters move on.
  m.write_tables(out);
  packets = parse(out);
  ASSERT_EQ(packets.size(), 4u);
  EXPECT_EQ(packets[2].cc, (packets[0].cc + 1) & 0xF);
  EXPECT_EQ(packets[3].cc, (packets[1].cc + 1) & 0xF);
}

TEST(TsMuxer, AudioOnlyCarriesThePcrAndMp3Types) {
  Muxer m;
  ASSERT_TRUE(m.set_codec(Streams::mp3(3)));  // 44 kHz: MPEG-1 audio
  EXPECT_EQ(m.pcr_pid(), audio_pid);
  Bytes out;
  m.write_tables(out);
  Section pmt = section_of(parse(out)[1]);
  EXPECT_EQ(pmt.body, bytes({0xE1, 0x01, 0xF0, 0x00, 0x03, 0xE1, 0x01, 0xF0, 0x00}));
  const std::uint8_t v1 = pmt.version;
  ASSERT_TRUE(m.set_codec(Streams::mp3(2)));  // 22 kHz: MPEG-2 audio, a new PMT version
  out.clear();
  m.write_tables(out);
  pmt = section_of(parse(out)[1]);
  EXPECT_EQ(pmt.body[4], 0x04);
  EXPECT_NE(pmt.version, v1);

  const Bytes frame(300, 0x5A);
  auto s = AudioSample::from_data(CodecId::mp3, 2000, frame);
  out.clear();
  m.write_audio(s, out);
  auto pes = pes_of(parse(out), audio_pid);
  ASSERT_EQ(pes.size(), 1u);
  EXPECT_EQ(pes[0].pcr, std::optional<std::uint64_t>(180000));
  EXPECT_TRUE(pes[0].random_access);
  EXPECT_EQ(pes[0].payload, frame);  // MP3 as is
}

TEST(TsMuxer, UnsupportedCodecsAreRefused) {
  Muxer m;
  Codec c;
  c.type = TrackType::audio;
  for (CodecId id : {CodecId::opus, CodecId::av1, CodecId::pcma, CodecId::unknown}) {
    c.id = id;
    auto r = m.set_codec(c);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::unsupported);
  }
  c.id = CodecId::aac;
  c.details = AacConfig{42, 4, 44100, 2, 2, 0, 0};  // USAC: no ADTS form
  EXPECT_EQ(m.set_codec(c).error().code, errc::unsupported);
  EXPECT_FALSE(m.has_audio());
}

TEST(TsMuxer, KeyframePesCarriesParameterSetsPcrAndRandomAccess) {
  Streams st;
  Muxer m;
  ASSERT_TRUE(m.set_codec(st.avc()));
  ASSERT_TRUE(m.set_codec(Streams::aac()));
  Bytes out;
  const Bytes idr = bytes({0x65, 0x88, 0x80, 0x40});
  m.write_video(video(1000, 1040, true, cat({bytes({0, 0, 0, 4}), idr})), out);
  auto pes = pes_of(parse(out), video_pid);
  ASSERT_EQ(pes.size(), 1u);
  EXPECT_EQ(pes[0].stream_id, 0xE0);
  EXPECT_EQ(pes[0].length_field, 0u) << "video PES is unbounded";
  EXPECT_EQ(pes[0].flags, 0x84);  // '10' + data_alignment_indicator
  EXPECT_EQ(pes[0].pts, std::optional<std::uint64_t>(1040 * 90));
  EXPECT_EQ(pes[0].dts, std::optional<std::uint64_t>(1000 * 90));
  EXPECT_TRUE(pes[0].random_access);
  EXPECT_EQ(pes[0].pcr, std::optional<std::uint64_t>(1000 * 90));
  EXPECT_EQ(pes[0].payload, cat({aud, sc, st.sps, sc, st.pps, sc, idr}));

  // A non-keyframe with pts == dts: PTS only, no parameter sets, no random access.
  out.clear();
  const Bytes p_slice = bytes({0x41, 0x9A, 0x02});
  m.write_video(video(1033, 1033, false, cat({bytes({0, 0, 0, 3}), p_slice})), out);
  pes = pes_of(parse(out), video_pid);
  ASSERT_EQ(pes.size(), 1u);
  EXPECT_EQ(pes[0].pts, std::optional<std::uint64_t>(1033 * 90));
  EXPECT_FALSE(pes[0].dts);
  EXPECT_FALSE(pes[0].random_access);
  EXPECT_EQ(pes[0].payload, cat({aud, sc, p_slice}));
}

TEST(TsMuxer, AacFramesGetAdtsAndBoundedPes) {
  Muxer m;
  ASSERT_TRUE(m.set_codec(Streams::aac()));
  Bytes out;
  const Bytes raw(200, 0x21);
  m.write_audio(AudioSample::from_data(CodecId::aac, 23, raw), out);
  auto pes = pes_of(parse(out), audio_pid);
  ASSERT_EQ(pes.size(), 1u);
  EXPECT_EQ(pes[0].stream_id, 0xC0);
  EXPECT_EQ(pes[0].pts, std::optional<std::uint64_t>(23 * 90));
  EXPECT_FALSE(pes[0].dts);
  ASSERT_EQ(pes[0].payload.size(), raw.size() + 7);
  EXPECT_EQ(pes[0].payload[0], 0xFF);
  EXPECT_EQ(pes[0].payload[1], 0xF1);
  EXPECT_EQ(Bytes(pes[0].payload.begin() + 7, pes[0].payload.end()), raw);
  EXPECT_NE(pes[0].length_field, 0u);
}

TEST(TsMuxer, EveryPayloadSizeFillsWholePackets) {
  // Sizes around 1 and 2 bytes of stuffing and several packets long, audio and video.
  Streams st;
  Muxer m;
  ASSERT_TRUE(m.set_codec(st.avc()));
  ASSERT_TRUE(m.set_codec(Streams::mp3(3)));
  Bytes out;
  std::vector<Bytes> frames;
  for (std::size_t n = 1; n < 600; ++n) {
    Bytes f(n);
    for (std::size_t i = 0; i < n; ++i) f[i] = static_cast<std::uint8_t>(i * 7 + n);
    f[0] = 0x41;  // a slice, not an AUD (which the muxer would drop)
    frames.push_back(f);
    m.write_audio(AudioSample::from_data(CodecId::mp3, static_cast<std::int64_t>(n), f), out);
    Bytes v = bytes({0, 0, static_cast<int>(n >> 8), static_cast<int>(n & 0xFF)});
    v.insert(v.end(), f.begin(), f.end());
    m.write_video(video(static_cast<std::int64_t>(n), static_cast<std::int64_t>(n), false, v), out);
  }
  const auto packets = parse(out);
  const auto audio = pes_of(packets, audio_pid);
  const auto vid = pes_of(packets, video_pid);
  ASSERT_EQ(audio.size(), frames.size());
  ASSERT_EQ(vid.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(audio[i].payload, frames[i]) << "size " << frames[i].size();
    EXPECT_FALSE(audio[i].pcr) << "the video PID carries the PCR";
    EXPECT_TRUE(vid[i].pcr);
    EXPECT_EQ(vid[i].payload, cat({aud, sc, frames[i]}));
  }
}

TEST(TsMuxer, TimestampsWrapAt33Bits) {
  EXPECT_EQ(Muxer::to_90khz(0), 0u);
  EXPECT_EQ(Muxer::to_90khz(1000), 90000u);
  const std::int64_t wrap_ms = (std::int64_t{1} << 33) / 90;  // 95443717 ms, 26.5 hours
  EXPECT_EQ(Muxer::to_90khz(wrap_ms), std::uint64_t(wrap_ms) * 90);
  EXPECT_EQ(Muxer::to_90khz(wrap_ms + 1), std::uint64_t(wrap_ms + 1) * 90 - (1ull << 33));
  EXPECT_EQ(Muxer::to_90khz(-1), (1ull << 33) - 90);

  // All 33 bits set: every bit lands in its place around the marker bits.
  EXPECT_EQ(encode_timestamp(2, (1ull << 33) - 1),
            (std::array<std::uint8_t, 5>{0x2F, 0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(encode_timestamp(3, 0), (std::array<std::uint8_t, 5>{0x31, 0x00, 0x01, 0x00, 0x01}));
  // 0x1_2345_6789: bits 32..30 = 100, 29..15 = 0x2468 (15 bits), 14..0 = 0x6789.
  const std::uint64_t v = 0x123456789ull;
  const auto e = encode_timestamp(1, v);
  EXPECT_EQ(read_ts(e.data(), 1), v);

  Muxer m;
  ASSERT_TRUE(m.set_codec(Streams::aac()));
  Bytes out;
  m.write_audio(AudioSample::from_data(CodecId::aac, wrap_ms + 10, bytes({1, 2, 3})), out);
  auto pes = pes_of(parse(out), audio_pid);
  ASSERT_EQ(pes.size(), 1u);
  EXPECT_EQ(pes[0].pts, std::optional<std::uint64_t>(Muxer::to_90khz(wrap_ms + 10)));
  EXPECT_EQ(pes[0].pcr, pes[0].pts);
}

TEST(TsMuxer, ReplacedConfigIsUsedForTheNextKeyframe) {
  Streams st;
  Muxer m;
  ASSERT_TRUE(m.set_codec(st.avc()));
  Bytes out;
  m.write_tables(out);
  const std::uint8_t v1 = section_of(parse(out)[1]).version;
  Streams other;
  other.sps = bytes({0x67, 0x42, 0xC0, 0x1E});
  ASSERT_TRUE(m.set_codec(other.avc()));
  out.clear();
  m.write_tables(out);
  EXPECT_EQ(section_of(parse(out)[1]).version, v1) << "same stream type, same PMT";
  out.clear();
  m.write_video(video(0, 0, true, bytes({0, 0, 0, 1, 0x65})), out);
  auto pes = pes_of(parse(out), video_pid);
  ASSERT_EQ(pes.size(), 1u);
  EXPECT_EQ(pes[0].payload, cat({aud, sc, other.sps, sc, other.pps, sc, bytes({0x65})}));
}

TEST(TsMuxer, MismatchedAndMalformedFrames) {
  Streams st;
  Muxer m;
  Bytes out;
  m.write_video(video(0, 0, true, bytes({0, 0, 0, 1, 0x65})), out);
  m.write_audio(AudioSample::from_data(CodecId::aac, 0, bytes({1})), out);
  EXPECT_TRUE(out.empty()) << "no tracks yet";
  ASSERT_TRUE(m.set_codec(st.avc()));
  m.write_video(VideoSample::from_data(CodecId::h265, 0, 0, true, bytes({0, 0, 0, 1, 0x26})), out);
  EXPECT_TRUE(out.empty()) << "a sample of another codec";
  m.write_video(video(0, 0, false, bytes({0, 0, 0, 1, 0x41, 0, 0, 0, 50, 0x41})), out);
  EXPECT_EQ(m.malformed_frames(), 1u);
  auto pes = pes_of(parse(out), video_pid);
  ASSERT_EQ(pes.size(), 1u);
  EXPECT_EQ(pes[0].payload, cat({aud, sc, bytes({0x41})}));
}

// PCR values (90 kHz) on `pid`, in stream order: in PES packets and PCR-only packets.
std::vector<std::uint64_t> pcrs_of(const std::vector<Packet>& packets, std::uint16_t pid) {
  std::vector<std::uint64_t> out;
  for (const auto& k : packets)
    if (k.pid == pid && k.pcr) out.push_back(*k.pcr);
  return out;
}

TEST(TsMuxer, PcrRunsThroughAGapInTheVideo) {
  Streams st;
  Muxer m;
  ASSERT_TRUE(m.set_codec(st.avc()));
  ASSERT_TRUE(m.set_codec(Streams::aac()));
  Bytes out;
  m.write_tables(out);
  // Audio before the first video frame, then a keyframe at 0 ms, then 1 s of audio alone
  // (every 21 ms), then a frame at 1000 ms.
  m.write_audio(AudioSample::from_data(CodecId::aac, -40, bytes({1, 2})), out);
  m.write_video(video(0, 0, true, bytes({0, 0, 0, 1, 0x65})), out);
  for (std::int64_t t = 0; t < 1000; t += 21)
    m.write_audio(AudioSample::from_data(CodecId::aac, t, bytes({1, 2})), out);
  m.write_video(video(1000, 1000, false, bytes({0, 0, 0, 1, 0x41})), out);
  const auto packets = parse(out);
  const auto pcrs = pcrs_of(packets, video_pid);
  ASSERT_GE(pcrs.size(), 12u);
  EXPECT_EQ(pcrs.front(), Muxer::to_90khz(-40)) << "the clock starts with the first audio";
  for (std::size_t i = 2; i < pcrs.size(); ++i) {
    EXPECT_GT(pcrs[i], pcrs[i - 1]);
    EXPECT_LE(pcrs[i] - pcrs[i - 1], 100u * 90) << "PCR " << i;
  }
  EXPECT_TRUE(pcrs_of(packets, audio_pid).empty()) << "the PMT names the video PID";
  // The PCR-only packets did not disturb the video PES (pes_of checks the counters).
  const auto pes = pes_of(packets, video_pid);
  ASSERT_EQ(pes.size(), 2u);
  EXPECT_EQ(pes[1].pts, std::optional<std::uint64_t>(90000));
}

TEST(TsMuxer, SteadyStateAllocatesNothing) {
  // The caller reuses `out`; once it and the muxer's scratch buffers have grown, a segment's
  // tables, keyframe (with parameter sets), delta frame and audio frame allocate nothing.
  Streams st;
  Muxer m;
  ASSERT_TRUE(m.set_codec(st.avc()));
  ASSERT_TRUE(m.set_codec(Streams::aac()));
  const VideoSample key = video(0, 0, true, cat({bytes({0, 0, 0x10, 0}), Bytes(0x1000, 0x65)}));
  const VideoSample delta = video(40, 80, false, cat({bytes({0, 0, 0, 3}), Bytes(3, 0x41)}));
  const AudioSample audio = AudioSample::from_data(CodecId::aac, 20, Bytes(300, 1));
  Bytes out;
  auto segment = [&] {
    out.clear();
    m.write_tables(out);
    m.write_video(key, out);
    m.write_video(delta, out);
    m.write_audio(audio, out);
  };
  const std::size_t fresh = allocations;
  segment();
  EXPECT_GT(allocations, fresh) << "the counter sees the first segment's growth";
  const std::size_t grown = allocations;
  for (int i = 0; i < 10; ++i) segment();
  EXPECT_EQ(allocations, grown);
  EXPECT_EQ(pes_of(parse(out), video_pid).size(), 2u);
}

}  // namespace
}  // namespace rtmp::ts
