#include "rtmp/media/track_filter.hpp"

#include "media_test_util.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/muxer.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;
using test::cat;
using test::str;
using Target = TrackFilter::Target;

Codec codec(TrackType type, CodecId id, const Bytes& config, std::uint8_t track = 0,
            MultitrackMode mt = MultitrackMode::none, bool enhanced = true) {
  Codec c;
  c.type = type;
  c.id = id;
  c.track_id = track;
  c.owner = make_shared_bytes(config);
  c.config = *c.owner;
  c.enhanced = enhanced;
  c.multitrack = mt;
  return c;
}

VideoSample frame(CodecId id, std::int64_t dts, std::int64_t pts, bool key, std::uint8_t track = 0,
                  MultitrackMode mt = MultitrackMode::none, bool enhanced = true) {
  VideoSample s = VideoSample::from_data(id, dts, pts, key, bytes({0, 0, 0, 2, 0x65, 0x88}));
  s.track_id = track;
  s.multitrack = mt;
  s.enhanced = enhanced;
  return s;
}

AudioSample sound(CodecId id, std::int64_t ts, std::uint8_t track = 0,
                  MultitrackMode mt = MultitrackMode::none, bool enhanced = true) {
  AudioSample s = AudioSample::from_data(id, ts, bytes({0x21, 0x10, 0x04}));
  s.track_id = track;
  s.multitrack = mt;
  s.enhanced = enhanced;
  return s;
}

std::optional<Message> run(TrackFilter& f, const Message& m) {
  auto r = f.apply(m);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return r ? *r : std::nullopt;
}

const Bytes kHvcc = bytes({0x01, 0x01, 0x60, 0,    0,    0,    0x90, 0,    0,    0,    0,   0,
                           0x5D, 0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x00});
const Bytes kAv1c = bytes({0x81, 0x00, 0x0C, 0x00});

TEST(TrackFilter, NonMediaAndLegacyMessagesPassUnchanged) {
  for (auto target : {Target::legacy, Target::enhanced_one_track}) {
    TrackFilter f(target);
    Message data = make_data(1, {amf::Value("onMetaData"), amf::Value::object()});
    auto out = run(f, data);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->payload, data.payload);
    Message avc = Muxer::mux(frame(CodecId::h264, 0, 40, true, 0, MultitrackMode::none, false));
    out = run(f, avc);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->payload, avc.payload);  // shared, not copied
    Message aac = Muxer::mux(sound(CodecId::aac, 0, 0, MultitrackMode::none, false));
    out = run(f, aac);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->payload, aac.payload);
  }
}

TEST(TrackFilter, DefaultTrackOfAMultitrackStreamWithoutFraming) {
  TrackFilter f(Target::enhanced_one_track);
  const auto mt = MultitrackMode::one_track;
  // Track 0 HEVC, track 1 AV1: only track 0 comes through, as a plain hvc1 message.
  auto seq0 = run(f, Muxer::mux(codec(TrackType::video, CodecId::h265, kHvcc, 0, mt)));
  auto seq1 = run(f, Muxer::mux(codec(TrackType::video, CodecId::av1, kAv1c, 1, mt)));
  ASSERT_TRUE(seq0);
  EXPECT_FALSE(seq1);
  EXPECT_EQ(test::to_bytes(seq0->data()),
            test::to_bytes(Muxer::mux(codec(TrackType::video, CodecId::h265, kHvcc)).data()));
  auto f0 = run(f, Muxer::mux(frame(CodecId::h265, 40, 80, false, 0, mt)));
  ASSERT_TRUE(f0);
  EXPECT_EQ(f0->timestamp, 40u);
  EXPECT_EQ(test::to_bytes(f0->data()),
            test::to_bytes(Muxer::mux(frame(CodecId::h265, 40, 80, false)).data()));
  EXPECT_FALSE(run(f, Muxer::mux(frame(CodecId::av1, 40, 40, false, 1, mt))));
  EXPECT_EQ(f.blocked_video(), CodecId::unknown);  // Enhanced players get any codec

  // A plain Enhanced message is already what the player takes.
  Message plain = Muxer::mux(frame(CodecId::av1, 80, 80, true));
  auto out = run(f, plain);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->payload, plain.payload);
}

