#include "rtmp/media/demuxer.hpp"

#include "media_test_util.hpp"
#include "rtmp/media/muxer.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;
using test::cat;
using test::str;

Message avc_seq(std::uint32_t ts = 0) {
  return test::video(ts, cat({bytes({0x17, 0x00, 0x00, 0x00, 0x00}), test::avcc_high()}));
}

template <class T>
const T& as(const MediaEvent& e) {
  EXPECT_TRUE(std::holds_alternative<T>(e)) << "event index " << e.index();
  return std::get<T>(e);
}

TEST(Demuxer, AvcSequenceHeaderThenFrames) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  const Message seq = avc_seq();
  ASSERT_TRUE(d.push(seq, ev));
  ASSERT_EQ(ev.size(), 1u);
  const Codec& c = as<Codec>(ev[0]);
  EXPECT_EQ(c.type, TrackType::video);
  EXPECT_EQ(c.id, CodecId::h264);
  EXPECT_FALSE(c.enhanced);
  EXPECT_EQ(c.owner, seq.payload);
  EXPECT_EQ(c.config.data(), seq.payload->data() + 5);
  EXPECT_EQ(test::to_bytes(c.config), test::avcc_high());
  ASSERT_TRUE(std::holds_alternative<AvcConfig>(c.details));
  EXPECT_EQ(std::get<AvcConfig>(c.details).profile, 100);

  // B-frame: dts 100, cts -33 -> pts 67; two NAL units.
  ev.clear();
  const Message f = test::video(
      100, bytes({0x27, 0x01, 0xFF, 0xFF, 0xDF, 0, 0, 0, 2, 0x09, 0xF0, 0, 0, 0, 1, 0x01}));
  ASSERT_TRUE(d.push(f, ev));
  ASSERT_EQ(ev.size(), 1u);
  const VideoSample& s = as<VideoSample>(ev[0]);
  EXPECT_EQ(s.codec, CodecId::h264);
  EXPECT_EQ(s.dts, 100);
  EXPECT_EQ(s.pts, 67);
  EXPECT_FALSE(s.keyframe);
  EXPECT_EQ(s.frame_type, 2);
  EXPECT_EQ(s.data.size(), 11u);
  EXPECT_EQ(s.data.data(), f.payload->data() + 5);  // no copy
  ASSERT_EQ(s.nalus.size(), 2u);
  EXPECT_EQ(test::to_bytes(s.nalus[0]), bytes({0x09, 0xF0}));
  EXPECT_EQ(test::to_bytes(s.nalus[1]), bytes({0x01}));
  EXPECT_EQ(d.dropped(), 0u);
}

TEST(Demuxer, RecycleReusesNalUnitListsAndClearsTheEvents) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  ASSERT_TRUE(d.push(avc_seq(), ev));
  d.recycle(ev);  // a Codec event: nothing to keep
  EXPECT_TRUE(ev.empty());
  const Message f1 =
      test::video(0, bytes({0x17, 0x01, 0, 0, 0, 0, 0, 0, 2, 0x09, 0xF0, 0, 0, 0, 1, 0x65}));
  ASSERT_TRUE(d.push(f1, ev));
  const ByteView* list = as<VideoSample>(ev[0]).nalus.data();
  d.recycle(ev);
  EXPECT_TRUE(ev.empty());
  // The next sample's list is the recycled one, holding only the new units.
  const Message f2 =
      test::video(33, bytes({0x27, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x41, 0, 0, 0, 2, 0x41, 0x9A}));
  ASSERT_TRUE(d.push(f2, ev));
  const VideoSample& s = as<VideoSample>(ev[0]);
  EXPECT_EQ(s.nalus.data(), list);
  ASSERT_EQ(s.nalus.size(), 2u);
  EXPECT_EQ(test::to_bytes(s.nalus[0]), bytes({0x41}));
  EXPECT_EQ(test::to_bytes(s.nalus[1]), bytes({0x41, 0x9A}));
  // Without recycle() the list is the sample's own.
  std::vector<MediaEvent> other;
  ASSERT_TRUE(d.push(f1, other));
  EXPECT_NE(as<VideoSample>(other[0]).nalus.data(), s.nalus.data());
  EXPECT_EQ(as<VideoSample>(other[0]).nalus.size(), 2u);
}

