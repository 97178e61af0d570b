#include "rtmp/core/control.hpp"

#include <gtest/gtest.h>

#include "rtmp/core/chunk.hpp"

namespace rtmp {
namespace {

using control::UserControl;
using control::UserEvent;

void expect_control(const Message& m, std::uint8_t type, const Bytes& payload) {
  EXPECT_EQ(m.csid, 2u);
  EXPECT_EQ(m.type, type);
  EXPECT_EQ(m.timestamp, 0u);
  EXPECT_EQ(m.stream_id, 0u);
  ASSERT_TRUE(m.payload);
  EXPECT_EQ(*m.payload, payload);
}

TEST(Control, BuildersProduceSpecLayouts) {
  expect_control(control::set_chunk_size(4096), msg::set_chunk_size, {0x00, 0x00, 0x10, 0x00});
  // §5.4.1: the top bit must be zero; it is cleared.
  expect_control(control::set_chunk_size(0x80001000), msg::set_chunk_size,
                 {0x00, 0x00, 0x10, 0x00});
  expect_control(control::abort(8), msg::abort, {0, 0, 0, 8});
  expect_control(control::acknowledgement(0x01020304), msg::acknowledgement, {1, 2, 3, 4});
  expect_control(control::window_ack_size(2500000), msg::window_ack_size, {0x00, 0x26, 0x25, 0xA0});
  expect_control(control::set_peer_bandwidth(2500000, 2), msg::set_peer_bandwidth,
                 {0x00, 0x26, 0x25, 0xA0, 0x02});
}

TEST(Control, UserControlLayouts) {
  expect_control(control::user_control({UserEvent::stream_begin, 1}), msg::user_control,
                 {0, 0, 0, 0, 0, 1});
  expect_control(control::user_control({UserEvent::stream_eof, 1}), msg::user_control,
                 {0, 1, 0, 0, 0, 1});
  expect_control(control::user_control({UserEvent::set_buffer_length, 1, 3000}), msg::user_control,
                 {0, 3, 0, 0, 0, 1, 0, 0, 0x0B, 0xB8});
  expect_control(control::user_control({UserEvent::ping_request, 0xAABBCCDD}), msg::user_control,
                 {0, 6, 0xAA, 0xBB, 0xCC, 0xDD});
  expect_control(control::user_control({UserEvent::ping_response, 7}), msg::user_control,
                 {0, 7, 0, 0, 0, 7});
}

TEST(Control, UserControlRoundTrip) {
  const UserControl all[] = {
      {UserEvent::stream_begin, 1},       {UserEvent::stream_eof, 2},
      {UserEvent::stream_dry, 3},         {UserEvent::set_buffer_length, 4, 5000},
      {UserEvent::stream_is_recorded, 5}, {UserEvent::ping_request, 123456},
      {UserEvent::ping_response, 123456}};
  for (const auto& uc : all) {
    auto parsed = control::parse_user_control(control::user_control(uc).data());
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(*parsed, uc);
  }
}

TEST(Control, UserControlErrors) {
  // Unknown event types (here SWF verification, 26) are unsupported: the caller ignores them.
  const Bytes swf = {0, 26, 0, 0, 0, 0};
  auto r = control::parse_user_control(swf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unsupported);
  EXPECT_EQ(r.error().detail, "User Control event type 26");
  const Bytes five = {0, 5, 0, 0, 0, 0};
  EXPECT_EQ(control::parse_user_control(five).error().code, errc::unsupported);

  for (const Bytes& bad : {Bytes{}, Bytes{0}, Bytes{0, 0, 0, 0, 1}, Bytes{0, 3, 0, 0, 0, 1, 0}}) {
    auto e = control::parse_user_control(bad);
    ASSERT_FALSE(e) << bad.size();
    EXPECT_EQ(e.error().code, errc::malformed) << bad.size();
  }
  // Trailing bytes are ignored.
  const Bytes longer = {0, 0, 0, 0, 0, 1, 9, 9};
  EXPECT_EQ(control::parse_user_control(longer)->value, 1u);
}

TEST(Control, ParseU32) {
  const Bytes ok = {0x00, 0x00, 0x10, 0x00};
  EXPECT_EQ(*control::parse_u32(ok), 4096u);
  const Bytes shortp = {0x00, 0x10, 0x00};
  auto r = control::parse_u32(shortp);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  EXPECT_EQ(r.error().detail, "control message: payload of 3 bytes, need 4");
}

TEST(Control, ParseSetPeerBandwidth) {
  auto r = control::parse_set_peer_bandwidth(control::set_peer_bandwidth(5000000, 1).data());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (control::PeerBandwidth{5000000, 1}));
  const Bytes bad_type = {0, 0, 0, 1, 3};
  EXPECT_EQ(control::parse_set_peer_bandwidth(bad_type).error().code, errc::malformed);
  const Bytes shortp = {0, 0, 0, 1};
  EXPECT_EQ(control::parse_set_peer_bandwidth(shortp).error().code, errc::malformed);
}

TEST(Control, SetChunkSizeThroughTheChunkStream) {
  // Encoded with the old size, applied by the decoder before the next chunk.
  ChunkEncoder enc;
  Bytes wire;
  enc.encode(control::set_chunk_size(1), wire);
  enc.set_chunk_size(1);
  enc.encode(control::window_ack_size(2500000), wire);
  ChunkDecoder dec;
  ByteView in(wire);
  std::vector<Message> got;
  while (!in.empty()) {
    auto s = dec.decode(in);
    ASSERT_TRUE(s) << s.error().message();
    in = in.subspan(s->consumed);
    if (s->message) got.push_back(*s->message);
  }
  EXPECT_EQ(dec.chunk_size(), 1u);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], control::window_ack_size(2500000));
}

}  // namespace
}  // namespace rtmp