TEST(TrackFilter, ManyTracksMessagePicksTheWantedTrack) {
  // ManyTracks avc1: track 0 (1 byte) and track 1 (1 byte), CodedFramesX.
  const Bytes many = cat({bytes({0x96, 0x13}), str("avc1"), bytes({0x00, 0x00, 0x00, 0x01, 0xAA}),
                          bytes({0x01, 0x00, 0x00, 0x01, 0xBB})});
  Message m = test::video(100, many);
  TrackFilter second(Target::enhanced_one_track, 1);
  auto out = run(second, m);
  ASSERT_TRUE(out);
  EXPECT_EQ(test::to_bytes(out->data()), cat({bytes({0x93}), str("avc1"), bytes({0xBB})}));
  TrackFilter legacy(Target::legacy);
  out = run(legacy, m);
  ASSERT_TRUE(out);
  // Legacy AVC: key frame, codec 7, NALU, composition time 0.
  EXPECT_EQ(test::to_bytes(out->data()), bytes({0x17, 0x01, 0x00, 0x00, 0x00, 0xAA}));
  EXPECT_FALSE(run(legacy, test::video(100, cat({bytes({0x96, 0x13}), str("avc1"),
                                                 bytes({0x01, 0x00, 0x00, 0x01, 0xBB})}))));
}

TEST(TrackFilter, LegacyPlayerGetsAvcAndAacWithLegacyHeaders) {
  TrackFilter f(Target::legacy);
  const auto mt = MultitrackMode::one_track;
  Demuxer original, filtered;
  std::vector<MediaEvent> want, got;
  std::vector<Message> in = {
      Muxer::mux(codec(TrackType::video, CodecId::h264, test::avcc_high(), 0, mt)),
      Muxer::mux(codec(TrackType::audio, CodecId::aac, test::asc_lc(), 0, mt)),
      Muxer::mux(codec(TrackType::audio, CodecId::opus,
                       cat({str("OpusHead"), bytes({1, 2, 0x38, 1, 0x80, 0xBB, 0, 0, 0, 0, 0})}), 1,
                       mt)),
      Muxer::mux(frame(CodecId::h264, 0, 40, true, 0, mt)),
      Muxer::mux(sound(CodecId::aac, 10, 0, mt)),
      Muxer::mux(sound(CodecId::opus, 12, 1, mt)),
  };
  VideoSample x = frame(CodecId::h264, 40, 40, false, 0, mt);
  x.coded_frames_x = true;
  x.timestamp_nano_offset = 500;  // no legacy form: dropped
  in.push_back(Muxer::mux(x));
  in.push_back(Muxer::sequence_end(TrackType::video, CodecId::h264, 80));
  std::vector<Message> out;
  for (const auto& m : in) {
    if (auto r = run(f, m)) out.push_back(*r);
    ASSERT_TRUE(original.push(m, want));
  }
  ASSERT_EQ(out.size(), 6u);          // everything but the Opus track's two messages
  EXPECT_EQ(out[0].data()[0], 0x17);  // key frame, AVC
  EXPECT_EQ(out[0].data()[1], 0x00);  // sequence header
  EXPECT_EQ(out[1].data()[0], 0xAF);  // AAC 44 kHz 16-bit stereo
  EXPECT_EQ(out[1].data()[1], 0x00);
  EXPECT_EQ(test::to_bytes(out[4].data()), bytes({0x27, 0x01, 0, 0, 0, 0, 0, 0, 2, 0x65, 0x88}));
  EXPECT_EQ(out[5].data()[0], 0x17);
  EXPECT_EQ(out[5].data()[1], 0x02);  // AVC end of sequence
  for (const auto& m : out) ASSERT_TRUE(filtered.push(m, got));
  // Same media, legacy form: codecs, timestamps and frame bytes of tracks 0.
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(std::get<Codec>(got[0]).id, CodecId::h264);
  EXPECT_FALSE(std::get<Codec>(got[0]).enhanced);
  EXPECT_EQ(std::get<Codec>(got[1]).id, CodecId::aac);
  const auto& v = std::get<VideoSample>(got[2]);
  EXPECT_EQ(v.dts, 0);
  EXPECT_EQ(v.pts, 40);
  EXPECT_TRUE(v.keyframe);
  EXPECT_EQ(test::to_bytes(v.data), test::to_bytes(std::get<VideoSample>(want[3]).data));
  EXPECT_EQ(std::get<AudioSample>(got[3]).timestamp, 10);
  EXPECT_EQ(std::get<VideoSample>(got[4]).pts, 40);
  EXPECT_FALSE(std::get<VideoSample>(got[4]).timestamp_nano_offset);
  EXPECT_EQ(f.blocked_video(), CodecId::unknown);
  EXPECT_EQ(f.blocked_audio(), CodecId::unknown);  // Opus was not the default track
}