TEST(Demuxer, VideoBeforeSequenceHeaderIsDroppedAndCounted) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  ASSERT_TRUE(d.push(test::video(0, bytes({0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65})), ev));
  ASSERT_TRUE(d.push(test::audio(0, bytes({0xAF, 0x01, 0x21})), ev));  // AAC before its ASC
  ASSERT_TRUE(d.push(test::video(0, {}), ev));                         // empty message
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(d.dropped(), 3u);
  // A frame of another codec than the configured one is dropped as well.
  ASSERT_TRUE(d.push(avc_seq(), ev));
  ASSERT_TRUE(d.push(test::video(0, bytes({0x1C, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x26})), ev));
  EXPECT_EQ(ev.size(), 1u);
  EXPECT_EQ(d.dropped(), 4u);
}

TEST(Demuxer, NalLengthOverrunIsMalformed) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  ASSERT_TRUE(d.push(avc_seq(), ev));
  auto r = d.push(test::video(40, bytes({0x17, 0x01, 0, 0, 0, 0, 0, 0, 9, 0x65, 0x88})), ev);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  EXPECT_NE(r.error().detail.find("video track 0 at 40 ms"), std::string::npos) << r.error().detail;
}

TEST(Demuxer, UsesTheConfigNalLengthSize) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  Bytes rec = test::avcc_high();
  rec[4] = 0xFD;  // 2-byte lengths
  ASSERT_TRUE(d.push(test::video(0, cat({bytes({0x17, 0, 0, 0, 0}), rec})), ev));
  ev.clear();
  ASSERT_TRUE(
      d.push(test::video(0, bytes({0x17, 0x01, 0, 0, 0, 0, 2, 0x65, 0x88, 0, 1, 0x06})), ev));
  const auto& s = as<VideoSample>(ev.at(0));
  ASSERT_EQ(s.nalus.size(), 2u);
  EXPECT_TRUE(s.keyframe);
}

TEST(Demuxer, MalformedConfigIsAnError) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  auto r = d.push(test::video(0, bytes({0x17, 0x00, 0, 0, 0, 0x01, 0x64})), ev);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::truncated);
  r = d.push(test::audio(0, bytes({0xAF, 0x00, 0x06, 0x90})), ev);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  r = d.push(test::video(0, cat({bytes({0x90}), str("av01"), bytes({0x01, 0, 0, 0})})), ev);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed);
  EXPECT_TRUE(ev.empty());
}

TEST(Demuxer, UnsupportedLegacyVideoCodec) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  auto r = d.push(test::video(0, bytes({0x11, 0x00})), ev);  // CodecID 1: JPEG, never used
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unsupported);
}

TEST(Demuxer, LegacyVideoCodecsPassThroughWithTheirIds) {
  const std::pair<int, CodecId> cases[] = {{2, CodecId::h263},
                                           {3, CodecId::screen},
                                           {4, CodecId::vp6},
                                           {5, CodecId::vp6a},
                                           {6, CodecId::screen2}};
  for (auto [id, codec] : cases) {
    Demuxer d;
    std::vector<MediaEvent> ev;
    const Bytes key = bytes({0x10 | id, 0x00, 0x84, 0x00, 0x11});
    const Bytes inter = bytes({0x20 | id, 0x00, 0x85, 0x22});
    ASSERT_TRUE(d.push(test::video(0, key), ev)) << id;
    ASSERT_TRUE(d.push(test::video(40, inter), ev)) << id;
    ASSERT_EQ(ev.size(), 3u) << id;
    const Codec& c = as<Codec>(ev[0]);
    EXPECT_EQ(c.type, TrackType::video);
    EXPECT_EQ(c.id, codec);
    EXPECT_TRUE(c.from_frame);
    EXPECT_TRUE(c.config.empty());
    const VideoSample& k = as<VideoSample>(ev[1]);
    EXPECT_EQ(k.codec, codec);
    EXPECT_TRUE(k.keyframe);
    EXPECT_EQ(k.pts, k.dts);
    EXPECT_EQ(test::to_bytes(k.data), Bytes(key.begin() + 1, key.end()));
    const VideoSample& i = as<VideoSample>(ev[2]);
    EXPECT_FALSE(i.keyframe);
    EXPECT_EQ(i.dts, 40);
    EXPECT_EQ(test::to_bytes(i.data), Bytes(inter.begin() + 1, inter.end()));
    // Muxed back to the same bytes.
    EXPECT_EQ(test::to_bytes(Muxer::mux(k, 1).data()), key);
    EXPECT_EQ(test::to_bytes(Muxer::mux(i, 1).data()), inter);
    EXPECT_FALSE(Muxer::has_wire_form(c));
  }
}

