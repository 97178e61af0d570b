#include "rtmp/core/handshake.hpp"

#include "support/session_io.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

namespace rtmp {
namespace {

constexpr std::size_t kPacket = 1536;
using Digest = std::array<std::uint8_t, 32>;

// Keys written out independently of the implementation (Flash Player / FMS keys as
// published in FFmpeg rtmpproto.c and librtmp handshake.h).
Bytes key(const std::string& name) {
  static const std::uint8_t tail[] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8,
                                      0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
                                      0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB,
                                      0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};
  Bytes k(name.begin(), name.end());
  k.insert(k.end(), std::begin(tail), std::end(tail));
  return k;
}
const Bytes kFpFull = key("Genuine Adobe Flash Player 001");
const Bytes kFmsFull = key("Genuine Adobe Flash Media Server 001");
const Bytes kFpName(kFpFull.begin(), kFpFull.begin() + 30);
const Bytes kFmsName(kFmsFull.begin(), kFmsFull.begin() + 36);

// HMAC-SHA256 through OpenSSL's EVP_MAC interface (the implementation uses HMAC()), over
// the concatenation of `parts`.
Digest hmac(ByteView k, std::initializer_list<ByteView> parts) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char sha256[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0),
                         OSSL_PARAM_construct_end()};
  EXPECT_EQ(EVP_MAC_init(ctx, k.data(), k.size(), params), 1);
  for (auto p : parts) EXPECT_EQ(EVP_MAC_update(ctx, p.data(), p.size()), 1);
  Digest d{};
  std::size_t len = 0;
  EXPECT_EQ(EVP_MAC_final(ctx, d.data(), &len, d.size()), 1);
  EXPECT_EQ(len, 32u);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return d;
}

// Digest offset: scheme 0 sums bytes 772-775 (+776), scheme 1 sums bytes 8-11 (+12).
std::size_t digest_pos(ByteView p, int scheme) {
  const std::size_t b = scheme == 0 ? 772 : 8;
  return (p[b] + p[b + 1] + p[b + 2] + p[b + 3]) % 728 + b + 4;
}
// HMAC over the packet around its digest.
Digest around(ByteView p, std::size_t pos, ByteView k) {
  return hmac(k, {p.first(pos), p.subspan(pos + 32)});
}
bool digest_ok(ByteView p, int scheme, ByteView k) {
  const auto pos = digest_pos(p, scheme);
  const Digest d = around(p, pos, k);
  return std::equal(d.begin(), d.end(), p.begin() + static_cast<std::ptrdiff_t>(pos));
}
// Last 32 bytes of a digest C2/S2 = HMAC(HMAC(full key, peer digest), first 1504 bytes).
bool tail_ok(ByteView p, ByteView full_key, ByteView peer_digest) {
  const Digest k = hmac(full_key, {peer_digest});
  const Digest d = hmac(k, {p.first(kPacket - 32)});
  return std::equal(d.begin(), d.end(), p.end() - 32);
}

using test::counting_random;
// A little LCG for "peer" bytes built by hand.
void lcg_fill(std::span<std::uint8_t> out, std::uint32_t seed) {
  for (auto& b : out) {
    seed = seed * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(seed >> 24);
  }
}
void put32(std::span<std::uint8_t> p, std::size_t at, std::uint32_t v) {
  p[at] = static_cast<std::uint8_t>(v >> 24);
  p[at + 1] = static_cast<std::uint8_t>(v >> 16);
  p[at + 2] = static_cast<std::uint8_t>(v >> 8);
  p[at + 3] = static_cast<std::uint8_t>(v);
}

// C0+C1 the way FFmpeg's rtmp_handshake builds it: type 3, uptime 0, a player version,
// random, and a Flash Player digest placed by `scheme`.
Bytes ffmpeg_c0c1(std::uint32_t version = 0x09007C02, int scheme = 1, std::uint32_t seed = 7) {
  Bytes b(1 + kPacket);
  b[0] = 3;
  std::span<std::uint8_t> c1(b.data() + 1, kPacket);
  put32(c1, 0, 0);
  put32(c1, 4, version);
  lcg_fill(c1.subspan(8), seed);
  const auto pos = digest_pos(c1, scheme);
  const Digest d = around(c1, pos, kFpName);
  std::copy(d.begin(), d.end(), c1.begin() + static_cast<std::ptrdiff_t>(pos));
  return b;
}

Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
using test::drain_handshake;

