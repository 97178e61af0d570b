#include "rtmp/core/chunk.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/bytes.hpp"
#include "support/wire_builder.hpp"

namespace rtmp {
namespace {

using test::WireBuilder;

using test::pattern;
Bytes be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}
Message make(std::uint32_t csid, std::uint8_t type, std::uint32_t ts, std::uint32_t sid,
             Bytes payload) {
  return Message{csid, type, ts, sid, make_shared_bytes(std::move(payload))};
}

std::string describe(const std::vector<Message>& ms) {
  std::string s;
  for (const auto& m : ms)
    s += "{csid " + std::to_string(m.csid) + " type " + std::to_string(m.type) + " ts " +
         std::to_string(m.timestamp) + " sid " + std::to_string(m.stream_id) + " len " +
         std::to_string(m.size()) + "}\n";
  return s;
}

struct Decoded {
  std::vector<Message> messages;
  std::optional<Error> error;
  std::size_t consumed = 0;
};

// Feeds `wire` in pieces of at most `piece` bytes (the caller loop from chunk.hpp).
Decoded feed(ChunkDecoder& dec, ByteView wire, std::size_t piece = SIZE_MAX) {
  Decoded d;
  while (!wire.empty()) {
    ByteView part = wire.first(std::min(piece, wire.size()));
    wire = wire.subspan(part.size());
    while (!part.empty()) {
      auto s = dec.decode(part);
      if (!s) {
        d.error = s.error();
        return d;
      }
      EXPECT_TRUE(s->consumed > 0 || s->message) << "no progress";
      if (s->consumed == 0 && !s->message) return d;
      d.consumed += s->consumed;
      part = part.subspan(s->consumed);
      if (s->message) d.messages.push_back(std::move(*s->message));
    }
  }
  return d;
}
Decoded decode_all(ByteView wire, const Limits& limits = {}, std::size_t piece = SIZE_MAX) {
  ChunkDecoder dec(limits);
  return feed(dec, wire, piece);
}

// --- Spec examples (§5.3.2) ---

TEST(ChunkDecoder, SpecExample1AudioType0Then2Then3) {
  // §5.3.2.1: four 32-byte audio messages, 20 ms apart, csid 3, stream 12345.
  const Bytes a = pattern(32, 1), b = pattern(32, 2), c = pattern(32, 3), d = pattern(32, 4);
  Bytes wire = {0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x20, 0x08, 0x39, 0x30, 0x00, 0x00};
  wire.insert(wire.end(), a.begin(), a.end());
  wire.insert(wire.end(), {0x83, 0x00, 0x00, 0x14});
  wire.insert(wire.end(), b.begin(), b.end());
  wire.push_back(0xC3);
  wire.insert(wire.end(), c.begin(), c.end());
  wire.push_back(0xC3);
  wire.insert(wire.end(), d.begin(), d.end());

  auto r = decode_all(wire);
  ASSERT_FALSE(r.error) << r.error->message();
  const std::vector<Message> expected = {make(3, 8, 1000, 12345, a), make(3, 8, 1020, 12345, b),
                                         make(3, 8, 1040, 12345, c), make(3, 8, 1060, 12345, d)};
  EXPECT_EQ(r.messages, expected) << describe(r.messages);
  EXPECT_EQ(r.consumed, wire.size());
}

TEST(ChunkDecoder, SpecExample2MessageSplitIntoChunks) {
  // §5.3.2.2: a 307-byte video message at chunk size 128: type 0 then two type 3 chunks.
  const Bytes v = pattern(307, 9);
  Bytes wire = {0x04, 0x00, 0x03, 0xE8, 0x00, 0x01, 0x33, 0x09, 0x3A, 0x30, 0x00, 0x00};
  wire.insert(wire.end(), v.begin(), v.begin() + 128);
  wire.push_back(0xC4);
  wire.insert(wire.end(), v.begin() + 128, v.begin() + 256);
  wire.push_back(0xC4);
  wire.insert(wire.end(), v.begin() + 256, v.end());

  ChunkDecoder dec;
  auto r = feed(dec, wire);
  ASSERT_FALSE(r.error) << r.error->message();
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0], make(4, 9, 1000, 12346, v));
  EXPECT_EQ(dec.bytes_received(), wire.size());
}

TEST(ChunkDecoder, PartialNamesTheUnfinishedMessage) {
  // The §5.3.2.2 message cut after its second chunk: what a peer that hung up left behind.
  const Bytes v = pattern(307, 9);
  Bytes wire = {0x04, 0x00, 0x03, 0xE8, 0x00, 0x01, 0x33, 0x09, 0x3A, 0x30, 0x00, 0x00};
  wire.insert(wire.end(), v.begin(), v.begin() + 128);
  ChunkDecoder dec;
  EXPECT_FALSE(dec.partial());
  auto r = feed(dec, wire);
  ASSERT_FALSE(r.error) << r.error->message();
  auto p = dec.partial();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->csid, 4u);
  EXPECT_EQ(p->type, 9u);
  EXPECT_EQ(p->length, 307u);
  EXPECT_EQ(p->received, 128u);
  Bytes rest = {0xC4};
  rest.insert(rest.end(), v.begin() + 128, v.begin() + 256);
  rest.push_back(0xC4);
  rest.insert(rest.end(), v.begin() + 256, v.end());
  r = feed(dec, rest);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_FALSE(dec.partial());  // complete: nothing left unfinished
}

