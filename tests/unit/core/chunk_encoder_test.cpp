#include "rtmp/core/chunk.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "rtmp/core/control.hpp"
#include "support/bytes.hpp"
#include "support/wire_builder.hpp"

namespace rtmp {
namespace {

using test::WireBuilder;

using test::pattern;
Message make(std::uint32_t csid, std::uint8_t type, std::uint32_t ts, std::uint32_t sid,
             Bytes payload) {
  return Message{csid, type, ts, sid, make_shared_bytes(std::move(payload))};
}
Bytes encode(ChunkEncoder& enc, const Message& m) {
  Bytes out;
  enc.encode(m, out);
  return out;
}

// Decodes everything, in pieces of varying size to exercise resumption too.
std::vector<Message> decode(ByteView wire, std::mt19937* rng = nullptr) {
  ChunkDecoder dec;
  std::vector<Message> out;
  while (!wire.empty()) {
    std::size_t piece = rng ? 1 + (*rng)() % 5000 : wire.size();
    ByteView part = wire.first(std::min(piece, wire.size()));
    wire = wire.subspan(part.size());
    while (!part.empty()) {
      auto s = dec.decode(part);
      EXPECT_TRUE(s) << s.error().message();
      if (!s) return out;
      part = part.subspan(s->consumed);
      if (s->message) out.push_back(std::move(*s->message));
    }
  }
  return out;
}

// --- Spec examples (§5.3.2), byte for byte ---

TEST(ChunkEncoder, SpecExample1AudioType0Then2Then3) {
  const Bytes a = pattern(32, 1);
  Bytes expected = {0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x20, 0x08, 0x39, 0x30, 0x00, 0x00};
  expected.insert(expected.end(), a.begin(), a.end());
  expected.insert(expected.end(), {0x83, 0x00, 0x00, 0x14});
  expected.insert(expected.end(), a.begin(), a.end());
  for (int i = 0; i < 2; ++i) {
    expected.push_back(0xC3);
    expected.insert(expected.end(), a.begin(), a.end());
  }
  ChunkEncoder enc;
  Bytes out;
  for (std::uint32_t ts : {1000u, 1020u, 1040u, 1060u}) enc.encode(make(3, 8, ts, 12345, a), out);
  EXPECT_EQ(out, expected);
}

TEST(ChunkEncoder, SpecExample2MessageSplitIntoChunks) {
  const Bytes v = pattern(307, 9);
  Bytes expected = {0x04, 0x00, 0x03, 0xE8, 0x00, 0x01, 0x33, 0x09, 0x3A, 0x30, 0x00, 0x00};
  expected.insert(expected.end(), v.begin(), v.begin() + 128);
  expected.push_back(0xC4);
  expected.insert(expected.end(), v.begin() + 128, v.begin() + 256);
  expected.push_back(0xC4);
  expected.insert(expected.end(), v.begin() + 256, v.end());
  ChunkEncoder enc;
  EXPECT_EQ(encode(enc, make(4, 9, 1000, 12346, v)), expected);
}

// --- Header compression (§5.3.1.2) ---

TEST(ChunkEncoder, HeaderTypeSelection) {
  ChunkEncoder enc;
  struct Case {
    std::uint32_t ts;
    std::size_t len;
    std::uint8_t type;
    std::uint32_t sid;
    std::uint8_t fmt;
  };
  const Case cases[] = {
      {1000, 10, 8, 1, 0},  // first on the csid
      {1020, 10, 8, 1, 2},  // a type 3 after a type 0 would imply delta 1000: send the delta
      {1040, 10, 8, 1, 3},  // same delta, length, type
      {1060, 10, 8, 1, 3},  //
      {1090, 10, 8, 1, 2},  // delta changed
      {1120, 11, 8, 1, 1},  // length changed
      {1150, 11, 9, 1, 1},  // type changed
      {1180, 11, 9, 1, 3},  //
      {1100, 11, 9, 1, 0},  // timestamp went back
      {1130, 11, 9, 2, 0},  // stream id changed
      {1130, 11, 9, 2, 2},  // delta 0
      {1130, 11, 9, 2, 3},  //
  };
  for (const auto& c : cases) {
    auto out = encode(enc, make(4, c.type, c.ts, c.sid, pattern(c.len)));
    EXPECT_EQ(out[0] >> 6, c.fmt) << "ts " << c.ts;
    EXPECT_EQ(out[0] & 0x3F, 4);
    constexpr std::size_t kMessageHeader[4] = {11, 7, 3, 0};
    const std::size_t header = 1 + kMessageHeader[c.fmt];
    EXPECT_EQ(out.size(), header + c.len) << "ts " << c.ts;
  }
}

TEST(ChunkEncoder, ChunkStreamsCompressIndependently) {
  ChunkEncoder enc;
  EXPECT_EQ(encode(enc, make(4, 8, 0, 1, pattern(5)))[0], 0x04);
  EXPECT_EQ(encode(enc, make(6, 9, 0, 1, pattern(5)))[0], 0x06);
  EXPECT_EQ(encode(enc, make(4, 8, 20, 1, pattern(5)))[0], 0x84);
  EXPECT_EQ(encode(enc, make(6, 9, 40, 1, pattern(5)))[0], 0x86);
}

TEST(ChunkEncoder, BasicHeaderShortestForms) {
  struct Case {
    std::uint32_t csid;
    Bytes basic;
  };
  const Case cases[] = {{2, {0x02}},
                        {63, {0x3F}},
                        {64, {0x00, 0x00}},
                        {319, {0x00, 0xFF}},
                        {320, {0x01, 0x00, 0x01}},
                        {4724, {0x01, 0x34, 0x12}},
                        {65599, {0x01, 0xFF, 0xFF}}};
  for (const auto& c : cases) {
    ChunkEncoder enc(2);
    auto out = encode(enc, make(c.csid, 8, 0, 1, pattern(3)));
    // First chunk: type 0 basic header; second chunk: the same id with fmt 3.
    ASSERT_EQ(out.size(), 2 * c.basic.size() + 11 + 3) << c.csid;
    EXPECT_TRUE(std::equal(c.basic.begin(), c.basic.end(), out.begin())) << c.csid;
    const std::size_t cont = c.basic.size() + 11 + 2;
    EXPECT_EQ(out[cont], c.basic[0] | 0xC0) << c.csid;
    EXPECT_TRUE(std::equal(c.basic.begin() + 1, c.basic.end(), out.begin() + cont + 1));
    Bytes wire;
    ChunkEncoder{}.encode(control::set_chunk_size(2), wire);
    wire.insert(wire.end(), out.begin(), out.end());
    EXPECT_EQ(decode(wire), (std::vector<Message>{control::set_chunk_size(2),
                                                  make(c.csid, 8, 0, 1, pattern(3))}));
  }
}

// --- Extended timestamps (§5.3.1.3) ---

TEST(ChunkEncoder, ExtendedTimestampType0RepeatedOnContinuations) {
  const Bytes p = pattern(300);
  ChunkEncoder enc;
  EXPECT_EQ(encode(enc, make(6, 9, 0xFFFFFF, 1, p)),
            WireBuilder{}.message(0, 6, 0xFFFFFF, 9, 1, p).take());
  ChunkEncoder enc2;
  EXPECT_EQ(encode(enc2, make(6, 9, 0x89ABCDEF, 1, p)),
            WireBuilder{}.message(0, 6, 0x89ABCDEF, 9, 1, p).take());
  // Just below the marker: 24-bit field, no extended bytes.
  ChunkEncoder enc3;
  EXPECT_EQ(encode(enc3, make(6, 9, 0xFFFFFE, 1, p)).size(), 12u + 300 + 2);
}

TEST(ChunkEncoder, ExtendedDeltaRepeatedOnType3) {
  const Bytes p = pattern(200);
  ChunkEncoder enc;
  Bytes out;
  enc.encode(make(6, 9, 1000, 1, p), out);
  enc.encode(make(6, 9, 1000 + 0x1000000, 1, p), out);  // type 2, extended delta
  enc.encode(make(6, 9, 1000 + 0x2000000, 1, p), out);  // type 3, extended delta repeated
  enc.encode(make(6, 9, 1040 + 0x2000000, 1, p), out);  // type 2, 24-bit delta again
  enc.encode(make(6, 9, 1080 + 0x2000000, 1, p), out);  // type 3, no extended bytes
  const Bytes expected = WireBuilder{}
                             .message(0, 6, 1000, 9, 1, p)
                             .message(2, 6, 0x1000000, 0, 0, p)
                             .message(3, 6, 0x1000000, 0, 0, p, true)
                             .message(2, 6, 40, 0, 0, p)
                             .message(3, 6, 40, 0, 0, p)
                             .take();
  EXPECT_EQ(out, expected);
  EXPECT_EQ(decode(out).back().timestamp, 1080u + 0x2000000);
}

TEST(ChunkEncoder, TimestampWrapUsesType0) {
  ChunkEncoder enc;
  Bytes out;
  enc.encode(make(6, 9, 0xFFFFFFF0, 1, pattern(4)), out);
  const std::size_t first = out.size();
  enc.encode(make(6, 9, 0x10, 1, pattern(4)), out);  // went "back": type 0, absolute
  EXPECT_EQ(out[first] >> 6, 0);
  auto msgs = decode(out);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].timestamp, 0x10u);
}

