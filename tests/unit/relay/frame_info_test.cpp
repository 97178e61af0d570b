#include "relay/frame_info.hpp"

#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

using namespace test;

TEST(FrameInfo, LegacyAvcAndAac) {
  FrameClassifier c;
  EXPECT_EQ(c.classify(avc_config()).kind, FrameKind::video_config);
  EXPECT_EQ(c.classify(avc_config()).codec, CodecId::h264);
  EXPECT_EQ(c.classify(avc_frame(0, true)).kind, FrameKind::video_key);
  EXPECT_EQ(c.classify(avc_frame(33, false)).kind, FrameKind::video_inter);
  EXPECT_EQ(c.classify(aac_config()).kind, FrameKind::audio_config);
  EXPECT_EQ(c.classify(aac_frame(21)).kind, FrameKind::audio_frame);
  EXPECT_EQ(c.classify(aac_frame(21)).codec, CodecId::aac);
}

TEST(FrameInfo, Mp3HasNoConfigEveryFrameIsAFrame) {
  FrameClassifier c;
  auto info = c.classify(mp3_frame(0));
  EXPECT_EQ(info.kind, FrameKind::audio_frame);
  EXPECT_EQ(info.codec, CodecId::mp3);
  EXPECT_TRUE(info.droppable());
}

TEST(FrameInfo, AvcEndOfSequenceIsControlAndNeverDropped) {
  FrameClassifier c;
  auto info = c.classify(media(msg::video, 3000, {0x17, 0x02, 0x00, 0x00, 0x00}));
  EXPECT_EQ(info.kind, FrameKind::control);
  EXPECT_FALSE(info.droppable());
}

TEST(FrameInfo, EnhancedHevcKeyframeAndSequenceStart) {
  FrameClassifier c;
  // ExVideoTagHeader: IsExHeader | FrameType 1 | PacketType, then FourCC "hvc1".
  Bytes start = {0x80 | 0x10 | 0x00, 'h', 'v', 'c', '1'};
  Bytes key = {0x80 | 0x10 | 0x03, 'h', 'v', 'c', '1', 0, 0, 0, 1, 0x26};
  Bytes inter = {0x80 | 0x20 | 0x03, 'h', 'v', 'c', '1', 0, 0, 0, 1, 0x02};
  EXPECT_EQ(c.classify(media(msg::video, 0, start)).kind, FrameKind::video_config);
  EXPECT_EQ(c.classify(media(msg::video, 0, key)).kind, FrameKind::video_key);
  EXPECT_EQ(c.classify(media(msg::video, 0, key)).codec, CodecId::h265);
  EXPECT_EQ(c.classify(media(msg::video, 40, inter)).kind, FrameKind::video_inter);
}

TEST(FrameInfo, DataAndGarbage) {
  FrameClassifier c;
  EXPECT_EQ(c.classify(make_data(1, {amf::Value("onTextData")})).kind, FrameKind::data);
  EXPECT_FALSE(c.classify(make_data(1, {amf::Value("onTextData")})).droppable());
  // Truncated or empty media: relayed as a droppable frame, never an error.
  EXPECT_EQ(c.classify(media(msg::video, 0, {})).kind, FrameKind::other);
  EXPECT_EQ(c.classify(media(msg::video, 0, {0x17})).kind, FrameKind::other);
  EXPECT_TRUE(c.classify(media(msg::audio, 0, {})).droppable());
}

}  // namespace
}  // namespace rtmp::relay