// --- Basic header forms (§5.3.1.1) ---

TEST(ChunkDecoder, BasicHeaderForms) {
  // 1-byte: 2..63, 2-byte: 64..319, 3-byte: 64..65599 with a little-endian 16-bit id.
  for (std::uint32_t csid : {2u, 3u, 63u, 64u, 65u, 319u, 320u, 321u, 4724u, 65599u}) {
    auto wire = WireBuilder{}.message(0, csid, 7, msg::audio, 1, pattern(10)).take();
    auto r = decode_all(wire);
    ASSERT_FALSE(r.error) << r.error->message();
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].csid, csid);
  }
}

TEST(ChunkDecoder, ThreeByteBasicHeaderIsLittleEndian) {
  // csid 4724 = 64 + 0x1234: bytes 0x34, 0x12. A big-endian reader would see 13332 + 64.
  Bytes wire = {0x01, 0x34, 0x12, 0, 0, 1, 0, 0, 1, 8, 0, 0, 0, 0, 0xAA};
  auto r = decode_all(wire);
  ASSERT_FALSE(r.error) << r.error->message();
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].csid, 4724u);
  // csid 320 (= 64 + 256) and 65599 (= 64 + 0xFFFF).
  wire = {0x01, 0x00, 0x01, 0, 0, 1, 0, 0, 1, 8, 0, 0, 0, 0, 0xAA};
  r = decode_all(wire);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].csid, 320u);
  wire = {0x01, 0xFF, 0xFF, 0, 0, 1, 0, 0, 1, 8, 0, 0, 0, 0, 0xAA};
  r = decode_all(wire);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].csid, 65599u);
}

TEST(ChunkDecoder, LongerBasicHeaderFormsAreTheSameChunkStream) {
  // A peer may use the 2- or 3-byte form for an id that fits a shorter one.
  auto wire = WireBuilder{}
                  .form(3)
                  .message(0, 64, 10, msg::video, 1, "abc")
                  .form(2)
                  .message(2, 64, 5, 0, 0, "def")
                  .take();
  auto r = decode_all(wire);
  ASSERT_FALSE(r.error) << r.error->message();
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[1], make(64, msg::video, 15, 1, {'d', 'e', 'f'}));
}

// --- Timestamps (§5.3.1.2, §5.3.1.3) ---

TEST(ChunkDecoder, ExtendedTimestampType0RepeatedOnContinuations) {
  const Bytes p = pattern(300);
  Bytes wire = WireBuilder{}.message(0, 6, 0x12345678, msg::video, 1, p).take();
  // Check the builder's layout: 4 extended bytes after the header and after each 0xC6.
  ASSERT_EQ(wire.size(), 12u + 4 + 300 + 2 * (1 + 4));
  EXPECT_EQ(wire[1], 0xFF);
  EXPECT_EQ(wire[12], 0x12);
  EXPECT_EQ(wire[16 + 128], 0xC6);
  EXPECT_EQ(wire[16 + 129], 0x12);
  auto r = decode_all(wire);
  ASSERT_FALSE(r.error) << r.error->message();
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0], make(6, msg::video, 0x12345678, 1, p));
}

TEST(ChunkDecoder, ExtendedDeltaReappliedByType3) {
  const Bytes p = pattern(200);
  auto wire = WireBuilder{}
                  .message(0, 6, 1000, msg::video, 1, p)
                  .message(1, 6, 0x01000000, msg::video, 1, p)            // extended delta
                  .message(3, 6, 0x01000000, 0, 0, p, /*extended=*/true)  // repeats it
                  .message(2, 6, 40, 0, 0, p)                             // back to 24 bits
                  .message(3, 6, 40, 0, 0, p)
                  .take();
  auto r = decode_all(wire);
  ASSERT_FALSE(r.error) << r.error->message();
  std::vector<Message> expected = {make(6, 9, 1000, 1, p), make(6, 9, 1000 + 0x01000000, 1, p),
                                   make(6, 9, 1000 + 0x02000000, 1, p),
                                   make(6, 9, 1040 + 0x02000000, 1, p),
                                   make(6, 9, 1080 + 0x02000000, 1, p)};
  EXPECT_EQ(r.messages, expected) << describe(r.messages);
}

TEST(ChunkDecoder, Type3AfterType0UsesItsTimestampAsDelta) {
  // §5.3.1.2.4: "If a Type 3 chunk follows a Type 0 chunk, then the timestamp delta for this
  // Type 3 chunk is the same as the timestamp of the Type 0 chunk."
  auto wire = WireBuilder{}
                  .message(0, 4, 40, msg::audio, 1, "aa")
                  .message(3, 4, 0, 0, 0, "bb")
                  .message(3, 4, 0, 0, 0, "cc")
                  .take();
  auto r = decode_all(wire);
  ASSERT_EQ(r.messages.size(), 3u);
  EXPECT_EQ(r.messages[1].timestamp, 80u);
  EXPECT_EQ(r.messages[2].timestamp, 120u);
}

