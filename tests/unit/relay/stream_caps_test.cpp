// Stream: Enhanced RTMP players sorted by their connect caps (full, one-track, legacy).
#include "relay/stream.hpp"

#include "rtmp/media/muxer.hpp"
#include "unit/relay/fake_session.hpp"
#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace rtmp::relay {
namespace {

using namespace test;

const Bytes kHvcc = {0x01, 0x01, 0x60, 0,    0,    0,    0x90, 0,    0,    0,    0,   0,
                     0x5D, 0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x00};
const Bytes kAvcc = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64,
                     0x00, 0x1f, 0x01, 0x00, 0x04, 0x68, 0xeb, 0xe3, 0xcb};
const Bytes kAsc = {0x12, 0x10};
const Bytes kOpusHead = {'O',  'p',  'u',  's',  'H', 'e', 'a', 'd', 1, 2,
                         0x38, 0x01, 0x80, 0xBB, 0,   0,   0,   0,   0};

Message config(TrackType type, CodecId id, const Bytes& body, std::uint8_t track = 0,
               MultitrackMode mt = MultitrackMode::none, bool enhanced = true) {
  Codec c;
  c.type = type;
  c.id = id;
  c.track_id = track;
  c.owner = make_shared_bytes(body);
  c.config = *c.owner;
  c.enhanced = enhanced;
  c.multitrack = mt;
  return Muxer::mux(c);
}

Message vframe(CodecId id, std::uint32_t ts, bool key, std::uint8_t track = 0,
               MultitrackMode mt = MultitrackMode::none, bool enhanced = true) {
  VideoSample s = VideoSample::from_data(id, ts, ts, key, Bytes{0, 0, 0, 2, 0x65, 0x88});
  s.track_id = track;
  s.multitrack = mt;
  s.enhanced = enhanced;
  return Muxer::mux(s);
}

Message aframe(CodecId id, std::uint32_t ts, std::uint8_t track = 0,
               MultitrackMode mt = MultitrackMode::none) {
  AudioSample s = AudioSample::from_data(id, ts, Bytes{0x21, 0x10, 0x04});
  s.track_id = track;
  s.multitrack = mt;
  s.enhanced = true;
  return Muxer::mux(s);
}

ConnectCaps legacy_caps() {
  return {};
}
ConnectCaps list_caps(std::vector<std::string> list) {
  ConnectCaps c;
  c.fourcc_list = std::move(list);
  return c;
}
ConnectCaps full_caps() {
  ConnectCaps c;
  c.fourcc_list = {"*"};
  c.caps_ex = caps_ex::multitrack;
  return c;
}

class StreamCapsTest : public ::testing::Test {
 protected:
  void SetUp() override { spdlog::set_level(spdlog::level::off); }
  std::shared_ptr<FakeSession> session() { return std::make_shared<FakeSession>(next_id_++); }

  // Track 0: avc1 + mp4a (what a legacy player can decode); track 1: hvc1 + Opus.
  void publish_multitrack(Stream& s, FakeSession& pub, std::uint32_t frames = 3) {
    const auto mt = MultitrackMode::one_track;
    s.on_message(pub.id(), config(TrackType::video, CodecId::h264, kAvcc, 0, mt), t0_);
    s.on_message(pub.id(), config(TrackType::video, CodecId::h265, kHvcc, 1, mt), t0_);
    s.on_message(pub.id(), config(TrackType::audio, CodecId::aac, kAsc, 0, mt), t0_);
    s.on_message(pub.id(), config(TrackType::audio, CodecId::opus, kOpusHead, 1, mt), t0_);
    for (std::uint32_t i = 0; i < frames; ++i) {
      const std::uint32_t ts = i * 40;
      s.on_message(pub.id(), vframe(CodecId::h264, ts, i == 0, 0, mt), t0_);
      s.on_message(pub.id(), vframe(CodecId::h265, ts, i == 0, 1, mt), t0_);
      s.on_message(pub.id(), aframe(CodecId::aac, ts, 0, mt), t0_);
      s.on_message(pub.id(), aframe(CodecId::opus, ts, 1, mt), t0_);
    }
  }
  void publish_hevc(Stream& s, FakeSession& pub) {
    s.on_message(pub.id(), config(TrackType::video, CodecId::h265, kHvcc), t0_);
    s.on_message(pub.id(), vframe(CodecId::h265, 0, true), t0_);
  }