// Feeds `data` in pieces ending at `cuts` (ascending, inside data); every piece must be
// taken whole since no piece extends past the handshake.
template <class Hs>
void feed_pieces(Hs& hs, ByteView data, const std::vector<std::size_t>& cuts) {
  std::size_t at = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t end = i < cuts.size() ? cuts[i] : data.size();
    auto r = hs.feed(data.subspan(at, end - at));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    ASSERT_EQ(*r, end - at) << "piece ending at " << end;
    at = end;
  }
}

// How each of the three flights (C0C1, S0S1S2, C2) is cut when fed.
struct Cuts {
  std::vector<std::size_t> c0c1, s0s1s2, c2;
};
struct Transcript {
  Bytes c0c1, s0s1s2, c2;
  bool digest = false;
  int scheme = -1;
  bool server_digest = false;
  bool c2_matched = false;
  bool s2_matched = false;
  bool server_done = false;
  bool client_done = false;
  friend bool operator==(const Transcript&, const Transcript&) = default;
};

enum class Mode { simple, scheme0, scheme1 };
ClientHandshake make_client(Mode m) {
  return ClientHandshake(counting_random(100), m != Mode::simple, 0x0A0B0C0D,
                         m == Mode::scheme0 ? 0 : 1);
}

Transcript run(Mode m, const Cuts& cuts = {}) {
  Transcript t;
  ServerHandshake server(counting_random(1), 0x01020304);
  ClientHandshake client = make_client(m);
  t.c0c1 = drain_handshake(client);
  EXPECT_TRUE(server.output().empty());
  feed_pieces(server, t.c0c1, cuts.c0c1);
  t.s0s1s2 = drain_handshake(server);
  EXPECT_FALSE(server.done());
  EXPECT_TRUE(client.output().empty());
  feed_pieces(client, t.s0s1s2, cuts.s0s1s2);
  t.c2 = drain_handshake(client);
  feed_pieces(server, t.c2, cuts.c2);
  t.digest = server.digest();
  t.scheme = server.scheme();
  t.server_digest = client.server_digest();
  t.c2_matched = server.c2_matched();
  t.s2_matched = client.s2_matched();
  t.server_done = server.done();
  t.client_done = client.done();
  return t;
}

class HandshakeModes : public ::testing::TestWithParam<Mode> {};

TEST_P(HandshakeModes, WholeFlightsCompleteWithExpectedFlavour) {
  const Mode m = GetParam();
  const Transcript t = run(m);
  EXPECT_EQ(t.c0c1.size(), 1537u);
  EXPECT_EQ(t.s0s1s2.size(), 3073u);
  EXPECT_EQ(t.c2.size(), 1536u);
  EXPECT_TRUE(t.server_done);
  EXPECT_TRUE(t.client_done);
  EXPECT_TRUE(t.c2_matched);
  EXPECT_TRUE(t.s2_matched);
  EXPECT_EQ(t.digest, m != Mode::simple);
  EXPECT_EQ(t.server_digest, m != Mode::simple);
  EXPECT_EQ(t.scheme, m == Mode::simple ? -1 : m == Mode::scheme0 ? 0 : 1);

  const ByteView c1 = ByteView(t.c0c1).subspan(1);
  const ByteView s1 = ByteView(t.s0s1s2).subspan(1, kPacket);
  const ByteView s2 = ByteView(t.s0s1s2).subspan(1 + kPacket);
  if (m == Mode::simple) {
    // C2 echoes S1 byte for byte; S2 echoes C1 with time2 = the server's epoch.
    EXPECT_EQ(t.c2, Bytes(s1.begin(), s1.end()));
    Bytes expect_s2(c1.begin(), c1.end());
    put32(expect_s2, 4, 0x01020304);
    EXPECT_EQ(Bytes(s2.begin(), s2.end()), expect_s2);
  } else {
    const int scheme = m == Mode::scheme0 ? 0 : 1;
    EXPECT_TRUE(digest_ok(c1, scheme, kFpName));
    EXPECT_TRUE(digest_ok(s1, scheme, kFmsName));
    EXPECT_FALSE(digest_ok(s1, 1 - scheme, kFmsName));
    EXPECT_TRUE(tail_ok(s2, kFmsFull, c1.subspan(digest_pos(c1, scheme), 32)));
    EXPECT_TRUE(tail_ok(t.c2, kFpFull, s1.subspan(digest_pos(s1, scheme), 32)));
  }
}