TEST(ChunkDecoder, TimestampsCross2To24AndWrap2To32) {
  auto wire = WireBuilder{}
                  .message(0, 4, 0xFFFFF0, msg::audio, 1, "a")    // 24-bit field, no extension
                  .message(2, 4, 0x20, 0, 0, "b")                 // crosses 2^24
                  .message(0, 5, 0xFFFFFFF0, msg::video, 1, "c")  // extended, near 2^32
                  .message(2, 5, 0x20, 0, 0, "d")                 // wraps
                  .message(3, 5, 0, 0, 0, "e")
                  .take();
  auto r = decode_all(wire);
  ASSERT_FALSE(r.error) << r.error->message();
  ASSERT_EQ(r.messages.size(), 5u);
  EXPECT_EQ(r.messages[0].timestamp, 0xFFFFF0u);
  EXPECT_EQ(r.messages[1].timestamp, 0x1000010u);
  EXPECT_EQ(r.messages[2].timestamp, 0xFFFFFFF0u);
  EXPECT_EQ(r.messages[3].timestamp, 0x10u);
  EXPECT_EQ(r.messages[4].timestamp, 0x30u);
}

TEST(ChunkDecoder, Type1And2KeepUnchangedFields) {
  auto wire = WireBuilder{}
                  .message(0, 3, 100, msg::command_amf0, 7, "abcd")
                  .message(1, 3, 5, msg::data_amf0, 0, "xy")  // stream id kept (7)
                  .message(2, 3, 6, 0, 0, "zz")               // length 2, type 18 kept
                  .take();
  auto r = decode_all(wire);
  const std::vector<Message> expected = {make(3, 20, 100, 7, {'a', 'b', 'c', 'd'}),
                                         make(3, 18, 105, 7, {'x', 'y'}),
                                         make(3, 18, 111, 7, {'z', 'z'})};
  EXPECT_EQ(r.messages, expected) << describe(r.messages);
}

// --- Header errors ---

TEST(ChunkDecoder, Type123WithoutPreviousHeaderRejected) {
  for (std::uint8_t first : {0x43, 0x83, 0xC3}) {
    Bytes wire = {first, 0, 0, 0, 0, 0, 1, 8};
    auto r = decode_all(wire);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->code, errc::invalid_chunk_header);
    EXPECT_NE(r.error->detail.find("chunk stream 3"), std::string::npos) << r.error->detail;
  }
  // Rejected as soon as the basic header is known: no need to wait for the rest.
  ChunkDecoder dec;
  const std::uint8_t b = 0x44;
  EXPECT_FALSE(dec.decode(ByteView(&b, 1)));
}

TEST(ChunkDecoder, NewHeaderInsideIncompleteMessageRejected) {
  auto wire =
      WireBuilder{}.fmt0(4, 0, 200, msg::audio, 1).fill(128, 1).fmt2(4, 10).fill(72, 1).take();
  auto r = decode_all(wire);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, errc::invalid_chunk_header);
  EXPECT_EQ(r.error->detail,
            "chunk stream 4: type 2 header while a message is 128 of 200 bytes received");
}

// --- Set Chunk Size and Abort (§5.4.1, §5.4.2) ---

Decoded with_chunk_size(std::uint32_t size) {
  auto wire = WireBuilder{}.set_chunk_size(size).message(0, 3, 0, 20, 0, pattern(300)).take();
  return decode_all(wire);
}

TEST(ChunkDecoder, SetChunkSizeExtremesAccepted) {
  for (std::uint32_t size : {1u, 2u, 127u, 4096u, 0x7FFFFFFFu}) {
    auto r = with_chunk_size(size);
    ASSERT_FALSE(r.error) << size << ": " << r.error->message();
    ASSERT_EQ(r.messages.size(), 2u);
    EXPECT_EQ(r.messages[0], make(2, msg::set_chunk_size, 0, 0, be32(size)));
    EXPECT_EQ(r.messages[1], make(3, 20, 0, 0, pattern(300)));
  }
  ChunkDecoder dec;
  EXPECT_EQ(dec.chunk_size(), 128u);
  auto wire = WireBuilder{}.set_chunk_size(1).take();
  ASSERT_FALSE(feed(dec, wire).error);
  EXPECT_EQ(dec.chunk_size(), 1u);
}

TEST(ChunkDecoder, SetChunkSizeZeroAndTopBitRejected) {
  for (std::uint32_t size : {0u, 0x80000000u, 0xFFFFFFFFu}) {
    auto r = with_chunk_size(size);
    ASSERT_TRUE(r.error) << size;
    EXPECT_EQ(r.error->code, errc::invalid_chunk_size);
    EXPECT_EQ(r.error->detail,
              "chunk stream 2: Set Chunk Size " + std::to_string(size) + " outside 1..2147483647");
  }
  // Too short a payload.
  auto wire = WireBuilder{}.message(0, 2, 0, msg::set_chunk_size, 0, "\x01\x00").take();
  auto r = decode_all(wire);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, errc::malformed);
}