  RelayConfig config_;
  TimePoint t0_ = Clock::now();
  std::uint64_t next_id_ = 1;
};

// Every message decoded from what the player was sent parses as one track, legacy or not.
struct Seen {
  std::size_t video = 0, audio = 0, multitrack = 0, enhanced = 0;
  std::vector<CodecId> codecs;
};
Seen inspect(const FakeSession& p) {
  Seen s;
  std::vector<flv::VideoTagPart> v;
  std::vector<flv::AudioTagPart> a;
  for (const auto& m : p.decode()) {
    if (m.type == msg::video) {
      EXPECT_TRUE(flv::parse_video_tag(m.data(), v));
      ++s.video;
      for (const auto& part : v) {
        s.multitrack += part.multitrack != MultitrackMode::none;
        s.enhanced += part.enhanced;
        s.codecs.push_back(part.codec);
      }
    } else if (m.type == msg::audio) {
      EXPECT_TRUE(flv::parse_audio_tag(m.data(), a));
      ++s.audio;
      for (const auto& part : a) {
        s.multitrack += part.multitrack != MultitrackMode::none;
        s.enhanced += part.enhanced;
        s.codecs.push_back(part.codec);
      }
    }
  }
  return s;
}

TEST(PlayerKind, FromConnectCaps) {
  EXPECT_EQ(player_kind(legacy_caps()), PlayerKind::legacy);
  EXPECT_EQ(player_kind(list_caps({"hvc1"})), PlayerKind::one_track);
  ConnectCaps maps;
  maps.video_fourcc_info = {{"*", fourcc_info::can_decode}};
  EXPECT_EQ(player_kind(maps), PlayerKind::one_track);
  EXPECT_EQ(player_kind(full_caps()), PlayerKind::full);
  ConnectCaps only_mt;
  only_mt.caps_ex = caps_ex::multitrack;
  EXPECT_EQ(player_kind(only_mt), PlayerKind::full);
}

TEST_F(StreamCapsTest, LegacyPlayerOfALiveHevcStreamIsRejectedNamingTheCodec) {
  Stream s("live", "key", config_);
  auto pub = session();
  ASSERT_TRUE(s.publish(pub, 1, t0_, nullptr).accepted);
  publish_hevc(s, *pub);
  const ConnectCaps caps = legacy_caps();
  auto player = session();
  Decision d = s.play(player, 1, t0_, &caps);
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.code, "NetStream.Play.Failed");
  EXPECT_EQ(d.description, "HEVC (hvc1) needs Enhanced RTMP; this player did not announce it");
  EXPECT_TRUE(player->encoded.empty());
  EXPECT_EQ(s.stats(t0_).players, 0u);
}

TEST_F(StreamCapsTest, LegacyHevcCodecId12IsRefusedToo) {
  Stream s("live", "key", config_);
  auto pub = session();
  ASSERT_TRUE(s.publish(pub, 1, t0_, nullptr).accepted);
  s.on_message(pub->id(),
               config(TrackType::video, CodecId::h265, kHvcc, 0, MultitrackMode::none, false), t0_);
  const ConnectCaps caps = legacy_caps();
  Decision d = s.play(session(), 1, t0_, &caps);
  EXPECT_FALSE(d.accepted);
  EXPECT_NE(d.description.find("HEVC (legacy FLV codec)"), std::string::npos) << d.description;
  // An Enhanced player reads legacy headers: accepted whatever its list.
  const ConnectCaps enhanced = list_caps({"av01"});
  EXPECT_TRUE(s.play(session(), 1, t0_, &enhanced).accepted);
}