TEST(Demuxer, LegacyVideoCodecChangeAnnouncesTheNewCodec) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  ASSERT_TRUE(d.push(test::video(0, bytes({0x12, 0x01})), ev));
  ASSERT_TRUE(d.push(test::video(40, bytes({0x22, 0x02})), ev));  // same codec: no new Codec
  ASSERT_TRUE(d.push(test::video(80, bytes({0x14, 0x00, 0x03})), ev));
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(as<Codec>(ev[0]).id, CodecId::h263);
  as<VideoSample>(ev[2]);
  EXPECT_EQ(as<Codec>(ev[3]).id, CodecId::vp6);
  EXPECT_EQ(as<VideoSample>(ev[4]).codec, CodecId::vp6);
}

// A new sequence header mid-stream (an encoder restarting, a resolution change) is a new
// Codec, and later frames follow it (here: its NAL length size).
TEST(Demuxer, AvcSequenceHeaderChangeMidStream) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  const Bytes baseline = bytes({0x01, 0x42, 0x00, 0x1E, 0xFD, 0xE1, 0x00, 0x04, 0x67, 0x42, 0x00,
                                0x1E, 0x01, 0x00, 0x02, 0x68, 0xCE});
  ASSERT_TRUE(d.push(avc_seq(0), ev));
  ASSERT_TRUE(d.push(test::video(0, bytes({0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65})), ev));
  ASSERT_TRUE(d.push(test::video(40, cat({bytes({0x17, 0x00, 0, 0, 0}), baseline})), ev));
  ASSERT_TRUE(d.push(test::video(40, bytes({0x17, 0x01, 0, 0, 0, 0, 2, 0x65, 0x88})), ev));
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(std::get<AvcConfig>(as<Codec>(ev[0]).details).profile, 100);
  const Codec& second = as<Codec>(ev[2]);
  EXPECT_EQ(second.timestamp, 40);
  const auto& avc = std::get<AvcConfig>(second.details);
  EXPECT_EQ(avc.profile, 66);
  EXPECT_EQ(avc.nal_length_size, 2);
  const VideoSample& s = as<VideoSample>(ev[3]);
  ASSERT_EQ(s.nalus.size(), 1u);
  EXPECT_EQ(test::to_bytes(s.nalus[0]), bytes({0x65, 0x88}));
}

TEST(Demuxer, AacSequenceHeaderChangeMidStream) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  ASSERT_TRUE(d.push(test::audio(0, cat({bytes({0xAF, 0x00}), test::asc_lc()})), ev));
  ASSERT_TRUE(d.push(test::audio(23, bytes({0xAF, 0x01, 0x21})), ev));
  // AAC LC, 48 kHz, stereo.
  ASSERT_TRUE(d.push(test::audio(46, bytes({0xAF, 0x00, 0x11, 0x90})), ev));
  ASSERT_TRUE(d.push(test::audio(67, bytes({0xAF, 0x01, 0x22})), ev));
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(std::get<AacConfig>(as<Codec>(ev[0]).details).sample_rate, 44100u);
  const Codec& second = as<Codec>(ev[2]);
  EXPECT_EQ(second.timestamp, 46);
  EXPECT_EQ(std::get<AacConfig>(second.details).sample_rate, 48000u);
  EXPECT_EQ(test::to_bytes(as<AudioSample>(ev[3]).data), bytes({0x22}));
}

TEST(Demuxer, TimestampsUnwrapAcross32Bits) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  for (std::uint32_t ts : {0xFFFFFFF0u, 0xFFFFFFFFu, 0x00000010u, 0x00000005u, 0x80000000u})
    ASSERT_TRUE(d.push(test::audio(ts, bytes({0x2F, 0xFF})), ev));
  std::vector<std::int64_t> got;
  for (const auto& e : ev)
    if (auto* s = std::get_if<AudioSample>(&e)) got.push_back(s->timestamp);
  const std::int64_t base = 0xFFFFFFF0ll;
  EXPECT_EQ(got, (std::vector<std::int64_t>{base, base + 15, base + 32, base + 21, 0x180000000ll}));
}