TEST_P(HandshakeModes, SplitAtEveryOffsetGivesSameBytes) {
  const Transcript whole = run(GetParam());
  for (std::size_t cut = 1; cut < whole.c0c1.size(); ++cut)
    ASSERT_EQ(run(GetParam(), {{cut}, {}, {}}), whole) << "C0C1 split at " << cut;
  for (std::size_t cut = 1; cut < whole.s0s1s2.size(); ++cut)
    ASSERT_EQ(run(GetParam(), {{}, {cut}, {}}), whole) << "S0S1S2 split at " << cut;
  for (std::size_t cut = 1; cut < whole.c2.size(); ++cut)
    ASSERT_EQ(run(GetParam(), {{}, {}, {cut}}), whole) << "C2 split at " << cut;
}

std::vector<std::size_t> every_byte(std::size_t n) {
  std::vector<std::size_t> v;
  for (std::size_t i = 1; i < n; ++i) v.push_back(i);
  return v;
}

TEST_P(HandshakeModes, ByteByByteGivesSameBytes) {
  const Transcript whole = run(GetParam());
  const Transcript bytes = run(GetParam(), {every_byte(1537), every_byte(3073), every_byte(1536)});
  EXPECT_EQ(bytes, whole);
}

INSTANTIATE_TEST_SUITE_P(Handshake, HandshakeModes,
                         ::testing::Values(Mode::simple, Mode::scheme0, Mode::scheme1),
                         [](const auto& info) {
                           switch (info.param) {
                             case Mode::simple:
                               return std::string("Simple");
                             case Mode::scheme0:
                               return std::string("DigestScheme0");
                             case Mode::scheme1:
                               return std::string("DigestScheme1");
                           }
                           return std::string();
                         });

// --- Byte-exact server vectors --------------------------------------------------------

TEST(HandshakeServer, SimpleS0S1S2Layout) {
  ServerHandshake hs(counting_random(0), 0xA1B2C3D4);
  Bytes c0c1(1 + kPacket);
  c0c1[0] = 3;
  lcg_fill(std::span(c0c1).subspan(9), 3);  // time 5, version field 0
  put32(std::span(c0c1).subspan(1), 0, 5);
  ASSERT_EQ(*hs.feed(c0c1), c0c1.size());
  const Bytes out = drain_handshake(hs);
  ASSERT_EQ(out.size(), 3073u);
  EXPECT_EQ(out[0], 3);
  // S1: time = epoch, zero, then the random source verbatim.
  Bytes s1(kPacket);
  put32(s1, 0, 0xA1B2C3D4);
  for (std::size_t i = 8; i < kPacket; ++i) s1[i] = static_cast<std::uint8_t>(i - 8);
  EXPECT_TRUE(std::equal(s1.begin(), s1.end(), out.begin() + 1));
  // S2: C1 with time2 = epoch.
  Bytes s2(c0c1.begin() + 1, c0c1.end());
  put32(s2, 4, 0xA1B2C3D4);
  EXPECT_TRUE(std::equal(s2.begin(), s2.end(), out.begin() + 1 + kPacket));
  EXPECT_FALSE(hs.digest());
  EXPECT_EQ(hs.scheme(), -1);
}