TEST(ChunkDecoder, SetChunkSizeAppliesFromNextChunk) {
  // The new size is applied to chunks after the Set Chunk Size message, even mid-message on
  // another chunk stream.
  auto wire = WireBuilder{}
                  .fmt0(6, 0, 300, msg::video, 1)
                  .fill(128, 6)  // 128 of 300
                  .set_chunk_size(172)
                  .fmt3(6)
                  .fill(172, 6)  // the rest, one chunk
                  .take();
  auto r = decode_all(wire);
  ASSERT_FALSE(r.error) << r.error->message();
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[1].size(), 300u);
}

TEST(ChunkDecoder, AbortDropsPartialMessage) {
  Limits limits;
  limits.max_partial_messages = 1;
  auto wire = WireBuilder{}
                  .fmt0(8, 0, 300, msg::video, 1)
                  .fill(128, 0xEE)                                // partial
                  .message(0, 2, 0, msg::abort, 0, be32(8))       // Abort(8)
                  .message(0, 9, 5, msg::audio, 1, pattern(200))  // another stream may start
                  .message(0, 8, 50, msg::video, 1, pattern(10))  // csid 8 starts afresh
                  .take();
  auto r = decode_all(wire, limits);
  ASSERT_FALSE(r.error) << r.error->message();
  const std::vector<Message> expected = {make(2, msg::abort, 0, 0, be32(8)),
                                         make(9, msg::audio, 5, 1, pattern(200)),
                                         make(8, msg::video, 50, 1, pattern(10))};
  EXPECT_EQ(r.messages, expected) << describe(r.messages);
}

TEST(ChunkDecoder, AbortOfIdleOrUnknownStreamIsHarmless) {
  auto wire = WireBuilder{}
                  .message(0, 2, 0, msg::abort, 0, be32(77))
                  .message(1, 2, 0, msg::abort, 0, be32(2))
                  .take();
  auto r = decode_all(wire);
  ASSERT_FALSE(r.error) << r.error->message();
  EXPECT_EQ(r.messages.size(), 2u);
}

// --- Interleaving and message boundaries ---

TEST(ChunkDecoder, InterleavedChunkStreams) {
  const Bytes v = pattern(300, 1), a1 = pattern(20, 2), a2 = pattern(20, 3);
  ByteView vv(v);
  auto wire = WireBuilder{}
                  .fmt0(6, 1000, 300, msg::video, 1)
                  .data(vv.first(128))
                  .message(0, 4, 1000, msg::audio, 1, a1)
                  .fmt3(6)
                  .data(vv.subspan(128, 128))
                  .message(2, 4, 21, 0, 0, a2)
                  .fmt3(6)
                  .data(vv.subspan(256))
                  .take();
  auto r = decode_all(wire);
  ASSERT_FALSE(r.error) << r.error->message();
  const std::vector<Message> expected = {make(4, 8, 1000, 1, a1), make(4, 8, 1021, 1, a2),
                                         make(6, 9, 1000, 1, v)};
  EXPECT_EQ(r.messages, expected) << describe(r.messages);
}

TEST(ChunkDecoder, ReturnsOneMessageAtATime) {
  auto wire = WireBuilder{}
                  .message(0, 4, 0, msg::audio, 1, "a")
                  .message(2, 4, 1, 0, 0, "b")
                  .message(3, 4, 0, 0, 0, "c")
                  .take();
  ChunkDecoder dec;
  auto s = dec.decode(wire);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->consumed, 13u);
  ASSERT_TRUE(s->message);
  EXPECT_EQ(s->message->data()[0], 'a');
  s = dec.decode(ByteView(wire).subspan(13));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->consumed, 5u);
  s = dec.decode(ByteView(wire).subspan(18));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->consumed, 2u);
  EXPECT_EQ(s->message->timestamp, 2u);
  EXPECT_EQ(dec.bytes_received(), wire.size());
}

TEST(ChunkDecoder, ZeroLengthMessageCompletesAtItsHeader) {
  auto wire = WireBuilder{}.fmt0(5, 9, 0, msg::data_amf0, 1).fmt3(5).take();
  ChunkDecoder dec;
  auto s = dec.decode(wire);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->consumed, 12u);
  ASSERT_TRUE(s->message);
  ASSERT_TRUE(s->message->payload);
  EXPECT_EQ(s->message->size(), 0u);
  s = dec.decode(ByteView(wire).subspan(12));  // a type 3 chunk: another empty message
  ASSERT_TRUE(s && s->message);
  EXPECT_EQ(s->message->timestamp, 18u);
}

TEST(ChunkDecoder, PartialHeaderWaitsAtEveryByte) {
  // A type 0 header with a 3-byte basic header and an extended timestamp: 18 bytes.
  auto wire = WireBuilder{}.message(0, 5000, 0x7FFFFFFF, msg::video, 3, "xyz").take();
  ASSERT_EQ(wire.size(), 21u);
  ChunkDecoder dec;
  for (std::size_t i = 0; i + 1 < wire.size(); ++i) {
    auto s = dec.decode(ByteView(wire).subspan(i, 1));
    ASSERT_TRUE(s) << i;
    EXPECT_EQ(s->consumed, 1u);
    EXPECT_FALSE(s->message);
  }
  auto s = dec.decode(ByteView(wire).last(1));
  ASSERT_TRUE(s && s->message);
  EXPECT_EQ(*s->message, make(5000, msg::video, 0x7FFFFFFF, 3, {'x', 'y', 'z'}));
}