TEST(Demuxer, LegacyAudioWithoutConfigAnnouncesCodecOnChange) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  ASSERT_TRUE(d.push(test::audio(0, bytes({0x2F, 0xFF, 0xFB})), ev));
  ASSERT_TRUE(d.push(test::audio(26, bytes({0x2F, 0xFF, 0xFB})), ev));
  ASSERT_TRUE(d.push(test::audio(52, bytes({0x2E, 0xFF, 0xFB})), ev));  // now mono
  ASSERT_EQ(ev.size(), 5u);
  const Codec& c = as<Codec>(ev[0]);
  EXPECT_EQ(c.type, TrackType::audio);
  EXPECT_EQ(c.id, CodecId::mp3);
  EXPECT_TRUE(c.from_frame);
  EXPECT_TRUE(c.config.empty());
  const auto& la = std::get<LegacyAudio>(c.details);
  EXPECT_EQ(la.sound_format, 2);
  EXPECT_EQ(la.sound_rate, 3);
  EXPECT_EQ(la.sound_size, 1);
  EXPECT_EQ(la.sound_type, 1);
  EXPECT_EQ(as<AudioSample>(ev[1]).data.size(), 2u);
  EXPECT_EQ(as<AudioSample>(ev[1]).sound_flags, 0x2F);
  as<AudioSample>(ev[2]);
  EXPECT_EQ(std::get<LegacyAudio>(as<Codec>(ev[3]).details).sound_type, 0);
  EXPECT_EQ(as<AudioSample>(ev[4]).timestamp, 52);
}

TEST(Demuxer, AacSequenceHeaderAndFrames) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  ASSERT_TRUE(d.push(test::audio(0, cat({bytes({0xAF, 0x00}), test::asc_lc()})), ev));
  ASSERT_TRUE(d.push(test::audio(23, bytes({0xAF, 0x01, 0x21, 0x10, 0x04})), ev));
  ASSERT_EQ(ev.size(), 2u);
  const Codec& c = as<Codec>(ev[0]);
  EXPECT_EQ(c.id, CodecId::aac);
  EXPECT_EQ(c.sound_flags, 0xAF);
  EXPECT_EQ(std::get<AacConfig>(c.details).sample_rate, 44100u);
  const AudioSample& s = as<AudioSample>(ev[1]);
  EXPECT_EQ(s.timestamp, 23);
  EXPECT_EQ(test::to_bytes(s.data), bytes({0x21, 0x10, 0x04}));
}

TEST(Demuxer, EnhancedHevcAndAv1) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  const Bytes hvcc = bytes({0x01, 0x01, 0x60, 0,    0,    0,    0x90, 0,    0,    0,    0,   0,
                            0x5D, 0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x00});
  ASSERT_TRUE(d.push(test::video(0, cat({bytes({0x90}), str("hvc1"), hvcc})), ev));
  ASSERT_TRUE(d.push(test::video(0, cat({bytes({0x91}), str("hvc1"), bytes({0, 0, 0x21}),
                                         bytes({0, 0, 0, 2, 0x26, 0x01})})),
                     ev));
  ASSERT_TRUE(
      d.push(test::video(33, cat({bytes({0xA3}), str("hvc1"), bytes({0, 0, 0, 1, 0x02})})), ev));
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_TRUE(as<Codec>(ev[0]).enhanced);
  EXPECT_TRUE(std::holds_alternative<HevcConfig>(as<Codec>(ev[0]).details));
  EXPECT_EQ(as<VideoSample>(ev[1]).pts, 33);
  EXPECT_TRUE(as<VideoSample>(ev[1]).keyframe);
  EXPECT_EQ(as<VideoSample>(ev[1]).nalus.size(), 1u);
  EXPECT_TRUE(as<VideoSample>(ev[2]).coded_frames_x);
  EXPECT_EQ(as<VideoSample>(ev[2]).pts, 33);

  ev.clear();
  ASSERT_TRUE(d.push(
      test::video(40, cat({bytes({0x90}), str("av01"), bytes({0x81, 0x08, 0x0C, 0x00})})), ev));
  ASSERT_TRUE(
      d.push(test::video(40, cat({bytes({0x91}), str("av01"), bytes({0x12, 0x00, 0x32})})), ev));
  ASSERT_TRUE(
      d.push(test::video(41, cat({bytes({0x84}), str("av01"), bytes({0x02, 0x00, 0x00})})), ev));
  ASSERT_TRUE(d.push(test::video(42, cat({bytes({0x92}), str("av01")})), ev));
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(std::get<Av1Config>(as<Codec>(ev[0]).details).seq_level_idx_0, 8);
  EXPECT_TRUE(as<VideoSample>(ev[1]).nalus.empty());
  EXPECT_EQ(as<VideoSample>(ev[1]).data.size(), 3u);
  EXPECT_EQ(as<VideoMetadata>(ev[2]).amf.size(), 3u);
  EXPECT_EQ(as<SequenceEnd>(ev[3]).codec, CodecId::av1);
  EXPECT_EQ(as<SequenceEnd>(ev[3]).timestamp, 42);
}