TEST(HandshakeServer, DigestS0S1S2LayoutAndSignatures) {
  for (int scheme : {0, 1}) {
    SCOPED_TRACE(scheme);
    const Bytes c0c1 = ffmpeg_c0c1(0x09007C02, scheme);
    const ByteView c1 = ByteView(c0c1).subspan(1);
    ServerHandshake hs(counting_random(0), 0x00001000);
    ASSERT_EQ(*hs.feed(c0c1), c0c1.size());
    EXPECT_TRUE(hs.digest());
    EXPECT_EQ(hs.scheme(), scheme);
    const Bytes out = drain_handshake(hs);
    ASSERT_EQ(out.size(), 3073u);
    EXPECT_EQ(out[0], 3);
    const ByteView s1 = ByteView(out).subspan(1, kPacket);
    const ByteView s2 = ByteView(out).subspan(1 + kPacket);
    // time, FMS version (first byte >= 3 so FFmpeg checks the digest), then random.
    const Bytes head = {0x00, 0x00, 0x10, 0x00, 3, 5, 1, 1};
    EXPECT_TRUE(std::equal(head.begin(), head.end(), s1.begin()));
    const std::size_t pos = digest_pos(s1, scheme);
    for (std::size_t i = 8; i < kPacket; ++i) {
      if (i >= pos && i < pos + 32) continue;
      ASSERT_EQ(s1[i], static_cast<std::uint8_t>(i - 8)) << "S1 byte " << i;
    }
    // The digest, recomputed here over the bytes around it with the 36-byte FMS key.
    const Digest d = around(s1, pos, kFmsName);
    EXPECT_TRUE(std::equal(d.begin(), d.end(), s1.begin() + static_cast<std::ptrdiff_t>(pos)));
    // S2: 1504 random bytes (the source continues after S1), then the signature.
    for (std::size_t i = 0; i < kPacket - 32; ++i)
      ASSERT_EQ(s2[i], static_cast<std::uint8_t>(1528 + i)) << "S2 byte " << i;
    EXPECT_TRUE(tail_ok(s2, kFmsFull, c1.subspan(digest_pos(c1, scheme), 32)));
  }
}

// --- What the server accepts -----------------------------------------------------------

TEST(HandshakeServer, FfmpegStyleC1IsDetectedAsDigest) {
  for (std::uint32_t version : {0x09007C02u, 0x80000702u}) {
    ServerHandshake hs(counting_random());
    ASSERT_EQ(*hs.feed(ffmpeg_c0c1(version, 1)), 1537u);
    EXPECT_TRUE(hs.digest()) << std::hex << version;
    EXPECT_EQ(hs.scheme(), 1);
  }
}

TEST(HandshakeServer, WrongDigestIsAnsweredSimple) {
  Bytes c0c1 = ffmpeg_c0c1();
  c0c1[1 + digest_pos(ByteView(c0c1).subspan(1), 1)] ^= 0x01;
  ServerHandshake hs(counting_random(), 77);
  ASSERT_EQ(*hs.feed(c0c1), 1537u);
  EXPECT_FALSE(hs.digest());
  EXPECT_EQ(hs.scheme(), -1);
  const Bytes out = drain_handshake(hs);
  EXPECT_EQ(Bytes(out.begin() + 5, out.begin() + 9), Bytes(4, 0));  // S1 zero field
  Bytes s2(c0c1.begin() + 1, c0c1.end());
  put32(s2, 4, 77);
  EXPECT_TRUE(std::equal(s2.begin(), s2.end(), out.begin() + 1 + kPacket));
}

TEST(HandshakeServer, ZeroVersionFieldIsSimpleEvenWithValidDigest) {
  // Spec 5.2.3: bytes 4-7 of a simple C1 are zero; such a client gets a simple answer.
  ServerHandshake hs(counting_random());
  ASSERT_EQ(*hs.feed(ffmpeg_c0c1(0, 1)), 1537u);
  EXPECT_FALSE(hs.digest());
}