// --- Caps (Limits) ---

TEST(ChunkDecoder, MessageTooLargeRejectedAtTheHeader) {
  Limits limits;
  limits.max_message_length = 1 << 20;
  auto wire = WireBuilder{}.fmt0(5, 0, 0xFFFFFF, msg::video, 1).take();  // header only
  ChunkDecoder dec(limits);
  auto s = dec.decode(wire);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::message_too_large);
  EXPECT_EQ(s.error().detail, "chunk stream 5: message length 16777215 exceeds limit 1048576");
  // Same through a type 1 header.
  wire = WireBuilder{}.message(0, 5, 0, 9, 1, "a").fmt1(5, 0, (1 << 20) + 1, 9).take();
  auto r = decode_all(wire, limits);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, errc::message_too_large);
}

std::size_t heap_in_use() {
  const auto mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

TEST(ChunkDecoder, MessageTooLargeAllocatesNothing) {
  // Positive control: an accepted 8 MiB header reserves the whole payload at once.
  {
    ChunkDecoder dec;
    auto wire = WireBuilder{}.fmt0(5, 0, 8 << 20, msg::video, 1).take();
    const std::size_t before = heap_in_use();
    ASSERT_TRUE(dec.decode(wire));
    const std::size_t grown = heap_in_use() - before;
    if (grown < (8u << 20)) GTEST_SKIP() << "mallinfo2 does not see allocations here";
  }
  Limits limits;
  limits.max_message_length = 1 << 20;
  ChunkDecoder dec(limits);
  auto wire = WireBuilder{}.fmt0(5, 0, 0xFFFFFF, msg::video, 1).take();
  const std::size_t before = heap_in_use();
  ASSERT_FALSE(dec.decode(wire));
  EXPECT_LT(heap_in_use() - before, 64u * 1024);
}

TEST(ChunkDecoder, ChunkStreamFloodCapped) {
  WireBuilder w;
  for (std::uint32_t csid = 2; csid < 2 + 64; ++csid) w.fmt0(csid, 0, 0, msg::audio, 1);
  auto r = decode_all(w.bytes());
  ASSERT_FALSE(r.error) << r.error->message();
  EXPECT_EQ(r.messages.size(), 64u);
  w.fmt0(1000, 0, 0, msg::audio, 1);
  r = decode_all(w.bytes());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, errc::too_many_chunk_streams);
  EXPECT_EQ(r.error->detail, "chunk stream 1000: more than 64 chunk streams in use");
  EXPECT_EQ(r.messages.size(), 64u);
}

TEST(ChunkDecoder, PartialMessageFloodCapped) {
  WireBuilder w;
  for (std::uint32_t csid = 3; csid < 3 + 16; ++csid)
    w.fmt0(csid, 0, 1000, msg::video, 1).fill(128, 0);
  ASSERT_FALSE(decode_all(w.bytes()).error);
  w.fmt0(40, 0, 1000, msg::video, 1);
  auto r = decode_all(w.bytes());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, errc::too_many_partial_messages);
  EXPECT_EQ(r.error->detail, "chunk stream 40: more than 16 messages incomplete at once");
}

TEST(ChunkDecoder, PartialBytesCapped) {
  Limits limits;
  limits.max_partial_bytes = 1000;
  auto wire = WireBuilder{}
                  .fmt0(4, 0, 600, msg::video, 1)
                  .fill(128, 0)
                  .fmt0(5, 0, 401, msg::video, 1)
                  .take();
  auto r = decode_all(wire, limits);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, errc::too_many_partial_messages);
  EXPECT_EQ(r.error->detail,
            "chunk stream 5: incomplete messages would hold 1001 bytes, limit 1000");
  // Completed messages no longer count.
  wire = WireBuilder{}
             .message(0, 4, 0, msg::video, 1, pattern(600))
             .message(0, 5, 0, msg::video, 1, pattern(1000))
             .take();
  r = decode_all(wire, limits);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.messages.size(), 2u);
}

// --- The split-feed property (STYLE rule 4) ---

struct Fixture {
  Bytes wire;
  std::vector<Message> expected;
};