TEST_F(StreamCapsTest, WaitingLegacyPlayerFailsAtTheHevcSequenceHeaderAndGetsNoneOfIt) {
  Stream s("live", "key", config_);
  const ConnectCaps legacy = legacy_caps(), hevc = list_caps({"hvc1"});
  auto old_player = session(), new_player = session();
  ASSERT_TRUE(s.play(old_player, 1, t0_, &legacy).accepted);
  ASSERT_TRUE(s.play(new_player, 1, t0_, &hevc).accepted);
  auto pub = session();
  ASSERT_TRUE(s.publish(pub, 1, t0_, nullptr).accepted);
  old_player->clear();
  publish_hevc(s, *pub);
  EXPECT_EQ(old_player->log, (std::vector<std::string>{"status NetStream.Play.Failed", "close"}));
  EXPECT_EQ(old_player->descriptions.back(),
            "HEVC (hvc1) needs Enhanced RTMP; this player did not announce it");
  EXPECT_EQ(new_player->only("media").size(), 2u);
  EXPECT_EQ(s.stats(t0_).players, 1u);
}

TEST_F(StreamCapsTest, EnhancedPlayerWithoutTheFourCcIsRefused) {
  Stream s("live", "key", config_);
  auto pub = session();
  ASSERT_TRUE(s.publish(pub, 1, t0_, nullptr).accepted);
  publish_hevc(s, *pub);
  const ConnectCaps av1_only = list_caps({"av01", "vp09"});
  Decision d = s.play(session(), 1, t0_, &av1_only);
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.code, "NetStream.Play.Failed");
  EXPECT_EQ(d.description, "HEVC (hvc1) is not in this player's fourCcList / FourCC info map");
  ConnectCaps map;
  map.video_fourcc_info = {{"hvc1", fourcc_info::can_decode}};
  auto ok = session();
  ASSERT_TRUE(s.play(ok, 1, t0_, &map).accepted);
  EXPECT_EQ(ok->only("media").size(), 2u);
}

TEST_F(StreamCapsTest, EachKindGetsItsFormOfAMultitrackStreamEncodedOncePerKind) {
  Stream s("live", "key", config_);
  auto pub = session();
  ASSERT_TRUE(s.publish(pub, 1, t0_, nullptr).accepted);
  const ConnectCaps legacy = legacy_caps(), one = list_caps({"*"}), full = full_caps();
  auto l1 = session(), l2 = session(), o1 = session(), f1 = session(), internal = session();
  for (auto& [p, c] :
       {std::pair{l1, &legacy}, std::pair{l2, &legacy}, std::pair{o1, &one}, std::pair{f1, &full}})
    ASSERT_TRUE(s.play(p, 1, t0_, c).accepted);
  ASSERT_TRUE(s.play(internal, 1, t0_).accepted);
  publish_multitrack(s, *pub);

  // Legacy: track 0 only, legacy AVC / AAC headers (codec id 7, SoundFormat 10).
  Seen l = inspect(*l1);
  EXPECT_EQ(l.video, 4u);  // sequence header + 3 frames
  EXPECT_EQ(l.audio, 4u);
  EXPECT_EQ(l.enhanced, 0u);
  EXPECT_EQ(l.multitrack, 0u);
  for (CodecId c : l.codecs) EXPECT_TRUE(c == CodecId::h264 || c == CodecId::aac);
  // One-track Enhanced: track 0 only, FourCC headers without multitrack framing.
  Seen o = inspect(*o1);
  EXPECT_EQ(o.video, 4u);
  EXPECT_EQ(o.audio, 4u);
  EXPECT_EQ(o.enhanced, 8u);
  EXPECT_EQ(o.multitrack, 0u);
  // Full and internal players: everything as published.
  for (auto* p : {f1.get(), internal.get()}) {
    Seen f = inspect(*p);
    EXPECT_EQ(f.video, 8u);
    EXPECT_EQ(f.audio, 8u);
    EXPECT_EQ(f.multitrack, 16u);
  }
  // No per-player copy: the two legacy players share every buffer.
  ASSERT_EQ(l1->encoded.size(), l2->encoded.size());
  for (std::size_t i = 0; i < l1->encoded.size(); ++i)
    EXPECT_EQ(l1->encoded[i].chunks.get(), l2->encoded[i].chunks.get());
  for (std::size_t i = 0; i < f1->encoded.size(); ++i)
    EXPECT_EQ(f1->encoded[i].chunks.get(), internal->encoded[i].chunks.get());
}