TEST(TrackFilter, LegacyPlayerIsNotSentCodecsItCannotDecode) {
  struct Case {
    Message m;
    CodecId video, audio;
  };
  std::vector<Case> cases = {
      {Muxer::mux(codec(TrackType::video, CodecId::h265, kHvcc)), CodecId::h265, CodecId::unknown},
      {Muxer::mux(frame(CodecId::h265, 0, 0, true, 0, MultitrackMode::none, false)),  // id 12
       CodecId::h265, CodecId::unknown},
      {Muxer::mux(codec(TrackType::video, CodecId::av1, kAv1c)), CodecId::av1, CodecId::unknown},
      {Muxer::mux(frame(CodecId::vp9, 0, 0, true)), CodecId::vp9, CodecId::unknown},
      {Muxer::mux(sound(CodecId::opus, 0)), CodecId::unknown, CodecId::opus},
      {Muxer::mux(sound(CodecId::ac3, 0)), CodecId::unknown, CodecId::ac3},
      {Muxer::mux(sound(CodecId::flac, 0)), CodecId::unknown, CodecId::flac},
  };
  for (const auto& c : cases) {
    TrackFilter f(Target::legacy);
    EXPECT_FALSE(run(f, c.m));
    EXPECT_EQ(f.blocked_video(), c.video);
    EXPECT_EQ(f.blocked_audio(), c.audio);
    TrackFilter e(Target::enhanced_one_track);
    auto out = run(e, c.m);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->payload, c.m.payload);
  }
}

TEST(TrackFilter, EnhancedOnlyPacketsAndMp3) {
  TrackFilter f(Target::legacy);
  // Metadata (colorInfo) and an Enhanced command frame have no legacy form.
  EXPECT_FALSE(
      run(f, test::video(0, cat({bytes({0x84}), str("avc1"), bytes({0x02, 0x00, 0x00})}))));
  EXPECT_FALSE(run(f, test::video(0, bytes({0xD1, 0x00}))));
  // .mp3 -> SoundFormat 2.
  auto out = run(f, Muxer::mux(sound(CodecId::mp3, 5)));
  ASSERT_TRUE(out);
  EXPECT_EQ(test::to_bytes(out->data()), bytes({0x2F, 0x21, 0x10, 0x04}));
  // Empty messages (audio silence) pass.
  Message empty = test::audio(7, {});
  ASSERT_TRUE(run(f, empty));
}

TEST(TrackFilter, ParseErrorsAreReported) {
  TrackFilter f(Target::legacy);
  auto r = f.apply(test::video(0, bytes({0x90, 'x'})));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::truncated);
}

}  // namespace
}  // namespace rtmp
