#include "relay/packet.hpp"

#include "rtmp/core/chunk.hpp"
#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

using namespace test;

TEST(Packet, EncodedOncePerChunkSizeAndStreamId) {
  Message m = avc_frame(40, true, 10000);
  m.csid = csid::video;
  Packet p(m, {FrameKind::video_key});
  const SharedBytes& a = p.wire(4096, 1);
  EXPECT_EQ(p.wire(4096, 1).get(), a.get());  // same buffer for every such player
  EXPECT_EQ(p.encodings(), 1u);
  EXPECT_NE(p.wire(128, 1).get(), a.get());
  EXPECT_NE(p.wire(4096, 2).get(), a.get());
  EXPECT_EQ(p.encodings(), 3u);
}

TEST(Packet, WireIsTheStandaloneEncodingWithThePlayersStreamId) {
  Message m = avc_frame(0x1000000, true, 5000);  // extended timestamp
  m.csid = csid::video;
  Packet p(m, {FrameKind::video_key});
  Message want = m;
  want.stream_id = 3;
  Bytes expected;
  ChunkEncoder::encode_standalone(want, 128, expected);
  EXPECT_EQ(*p.wire(128, 3), expected);
  // Reserved up front: the buffer never grew while encoding.
  EXPECT_LE(p.wire(128, 3)->capacity() - p.wire(128, 3)->size(), 8u);
  EXPECT_EQ(p.header(3).stream_id, 3u);
  EXPECT_EQ(p.header(3).payload.get(), m.payload.get());  // shared, not copied
}

}  // namespace
}  // namespace rtmp::relay