TEST_F(StreamCapsTest, LateLegacyJoinerGetsTheFilteredSequenceHeadersAndGop) {
  Stream s("live", "key", config_);
  auto pub = session();
  ASSERT_TRUE(s.publish(pub, 1, t0_, nullptr).accepted);
  publish_multitrack(s, *pub, 2);
  const ConnectCaps legacy = legacy_caps();
  auto late = session();
  ASSERT_TRUE(s.play(late, 1, t0_, &legacy).accepted);
  Seen l = inspect(*late);
  EXPECT_EQ(l.video, 3u);  // header, keyframe, inter frame of track 0
  EXPECT_EQ(l.audio, 3u);
  EXPECT_EQ(l.enhanced + l.multitrack, 0u);
  const auto msgs = late->decode();
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs[0].data()[0], 0x17);  // AVC keyframe, sequence header
  EXPECT_EQ(msgs[0].data()[1], 0x00);
}

TEST_F(StreamCapsTest, RepublishWithACodecThePlayerCannotTakeFailsIt) {
  Stream s("live", "key", config_);
  const ConnectCaps legacy = legacy_caps();
  auto player = session();
  auto pub = session();
  ASSERT_TRUE(s.publish(pub, 1, t0_, nullptr).accepted);
  s.on_message(pub->id(), avc_config(), t0_);
  s.on_message(pub->id(), avc_frame(0, true), t0_);
  ASSERT_TRUE(s.play(player, 1, t0_, &legacy).accepted);
  s.unpublish(pub->id(), t0_, "gone");
  // The same publisher comes back with HEVC: the player stays through the republish and is
  // failed at the HEVC sequence header, which it never gets.
  ASSERT_TRUE(s.publish(pub, 1, t0_, nullptr).accepted);
  player->clear();
  publish_hevc(s, *pub);
  EXPECT_TRUE(player->only("media").empty());
  EXPECT_EQ(player->only("status"), (std::vector<std::string>{"status NetStream.Play.Failed"}));
  EXPECT_TRUE(player->closed);
  // Back to AVC: new legacy players are welcome again.
  s.unpublish(pub->id(), t0_, "gone");
  ASSERT_TRUE(s.publish(pub, 1, t0_, nullptr).accepted);
  s.on_message(pub->id(), avc_config(), t0_);
  EXPECT_TRUE(s.play(session(), 1, t0_, &legacy).accepted);
}

TEST_F(StreamCapsTest, MidStreamCodecSwitchIsCheckedAtTheNewSequenceHeader) {
  Stream s("live", "key", config_);
  const ConnectCaps legacy = legacy_caps(), hevc = list_caps({"hvc1"});
  auto pub = session();
  ASSERT_TRUE(s.publish(pub, 1, t0_, nullptr).accepted);
  s.on_message(pub->id(), avc_config(), t0_);
  auto l = session(), e = session();
  ASSERT_TRUE(s.play(l, 1, t0_, &legacy).accepted);
  ASSERT_TRUE(s.play(e, 1, t0_, &hevc).accepted);
  publish_hevc(s, *pub);
  EXPECT_TRUE(l->closed);
  EXPECT_FALSE(e->closed);
  EXPECT_EQ(s.stats(t0_).players, 1u);
}

}  // namespace
}  // namespace rtmp::relay