TEST(Demuxer, EnhancedAudio) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  const Bytes head = cat({str("OpusHead"), bytes({1, 2, 0x38, 1, 0x80, 0xBB, 0, 0, 0, 0, 0})});
  ASSERT_TRUE(d.push(test::audio(0, cat({bytes({0x91}), str("Opus"), bytes({0xFC})})), ev));
  EXPECT_EQ(d.dropped(), 1u);  // Opus before its OpusHead
  ASSERT_TRUE(d.push(test::audio(0, cat({bytes({0x90}), str("Opus"), head})), ev));
  ASSERT_TRUE(d.push(test::audio(20, cat({bytes({0x91}), str("Opus"), bytes({0xFC})})), ev));
  ASSERT_TRUE(d.push(test::audio(20, cat({bytes({0x94}), str("Opus"), bytes({2, 2, 0, 1})})), ev));
  ASSERT_TRUE(d.push(test::audio(21, cat({bytes({0x91}), str("ac-3"), bytes({0x0B, 0x77})})), ev));
  ASSERT_TRUE(d.push(test::audio(22, cat({bytes({0x92}), str("Opus")})), ev));
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(std::get<OpusHead>(as<Codec>(ev[0]).details).pre_skip, 312);
  EXPECT_EQ(as<AudioSample>(ev[1]).codec, CodecId::opus);
  EXPECT_TRUE(as<AudioSample>(ev[1]).enhanced);
  const auto& mc = as<AudioChannelConfig>(ev[2]);
  EXPECT_EQ(mc.channel_order, 2);
  EXPECT_EQ(mc.channel_mapping, (std::vector<std::uint8_t>{0, 1}));
  // AC-3 has no sequence start: its first frame announces it.
  EXPECT_TRUE(as<Codec>(ev[3]).from_frame);
  EXPECT_EQ(as<Codec>(ev[3]).id, CodecId::ac3);
  EXPECT_EQ(as<AudioSample>(ev[4]).codec, CodecId::ac3);
  EXPECT_EQ(as<SequenceEnd>(ev[5]).type, TrackType::audio);
}

TEST(Demuxer, MultitrackEventsCarryTrackIds) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  const Bytes avcc = test::avcc_high();
  const std::uint32_t n = static_cast<std::uint32_t>(avcc.size());
  Bytes seq = cat({bytes({0x96, 0x10}), str("avc1")});
  for (std::uint8_t track : {0, 1}) {
    seq.push_back(track);
    seq.insert(seq.end(), {0, 0, static_cast<std::uint8_t>(n)});
    seq.insert(seq.end(), avcc.begin(), avcc.end());
  }
  ASSERT_TRUE(d.push(test::video(0, seq), ev));
  ASSERT_TRUE(d.push(
      test::video(0, cat({bytes({0x96, 0x03}), str("avc1"), bytes({1, 0, 0, 0, 1, 0x65})})), ev));
  ASSERT_TRUE(
      d.push(test::video(0, cat({bytes({0x96, 0x03}), str("avc1"), bytes({7, 0, 0, 0, 1, 0x65})})),
             ev));  // track 7 has no config
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(as<Codec>(ev[0]).track_id, 0);
  EXPECT_EQ(as<Codec>(ev[1]).track_id, 1);
  EXPECT_EQ(as<Codec>(ev[1]).multitrack, MultitrackMode::many_tracks);
  EXPECT_EQ(as<VideoSample>(ev[2]).track_id, 1);
  EXPECT_EQ(d.dropped(), 1u);
}

TEST(Demuxer, CommandFramesAndIgnoredTypes) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  ASSERT_TRUE(d.push(test::video(5, bytes({0x57, 0x00})), ev));
  ASSERT_TRUE(d.push(test::video(6, bytes({0xD1, 0x01})), ev));
  Message data = test::video(0, bytes({0x02}));
  data.type = msg::data_amf0;
  ASSERT_TRUE(d.push(data, ev));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(as<VideoCommand>(ev[0]).command, 0);
  EXPECT_EQ(as<VideoCommand>(ev[0]).codec, CodecId::h264);
  EXPECT_EQ(as<VideoCommand>(ev[1]).command, 1);
  EXPECT_TRUE(as<VideoCommand>(ev[1]).enhanced);
}

TEST(Demuxer, ResetForgetsConfig) {
  Demuxer d;
  std::vector<MediaEvent> ev;
  ASSERT_TRUE(d.push(avc_seq(), ev));
  d.reset();
  ASSERT_TRUE(d.push(test::video(0, bytes({0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65})), ev));
  EXPECT_EQ(ev.size(), 1u);
  EXPECT_EQ(d.dropped(), 1u);
}

}  // namespace
}  // namespace rtmp