TEST(HandshakeServer, RtmpeAndOtherVersionsFail) {
  for (std::uint8_t v : {6, 8, 9}) {
    ServerHandshake hs(counting_random());
    const Bytes in = {v, 0, 0, 0};
    auto r = hs.feed(in);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::handshake_failed);
    EXPECT_NE(r.error().detail.find("encryption is not supported"), std::string::npos)
        << r.error().detail;
    EXPECT_TRUE(hs.output().empty());
  }
  for (int v : {0, 1, 2, 4, int{'G'}}) {
    ServerHandshake hs(counting_random());
    const Bytes in = {static_cast<std::uint8_t>(v)};
    auto r = hs.feed(in);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::handshake_failed);
    EXPECT_NE(r.error().detail.find("C0 version"), std::string::npos) << r.error().detail;
    // The error is sticky.
    const Bytes more = {3};
    EXPECT_EQ(hs.feed(more).error().code, errc::handshake_failed);
  }
}

TEST(HandshakeServer, ExtraBytesAfterC2AreLeftUnconsumed) {
  ServerHandshake hs(counting_random());
  Bytes c2(kPacket, 0xEE);  // garbage C2 is accepted
  const Bytes chunk_stream = {0x02, 0x00, 0x00, 0x00, 0x00};
  const Bytes all = concat({ffmpeg_c0c1(), c2, chunk_stream});
  auto r = hs.feed(all);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 1537u + kPacket);
  EXPECT_TRUE(hs.done());
  EXPECT_FALSE(hs.c2_matched());
  EXPECT_EQ(drain_handshake(hs).size(), 3073u);
  // Once done, nothing more is taken.
  EXPECT_EQ(*hs.feed(chunk_stream), 0u);
}

TEST(HandshakeServer, TruncatedInputWaits) {
  ServerHandshake hs(counting_random());
  const Bytes c0c1 = ffmpeg_c0c1();
  ASSERT_EQ(*hs.feed(ByteView(c0c1).first(1000)), 1000u);
  EXPECT_TRUE(hs.output().empty());
  EXPECT_FALSE(hs.done());
  ASSERT_EQ(*hs.feed(ByteView{}), 0u);
  ASSERT_EQ(*hs.feed(ByteView(c0c1).subspan(1000)), 537u);
  EXPECT_EQ(hs.output().size(), 3073u);
}

TEST(HandshakeServer, C2EchoOfS1MatchesAfterDigestC1) {
  // FFmpeg publishing sends a digest C1 but echoes S1 as C2.
  ServerHandshake hs(counting_random());
  ASSERT_EQ(*hs.feed(ffmpeg_c0c1()), 1537u);
  const Bytes out = drain_handshake(hs);
  ASSERT_EQ(*hs.feed(ByteView(out).subspan(1, kPacket)), kPacket);
  EXPECT_TRUE(hs.done());
  EXPECT_TRUE(hs.c2_matched());
}

TEST(HandshakeServer, ConsumeOutputInParts) {
  ServerHandshake hs(counting_random());
  ASSERT_EQ(*hs.feed(ffmpeg_c0c1()), 1537u);
  const Bytes all(hs.output().begin(), hs.output().end());
  hs.consume_output(1000);
  ASSERT_EQ(hs.output().size(), 2073u);
  EXPECT_TRUE(std::equal(hs.output().begin(), hs.output().end(), all.begin() + 1000));
  hs.consume_output(99999);  // clamped
  EXPECT_TRUE(hs.output().empty());
}

// --- Client ------------------------------------------------------------------------------

TEST(HandshakeClient, DigestC0C1Layout) {
  ClientHandshake hs(counting_random(0), true, 0x11223344);
  const Bytes out = drain_handshake(hs);
  ASSERT_EQ(out.size(), 1537u);
  EXPECT_EQ(out[0], 3);
  const ByteView c1 = ByteView(out).subspan(1);
  const Bytes head = {0x11, 0x22, 0x33, 0x44, 9, 0, 124, 2};
  EXPECT_TRUE(std::equal(head.begin(), head.end(), c1.begin()));
  const std::size_t pos = digest_pos(c1, 1);
  EXPECT_EQ(pos, (0u + 1 + 2 + 3) % 728 + 12);  // counting bytes 0.. start at offset 8
  EXPECT_TRUE(digest_ok(c1, 1, kFpName));
  for (std::size_t i = 8; i < kPacket; ++i)
    if (i < pos || i >= pos + 32) {
      ASSERT_EQ(c1[i], static_cast<std::uint8_t>(i - 8));
    }
}

