#include "relay/gop_cache.hpp"

#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

using namespace test;

PacketPtr packet(const Message& m) {
  FrameClassifier c;
  return std::make_shared<Packet>(m, c.classify(m));
}

std::vector<std::uint32_t> timestamps(const GopCache& g) {
  std::vector<PacketPtr> out;
  g.start_packets(out);
  std::vector<std::uint32_t> ts;
  for (auto& p : out) ts.push_back(p->timestamp());
  return ts;
}

TEST(GopCache, MetadataConfigsThenGopFromLastKeyframe) {
  GopCache g;
  g.set_metadata(packet(make_data(0, {amf::Value("onMetaData"), metadata()}, 1)));
  g.add(packet(avc_config(2)));
  g.add(packet(aac_config(3)));
  g.add(packet(avc_frame(10, true)));
  g.add(packet(aac_frame(11)));
  g.add(packet(avc_frame(20, false)));
  g.add(packet(avc_frame(30, true)));
  g.add(packet(aac_frame(31)));
  g.add(packet(avc_frame(40, false)));
  EXPECT_EQ(timestamps(g), (std::vector<std::uint32_t>{1, 2, 3, 30, 31, 40}));
  EXPECT_TRUE(g.has_gop());
  EXPECT_TRUE(g.has_video());
}

TEST(GopCache, NewSequenceHeaderReplacesTheOldInPlace) {
  GopCache g;
  g.add(packet(avc_config(1)));
  g.add(packet(aac_config(2)));
  g.add(packet(avc_config(5)));
  EXPECT_EQ(timestamps(g), (std::vector<std::uint32_t>{5, 2}));
  EXPECT_EQ(g.config_count(), 2u);
}

TEST(GopCache, NothingBeforeTheFirstKeyframeNoDataMessages) {
  GopCache g;
  g.add(packet(avc_config(0)));
  g.add(packet(avc_frame(10, false)));
  g.add(packet(aac_frame(11)));
  EXPECT_FALSE(g.has_gop());
  g.add(packet(avc_frame(20, true)));
  g.add(packet(make_data(0, {amf::Value("onCuePoint")}, 21)));
  EXPECT_EQ(timestamps(g), (std::vector<std::uint32_t>{0, 20}));
}

TEST(GopCache, DisabledKeepsOnlyMetadataAndConfigs) {
  GopCache g({.enabled = false});
  g.add(packet(avc_config(0)));
  g.add(packet(avc_frame(10, true)));
  g.add(packet(avc_frame(20, false)));
  EXPECT_EQ(timestamps(g), (std::vector<std::uint32_t>{0}));
  EXPECT_FALSE(g.has_gop());
  EXPECT_TRUE(g.has_video());
}

TEST(GopCache, OverlongGopIsDroppedUntilTheNextKeyframe) {
  GopCache g({.enabled = true, .max_bytes = 1000, .max_ms = 100});
  g.add(packet(avc_frame(0, true, 100)));
  g.add(packet(avc_frame(50, false, 100)));
  g.add(packet(avc_frame(150, false, 100)));  // 150 ms past the keyframe: too long
  EXPECT_FALSE(g.has_gop());
  g.add(packet(avc_frame(180, false, 100)));
  EXPECT_FALSE(g.has_gop());
  g.add(packet(avc_frame(200, true, 100)));
  for (std::uint32_t t = 210; t < 300; t += 10) g.add(packet(avc_frame(t, false, 100)));
  EXPECT_FALSE(g.has_gop());  // past 1000 bytes
  g.add(packet(avc_frame(300, true, 100)));
  EXPECT_EQ(g.gop_packets(), 1u);
}

TEST(GopCache, AudioOnlyHasNoGop) {
  GopCache g;
  g.add(packet(aac_config(0)));
  g.add(packet(aac_frame(10)));
  EXPECT_FALSE(g.has_gop());
  EXPECT_FALSE(g.has_video());
}

TEST(GopCache, ClearForgetsEverything) {
  GopCache g;
  g.set_metadata(packet(make_data(0, {amf::Value("onMetaData"), metadata()})));
  g.add(packet(avc_config(0)));
  g.add(packet(avc_frame(10, true)));
  g.clear();
  EXPECT_TRUE(timestamps(g).empty());
  EXPECT_FALSE(g.has_video());
}

}  // namespace
}  // namespace rtmp::relay