// ≥ 30 messages: several csids in all three basic header forms, all header types, chunk-size
// changes mid-stream (also mid-message), interleaving, extended timestamps on type 3 chunks,
// a 2^32 wrap, an Abort, zero-length and control messages.
Fixture make_fixture() {
  Fixture f;
  WireBuilder w;
  auto add = [&](std::uint32_t csid, std::uint8_t type, std::uint32_t ts, std::uint32_t sid,
                 Bytes p) { f.expected.push_back(make(csid, type, ts, sid, std::move(p))); };

  w.message(0, 3, 0, msg::command_amf0, 0, pattern(300, 1));
  add(3, 20, 0, 0, pattern(300, 1));
  w.set_chunk_size(256);
  add(2, 1, 0, 0, be32(256));
  w.message(0, 2, 0, msg::window_ack_size, 0, be32(2500000));
  add(2, 5, 0, 0, be32(2500000));

  // Audio: type 0, type 2, then type 3 for each new message (§5.3.2.1 pattern).
  w.message(0, 4, 1000, msg::audio, 1, pattern(32, 2));
  add(4, 8, 1000, 1, pattern(32, 2));
  w.message(2, 4, 23, 0, 0, pattern(32, 3));
  add(4, 8, 1023, 1, pattern(32, 3));
  for (std::uint8_t i = 0; i < 4; ++i) {
    w.message(3, 4, 0, 0, 0, pattern(32, 4 + i));
    add(4, 8, 1046 + 23 * i, 1, pattern(32, 4 + i));
  }

  // Video: a message in two chunks, then one interleaved with audio.
  w.message(0, 6, 1000, msg::video, 1, pattern(400, 10));
  add(6, 9, 1000, 1, pattern(400, 10));
  const Bytes big = pattern(700, 11);
  const ByteView bv(big);
  w.fmt1(6, 33, 700, msg::video).data(bv.first(256));
  w.message(3, 4, 0, 0, 0, pattern(32, 12));
  add(4, 8, 1138, 1, pattern(32, 12));
  w.fmt3(6).data(bv.subspan(256, 256));
  w.message(2, 4, 24, 0, 0, pattern(32, 13));
  add(4, 8, 1162, 1, pattern(32, 13));
  w.fmt3(6).data(bv.subspan(512));
  add(6, 9, 1033, 1, big);

  // Extended timestamps at chunk size 100, repeated on type 3 chunks.
  w.set_chunk_size(100);
  add(2, 1, 0, 0, be32(100));
  w.message(0, 7, 0x1000000, msg::data_amf0, 1, pattern(250, 14));
  add(7, 18, 0x1000000, 1, pattern(250, 14));
  w.message(3, 7, 0x1000000, 0, 0, pattern(250, 15), true);
  add(7, 18, 0x2000000, 1, pattern(250, 15));
  w.message(1, 7, 0xFFFFFF, msg::data_amf0, 0, pattern(10, 16));
  add(7, 18, 0x2FFFFFF, 1, pattern(10, 16));
  w.message(3, 7, 0xFFFFFF, 0, 0, pattern(10, 17), true);
  add(7, 18, 0x3FFFFFE, 1, pattern(10, 17));
  w.message(2, 7, 5, 0, 0, pattern(10, 18));
  add(7, 18, 0x4000003, 1, pattern(10, 18));
  w.message(3, 7, 0, 0, 0, pattern(10, 19));
  add(7, 18, 0x4000008, 1, pattern(10, 19));

  // 2- and 3-byte basic headers, a 2^32 wrap.
  w.message(0, 70, 5, msg::command_amf0, 0, pattern(150, 20));
  add(70, 20, 5, 0, pattern(150, 20));
  w.message(0, 400, 7, msg::audio, 2, pattern(20, 21));
  add(400, 8, 7, 2, pattern(20, 21));
  w.message(0, 65599, 0xFFFFFFF0, msg::video, 3, pattern(120, 22));
  add(65599, 9, 0xFFFFFFF0, 3, pattern(120, 22));
  w.message(2, 65599, 0x20, 0, 0, pattern(120, 23));
  add(65599, 9, 0x10, 3, pattern(120, 23));

  // Abort drops a partial message; the chunk stream starts afresh.
  w.fmt0(8, 0, 300, msg::video, 1).fill(100, 0xEE);
  w.message(0, 2, 0, msg::abort, 0, be32(8));
  add(2, 2, 0, 0, be32(8));
  w.message(0, 8, 50, msg::video, 1, pattern(10, 24));
  add(8, 9, 50, 1, pattern(10, 24));

  // Zero-length message, Acknowledgement and User Control through type 1 headers on csid 2.
  w.fmt0(5, 9, 0, msg::data_amf0, 1);
  add(5, 18, 9, 1, {});
  w.message(1, 2, 0, msg::acknowledgement, 0, be32(123456));
  add(2, 3, 0, 0, be32(123456));
  w.message(1, 2, 0, msg::user_control, 0, Bytes{0, 6, 0, 0, 0, 1});
  add(2, 4, 0, 0, {0, 6, 0, 0, 0, 1});

  // Chunk size 1, then 65536.
  w.set_chunk_size(1);
  add(2, 1, 0, 0, be32(1));
  w.message(1, 3, 10, msg::command_amf0, 0, pattern(5, 25));
  add(3, 20, 10, 0, pattern(5, 25));
  w.set_chunk_size(65536);
  add(2, 1, 0, 0, be32(65536));
  w.message(0, 6, 5000, msg::video, 1, pattern(2000, 26));
  add(6, 9, 5000, 1, pattern(2000, 26));

  // A 3-byte basic header for an id that fits the 2-byte form.
  w.form(3).message(0, 100, 77, msg::audio, 4, pattern(3, 27)).form(0);
  add(100, 8, 77, 4, pattern(3, 27));

  f.wire = w.take();
  return f;
}