TEST(HandshakeClient, SimpleC0C1Layout) {
  ClientHandshake hs(counting_random(0), false, 9);
  const Bytes out = drain_handshake(hs);
  ASSERT_EQ(out.size(), 1537u);
  const Bytes head = {3, 0, 0, 0, 9, 0, 0, 0, 0};
  EXPECT_TRUE(std::equal(head.begin(), head.end(), out.begin()));
  for (std::size_t i = 9; i < out.size(); ++i) ASSERT_EQ(out[i], static_cast<std::uint8_t>(i - 9));
}

TEST(HandshakeClient, SimpleServerGetsS1Echo) {
  // A simple server (FFmpeg's listen mode): S1 without digest, S2 echoing C1.
  ClientHandshake hs(counting_random(), true);
  const Bytes c0c1 = drain_handshake(hs);
  Bytes s1(kPacket);
  lcg_fill(s1, 42);
  put32(s1, 4, 0);
  const Bytes s2(c0c1.begin() + 1, c0c1.end());
  const Bytes extra = {0xC3, 0x01};
  const Bytes in = concat({Bytes{3}, s1, s2, extra});
  auto r = hs.feed(in);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 3073u);
  EXPECT_TRUE(hs.done());
  EXPECT_FALSE(hs.server_digest());
  EXPECT_TRUE(hs.s2_matched());
  EXPECT_EQ(drain_handshake(hs), s1);
  EXPECT_EQ(*hs.feed(extra), 0u);
}

TEST(HandshakeClient, C2IsQueuedAfterS1BeforeS2) {
  ClientHandshake hs(counting_random(), false);
  drain_handshake(hs);
  Bytes s0s1(1 + kPacket);
  s0s1[0] = 3;
  ASSERT_EQ(*hs.feed(s0s1), s0s1.size());
  EXPECT_EQ(hs.output().size(), kPacket);
  EXPECT_FALSE(hs.done());
}

TEST(HandshakeClient, BadS0Fails) {
  for (std::uint8_t v : {6, 4}) {
    ClientHandshake hs(counting_random());
    const Bytes in = {v};
    auto r = hs.feed(in);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::handshake_failed);
    EXPECT_NE(r.error().detail.find("S0"), std::string::npos);
  }
}

TEST(HandshakeClient, GarbageS2IsRecordedNotFatal) {
  ServerHandshake server(counting_random());
  ClientHandshake client(counting_random(50));
  ASSERT_EQ(*server.feed(drain_handshake(client)), 1537u);
  Bytes s = drain_handshake(server);
  s.back() ^= 0xFF;  // break the S2 signature
  ASSERT_EQ(*client.feed(s), 3073u);
  EXPECT_TRUE(client.done());
  EXPECT_TRUE(client.server_digest());
  EXPECT_FALSE(client.s2_matched());
}

TEST(Handshake, EmptyRandomSourceUsesSystemRandom) {
  ServerHandshake a{RandomSource{}};
  ServerHandshake b{RandomSource{}};
  const Bytes c0c1 = ffmpeg_c0c1();
  ASSERT_TRUE(a.feed(c0c1).has_value());
  ASSERT_TRUE(b.feed(c0c1).has_value());
  EXPECT_FALSE(std::equal(a.output().begin(), a.output().end(), b.output().begin()));
}

TEST(Handshake, SystemRandomFills) {
  auto r = system_random();
  Bytes a(64, 0), b(64, 0);
  r(a);
  r(b);
  EXPECT_NE(a, Bytes(64, 0));
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace rtmp