TEST(ChunkEncoder, ZeroLengthMessageIsHeaderOnly) {
  ChunkEncoder enc;
  Message m{5, msg::data_amf0, 7, 1, nullptr};
  EXPECT_EQ(encode(enc, m), (Bytes{0x05, 0, 0, 7, 0, 0, 0, 18, 1, 0, 0, 0}));
  m.timestamp = 9;
  EXPECT_EQ(encode(enc, m), (Bytes{0x85, 0, 0, 2}));
}

TEST(ChunkEncoder, ChunkSizeSetAndClamped) {
  ChunkEncoder enc;
  EXPECT_EQ(enc.chunk_size(), 128u);
  enc.set_chunk_size(4096);
  EXPECT_EQ(enc.chunk_size(), 4096u);
  enc.set_chunk_size(0);
  EXPECT_EQ(enc.chunk_size(), 1u);
  enc.set_chunk_size(0x80000000);
  EXPECT_EQ(enc.chunk_size(), 0x7FFFFFFFu);
  EXPECT_EQ(ChunkEncoder(0).chunk_size(), 1u);
}

std::size_t heap_in_use() {
  const auto mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

TEST(ChunkEncoder, EncodeAllocatesOnlyForOutputGrowth) {
  ChunkEncoder enc(4096);
  Message m = make(6, 9, 0, 1, pattern(100000));
  Bytes out;
  out.reserve(4 << 20);
  enc.encode(m, out);
  const auto* data = out.data();
  const std::size_t before = heap_in_use();
  for (int i = 0; i < 20; ++i) {
    m.timestamp += 33;
    enc.encode(m, out);
    ChunkEncoder::encode_standalone(m, 4096, out);
  }
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(heap_in_use(), before);
}

// --- Round trips ---

struct Gen {
  explicit Gen(std::uint32_t seed, std::size_t max_len) : rng(seed), max_len(max_len) {}
  std::mt19937 rng;
  std::size_t max_len;
  struct State {
    std::uint32_t ts = 0, delta = 0, sid = 1;
    std::size_t len = 0;
    std::uint8_t type = 8;
  };
  std::map<std::uint32_t, State> state;

  std::uint32_t pick(std::initializer_list<std::uint32_t> v) {
    return *(v.begin() + rng() % v.size());
  }
  std::size_t length() {
    // Mostly small, sometimes up to max_len.
    return rng() % 4 == 0 ? rng() % (max_len + 1) : rng() % std::min<std::size_t>(300, max_len + 1);
  }
  Message next() {
    const std::uint32_t csid = pick({3, 4, 5, 6, 8, 63, 64, 100, 319, 320, 4724, 65599});
    auto [it, fresh] = state.try_emplace(csid);
    State& s = it->second;
    if (fresh) {
      s.ts = rng() % 3 == 0 ? 0xFFFFFF + rng() % 100 : rng() % 100000;
      s.len = length();
      s.type = static_cast<std::uint8_t>(pick({8, 9, 15, 18, 20}));
      s.sid = pick({0, 1, 7});
      s.delta = rng() % 50;
    } else {
      switch (rng() % 12) {
        case 0:
          s.delta = rng() % 100;
          break;
        case 1:
          s.len = length();
          break;
        case 2:
          s.type = static_cast<std::uint8_t>(pick({8, 9, 15, 18, 20}));
          break;
        case 3:
          s.ts -= rng() % 5000;
          break;  // backwards
        case 4:
          s.delta = 0xFFFFFF + rng() % 0x1000000;
          break;  // extended delta
        case 5:
          s.ts = 0xFFFFFFFF - rng() % 200;
          break;  // about to wrap
        case 6:
          s.sid = pick({0, 1, 7});
          break;
        case 7:
          s.len = 0;
          break;
        default:
          break;  // repeat: a type 3 candidate
      }
      s.ts += s.delta;
    }
    Bytes p(s.len);
    for (auto& b : p) b = static_cast<std::uint8_t>(rng());
    return make(csid, s.type, s.ts, s.sid, std::move(p));
  }
};

class ChunkRoundTrip : public testing::TestWithParam<std::uint32_t> {};

TEST_P(ChunkRoundTrip, RandomizedSequencesDecodeIdentically) {
  const std::uint32_t chunk_size = GetParam();
  for (std::uint32_t seed = 1; seed <= 4; ++seed) {
    Gen gen(seed * 7919 + chunk_size, chunk_size >= 4096 ? 100000 : 2000);
    ChunkEncoder enc;
    Bytes wire;
    std::vector<Message> expected;
    auto send = [&](const Message& m) {
      enc.encode(m, wire);
      expected.push_back(m);
    };
    send(control::set_chunk_size(chunk_size));
    enc.set_chunk_size(chunk_size);
    for (int i = 0; i < 300; ++i) {
      if (i == 150) {  // a chunk size change mid-stream, and back
        send(control::set_chunk_size(chunk_size * 2 + 1));
        enc.set_chunk_size(chunk_size * 2 + 1);
      } else if (i == 200) {
        send(control::set_chunk_size(chunk_size));
        enc.set_chunk_size(chunk_size);
      }
      send(gen.next());
    }
    std::mt19937 split(seed);
    auto got = decode(wire, &split);
    ASSERT_EQ(got.size(), expected.size()) << "seed " << seed;
    for (std::size_t i = 0; i < got.size(); ++i)
      ASSERT_EQ(got[i], expected[i]) << "seed " << seed << " message " << i;
  }
}

TEST_P(ChunkRoundTrip, StandaloneInterleavedWithNoteSent) {
  const std::uint32_t chunk_size = GetParam();
  for (std::uint32_t seed = 1; seed <= 4; ++seed) {
    Gen gen(seed * 104729 + chunk_size, chunk_size >= 4096 ? 100000 : 2000);
    std::mt19937 coin(seed);
    ChunkEncoder enc;
    Bytes wire, standalone_only;
    std::vector<Message> expected;
    enc.encode(control::set_chunk_size(chunk_size), wire);
    ChunkEncoder::encode_standalone(control::set_chunk_size(chunk_size), 128, standalone_only);
    expected.push_back(control::set_chunk_size(chunk_size));
    enc.set_chunk_size(chunk_size);
    for (int i = 0; i < 300; ++i) {
      const Message m = gen.next();
      ChunkEncoder::encode_standalone(m, chunk_size, standalone_only);
      if (coin() % 2) {
        // Encoded once for many receivers; this receiver's encoder is told it went out.
        ChunkEncoder::encode_standalone(m, enc.chunk_size(), wire);
        enc.note_sent(m);
      } else {
        enc.encode(m, wire);
      }
      expected.push_back(m);
    }
    EXPECT_EQ(decode(wire), expected) << "seed " << seed;
    EXPECT_EQ(decode(standalone_only), expected) << "seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, ChunkRoundTrip, testing::Values(1u, 128u, 4096u, 65536u),
                         [](const auto& info) { return "chunk" + std::to_string(info.param); });

TEST(ChunkEncoder, StandaloneIsType0ThenType3) {
  const Message m = make(6, 9, 0x1234567, 1, pattern(300));
  Bytes out;
  ChunkEncoder::encode_standalone(m, 128, out);
  EXPECT_EQ(out, WireBuilder{}.message(0, 6, 0x1234567, 9, 1, m.data()).take());
  // The same bytes whatever was sent before on that csid.
  ChunkEncoder enc;
  Bytes warm;
  enc.encode(make(6, 9, 0x1234500, 1, pattern(300)), warm);
  Bytes again;
  ChunkEncoder::encode_standalone(m, 128, again);
  EXPECT_EQ(again, out);
}

TEST(ChunkEncoder, StandaloneIntoAPoolIsExactAndReusesBuffers) {
  auto pool = BufferPool::create();
  // Basic header forms, extended timestamps, one and many chunks, chunk size 1, empty.
  const std::vector<std::pair<Message, std::uint32_t>> cases = {
      {make(6, 9, 1000, 1, pattern(300)), 128},  {make(6, 9, 0x1234567, 1, pattern(300)), 128},
      {make(100, 8, 5, 2, pattern(1000)), 4096}, {make(400, 8, 0xFFFFFF, 2, pattern(257)), 1},
      {make(65599, 20, 0, 0, {}), 128},          {make(3, 20, 7, 0, pattern(128)), 128},
  };
  std::vector<SharedBytes> held;  // each case takes its own buffer
  for (const auto& [m, chunk_size] : cases) {
    Bytes expected;
    ChunkEncoder::encode_standalone(m, chunk_size, expected);
    const SharedBytes got = ChunkEncoder::encode_standalone(m, chunk_size, *pool);
    EXPECT_EQ(*got, expected) << "csid " << m.csid << " ts " << m.timestamp;
    EXPECT_LE(got->capacity(), std::max<std::size_t>(expected.size() * 5 / 4, 64))
        << "csid " << m.csid;  // sized for it, not grown
    held.push_back(got);
  }
  held.clear();
  const auto misses = pool->stats().misses;
  for (const auto& [m, chunk_size] : cases)
    (void)ChunkEncoder::encode_standalone(m, chunk_size, *pool);
  EXPECT_EQ(pool->stats().misses, misses);  // all from released buffers
}

TEST(ChunkEncoder, NoteSentMakesNextHeaderCompressAgainstIt) {
  ChunkEncoder enc;
  const Message a = make(6, 9, 1000, 1, pattern(50));
  enc.note_sent(a);
  auto out = encode(enc, make(6, 9, 1040, 1, pattern(50)));
  EXPECT_EQ(out[0], 0x86);  // type 2, delta 40
  EXPECT_EQ(out.size(), 4u + 50);
  out = encode(enc, make(6, 9, 1080, 1, pattern(50)));
  EXPECT_EQ(out[0], 0xC6);  // type 3
}

}  // namespace
}  // namespace rtmp