TEST(ChunkDecoder, SplitFeedWholeEveryOffsetAndByteAtATime) {
  const Fixture f = make_fixture();
  ASSERT_GE(f.expected.size(), 30u);

  auto whole = decode_all(f.wire);
  ASSERT_FALSE(whole.error) << whole.error->message();
  ASSERT_EQ(whole.messages, f.expected) << describe(whole.messages);
  EXPECT_EQ(whole.consumed, f.wire.size());

  auto bytewise = decode_all(f.wire, {}, 1);
  ASSERT_FALSE(bytewise.error) << bytewise.error->message();
  EXPECT_EQ(bytewise.messages, f.expected);

  for (std::size_t cut = 1; cut < f.wire.size(); ++cut) {
    ChunkDecoder dec;
    auto a = feed(dec, ByteView(f.wire).first(cut));
    ASSERT_FALSE(a.error) << "split at " << cut << ": " << a.error->message();
    auto b = feed(dec, ByteView(f.wire).subspan(cut));
    ASSERT_FALSE(b.error) << "split at " << cut << ": " << b.error->message();
    a.messages.insert(a.messages.end(), b.messages.begin(), b.messages.end());
    ASSERT_EQ(a.messages, f.expected) << "split at " << cut;
    ASSERT_EQ(dec.bytes_received(), f.wire.size());
  }
}

// --- Payload buffers come from a BufferPool ---

std::vector<Message> video_run(std::size_t count, std::size_t size) {
  std::vector<Message> ms;
  for (std::size_t i = 0; i < count; ++i)
    ms.push_back(make(6, msg::video, static_cast<std::uint32_t>(i * 33), 1,
                      pattern(size + i % 3 * 10, static_cast<std::uint8_t>(i))));
  return ms;
}
Bytes wire_of(const std::vector<Message>& ms) {
  ChunkEncoder enc;
  Bytes wire;
  for (const auto& m : ms) enc.encode(m, wire);
  return wire;
}

TEST(ChunkDecoder, ReleasedPayloadsAreReusedForLaterMessages) {
  const auto in = video_run(20, 1000);
  const Bytes wire = wire_of(in);
  ChunkDecoder dec;
  ByteView rest(wire);
  const std::uint8_t* storage = nullptr;
  std::size_t k = 0;
  while (!rest.empty()) {
    auto s = dec.decode(rest);
    ASSERT_TRUE(s) << s.error().message();
    rest = rest.subspan(s->consumed);
    if (!s->message) continue;
    ASSERT_LT(k, in.size());
    EXPECT_EQ(*s->message, in[k]) << "message " << k;
    if (!storage) storage = s->message->payload->data();
    EXPECT_EQ(s->message->payload->data(), storage) << "message " << k;
    ++k;
  }  // each message is released before the next one is decoded
  EXPECT_EQ(k, in.size());
  auto st = dec.pool()->stats();
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.hits, 19u);
  EXPECT_EQ(st.outstanding, 0u);
}

TEST(ChunkDecoder, HeldPayloadsEachHaveTheirOwnBuffer) {
  const auto in = video_run(10, 500);
  auto pool = BufferPool::create();
  ChunkDecoder dec({}, pool);
  auto d = feed(dec, wire_of(in));
  ASSERT_FALSE(d.error);
  ASSERT_EQ(d.messages, in);
  for (std::size_t i = 1; i < d.messages.size(); ++i)
    EXPECT_NE(d.messages[i].payload->data(), d.messages[i - 1].payload->data());
  EXPECT_EQ(pool->stats().outstanding, 10u);
  d.messages.clear();
  EXPECT_EQ(pool->stats().outstanding, 0u);
  EXPECT_EQ(pool->stats().free_buffers, 10u);
}

TEST(ChunkDecoder, PayloadsReleasedOnAnotherThreadGoBackToThePool) {
  const auto in = video_run(16, 3000);
  const Bytes wire = wire_of(in);
  ChunkDecoder dec;
  for (int round = 0; round < 3; ++round) {
    auto d = feed(dec, wire);
    ASSERT_FALSE(d.error);
    ASSERT_EQ(d.messages, in);
    // Players release payloads on their own threads while the decoder goes on.
    std::thread player([ms = std::move(d.messages)]() mutable { ms.clear(); });
    auto more = feed(dec, wire);
    ASSERT_FALSE(more.error);
    EXPECT_EQ(more.messages, in);
    player.join();
  }
  auto st = dec.pool()->stats();
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.hits + st.misses, 6u * 16u);
  EXPECT_GE(st.hits, 4u * 16u);  // the first two rounds fill the pool; the rest reuse it
}

TEST(ChunkDecoder, PayloadsOutliveTheDecoder) {
  const auto in = video_run(4, 200);
  std::vector<Message> kept;
  {
    ChunkDecoder dec;
    kept = feed(dec, wire_of(in)).messages;
  }
  EXPECT_EQ(kept, in);  // ASan: no use after free
}

TEST(ChunkDecoder, DecodersCanShareAPool) {
  auto pool = BufferPool::create();
  const auto in = video_run(5, 700);
  ChunkDecoder a({}, pool);
  ChunkDecoder b({}, pool);
  EXPECT_EQ(feed(a, wire_of(in)).messages, in);
  EXPECT_EQ(feed(b, wire_of(in)).messages, in);
  EXPECT_EQ(pool->stats().hits, 5u);
}

TEST(ChunkDecoder, PayloadAboveThePoolCapIsNotKept) {
  BufferPool::Options o;
  o.max_buffer_size = 4096;
  auto pool = BufferPool::create(o);
  ChunkDecoder dec({}, pool);
  const auto in = video_run(1, 10000);
  auto d = feed(dec, wire_of(in));
  EXPECT_EQ(d.messages, in);
  d.messages.clear();
  EXPECT_EQ(pool->stats().dropped, 1u);
  EXPECT_EQ(pool->stats().free_buffers, 0u);
}

TEST(ChunkDecoder, ZeroLengthPayloadsComeFromThePoolToo) {
  std::vector<Message> in;
  for (std::uint32_t i = 0; i < 4; ++i) in.push_back(make(3, msg::command_amf0, i, 0, {}));
  ChunkDecoder dec;
  auto d = feed(dec, wire_of({in[0]}));
  ASSERT_EQ(d.messages.size(), 1u);
  ASSERT_TRUE(d.messages[0].payload);
  EXPECT_TRUE(d.messages[0].payload->empty());
  d.messages.clear();
  for (std::size_t i = 1; i < in.size(); ++i)
    EXPECT_EQ(feed(dec, wire_of({in[i]})).messages.size(), 1u);
  EXPECT_EQ(dec.pool()->stats().misses, 1u);
  EXPECT_EQ(dec.pool()->stats().hits, 3u);
}

// --- Aggregate messages (§7.1.6) ---

void sub_message(Bytes& out, std::uint8_t type, std::uint32_t ts, const Bytes& payload,
                 bool back_pointer = true) {
  const auto size = static_cast<std::uint32_t>(payload.size());
  ByteWriter w(out);
  w.u8(type);
  w.u24be(size);
  w.u24be(ts & 0xFFFFFF);
  w.u8(static_cast<std::uint8_t>(ts >> 24));
  w.u24be(99);  // sub-message stream id: ignored
  w.bytes(payload);
  if (back_pointer) w.u32be(11 + size);
}

TEST(SplitAggregate, RebasesTimestampsAndKeepsCsidAndStreamId) {
  Bytes agg;
  sub_message(agg, msg::video, 100, pattern(10, 1));
  sub_message(agg, msg::audio, 133, pattern(5, 2));
  sub_message(agg, msg::video, 0x01000064, pattern(0));  // timestamp's high byte set
  auto r = split_aggregate(make(6, msg::aggregate, 5000, 1, agg));
  ASSERT_TRUE(r) << r.error().message();
  const std::vector<Message> expected = {make(6, 9, 5000, 1, pattern(10, 1)),
                                         make(6, 8, 5033, 1, pattern(5, 2)),
                                         make(6, 9, 5000 + 0x01000000, 1, {})};
  EXPECT_EQ(*r, expected) << describe(*r);
}

TEST(SplitAggregate, EarlierSubMessageWrapsModulo2To32) {
  Bytes agg;
  sub_message(agg, msg::video, 100, pattern(1));
  sub_message(agg, msg::video, 90, pattern(1));
  auto r = split_aggregate(make(6, msg::aggregate, 5, 1, agg));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[1].timestamp, 0xFFFFFFFBu);
}

TEST(SplitAggregate, MissingFinalBackPointerTolerated) {
  Bytes agg;
  sub_message(agg, msg::video, 0, pattern(4));
  sub_message(agg, msg::video, 40, pattern(4), false);
  auto r = split_aggregate(make(6, msg::aggregate, 0, 1, agg));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 2u);
  EXPECT_TRUE(split_aggregate(make(6, msg::aggregate, 0, 1, {})));  // empty: no sub-messages
}

TEST(SplitAggregate, MalformedInputsRejected) {
  Bytes good;
  sub_message(good, msg::video, 0, pattern(20));
  for (std::size_t cut : {1u, 10u, 11u, 30u, 32u}) {  // inside header, payload, back pointer
    Bytes agg(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    auto r = split_aggregate(make(6, msg::aggregate, 0, 1, agg));
    ASSERT_FALSE(r) << cut;
    EXPECT_EQ(r.error().code, errc::malformed) << cut;
  }
  Bytes nested;
  sub_message(nested, msg::aggregate, 0, good);
  auto r = split_aggregate(make(6, msg::aggregate, 0, 1, nested));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail,
            "aggregate sub-message at offset 0: aggregate nested in an aggregate");

  Limits limits;
  limits.max_message_length = 10;
  r = split_aggregate(make(6, msg::aggregate, 0, 1, good), limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::message_too_large);
}

}  // namespace
}  // namespace rtmp
