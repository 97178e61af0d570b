#include "rtmp/media/hls_segmenter.hpp"

#include "media/hls_format.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/hls_playlist.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace rtmp::hls {
namespace {

// A container that writes what it was given as text: "S" at a segment start, then
// "V<dts>[K]" and "A<ts>" per frame, so the tests read the cuts back.
class TextFormat final : public Format {
 public:
  bool refuse_audio = false;
  int configures = 0;

  Configured configure(const Codec* video, const Codec* audio) override {
    ++configures;
    Configured c;
    c.video = video != nullptr;
    c.audio = audio != nullptr && !refuse_audio;
    if (audio && refuse_audio) c.note = "audio left out";
    std::string init = "init" + std::to_string(configures);
    c.init = make_shared_bytes(Bytes(init.begin(), init.end()));
    return c;
  }
  SharedBytes write(const Chunk& c) override {
    std::string s = c.segment_start ? "S" : "";
    for (const auto& v : c.video) s += "V" + std::to_string(v.dts) + (v.keyframe ? "K" : "");
    for (const auto& a : c.audio) s += "A" + std::to_string(a.timestamp);
    s += ";";
    return make_shared_bytes(Bytes(s.begin(), s.end()));
  }
};

Codec video_codec(std::uint8_t tag = 1) {
  Codec c;
  c.type = TrackType::video;
  c.id = CodecId::h264;
  c.owner = make_shared_bytes(Bytes{1, 0x64, 0, 0x1f, tag});
  c.config = *c.owner;
  return c;
}

Codec audio_codec() {
  Codec c;
  c.type = TrackType::audio;
  c.id = CodecId::aac;
  c.owner = make_shared_bytes(Bytes{0x12, 0x10});
  c.config = *c.owner;
  return c;
}

VideoSample video(std::int64_t dts, bool key) {
  static const SharedBytes payload = make_shared_bytes(Bytes(100, 0xAB));
  VideoSample s;
  s.codec = CodecId::h264;
  s.dts = s.pts = dts;
  s.keyframe = key;
  s.owner = payload;
  s.data = *payload;
  return s;
}

AudioSample audio(std::int64_t ts) {
  static const SharedBytes payload = make_shared_bytes(Bytes(20, 0xCD));
  AudioSample s;
  s.codec = CodecId::aac;
  s.timestamp = ts;
  s.owner = payload;
  s.data = *payload;
  return s;
}

std::string text(const SharedBytes& b) {
  return b ? std::string(b->begin(), b->end()) : std::string();
}

std::string text(const Segment& s) {
  std::string out;
  for (const auto& p : s.parts) out += text(p.data);
  return out;
}

struct HlsSegmenterTest : ::testing::Test {
  TextFormat* format = nullptr;
  std::unique_ptr<Segmenter> seg;
  std::int64_t wall = 1'700'000'000'000;

  void make(Options o = {}) {
    auto f = std::make_unique<TextFormat>();
    format = f.get();
    seg = std::make_unique<Segmenter>(o, std::move(f));
  }
  void SetUp() override { make(); }
  void push(const MediaEvent& e) { seg->push(e, wall); }
  // 25 fps video from `from` to `to` (exclusive), keyframe every `gop` ms.
  void feed_video(std::int64_t from, std::int64_t to, std::int64_t gop = 1000) {
    for (std::int64_t t = from; t < to; t += 40) push(video(t, (t - from) % gop == 0));
  }
  const State& st() const { return seg->state(); }
};

TEST_F(HlsSegmenterTest, CutsAtKeyframesOnceTheTargetIsReached) {
  push(video_codec());
  feed_video(0, 6040, 1000);  // keyframes every second, 2 s target
  ASSERT_EQ(st().segments.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(st().segments[i].msn, i);
    EXPECT_EQ(st().segments[i].start_ms, 2000 * static_cast<std::int64_t>(i));
    EXPECT_EQ(st().segments[i].duration_ms, 2000);
    EXPECT_TRUE(text(st().segments[i]).starts_with("SV" + std::to_string(2000 * i) + "K"));
  }
  ASSERT_TRUE(st().current);
  EXPECT_EQ(st().current->start_ms, 6000);
  EXPECT_EQ(st().target_duration_s, 2);
}

TEST_F(HlsSegmenterTest, NeverSplitsAGop) {
  push(video_codec());
  feed_video(0, 9040, 3000);  // 3 s GOPs, 2 s target
  ASSERT_EQ(st().segments.size(), 3u);
  for (const auto& s : st().segments) EXPECT_EQ(s.duration_ms, 3000);
  EXPECT_EQ(st().target_duration_s, 3);
}

// RFC 8216 §4.3.3.1: every EXTINF, rounded, is at most EXT-X-TARGETDURATION, and (§6.2.1)
// that value never changes once a playlist is out.
void expect_within_target(const State& st) {
  for (const auto& s : st.segments)
    EXPECT_LE((s.duration_ms + 500) / 1000, st.target_duration_s) << "segment " << s.msn;
}

TEST_F(HlsSegmenterTest, FiveSecondGopsAtATwoSecondTargetSetTheTargetToFiveUnsplit) {
  push(video_codec());
  feed_video(0, 4960, 5000);
  EXPECT_FALSE(st().listed());  // no playlist before the target is known
  push(video(5000, true));
  ASSERT_TRUE(st().listed());
  EXPECT_EQ(st().target_duration_s, 5);
  for (std::int64_t t = 5040; t < 30'040; t += 40) push(video(t, t % 5000 == 0));
  ASSERT_EQ(st().segments.size(), 6u);
  for (const auto& s : st().segments) {
    EXPECT_EQ(s.duration_ms, 5000);
    EXPECT_FALSE(s.forced);
  }
  EXPECT_EQ(st().target_duration_s, 5);
  EXPECT_NE(render_playlist(st(), false).find("#EXT-X-TARGETDURATION:5\n"), std::string::npos);
  expect_within_target(st());
}

TEST_F(HlsSegmenterTest, TargetDurationNeverChangesWhenTheGopGrowsLater) {
  push(video_codec());
  feed_video(0, 4000, 1000);  // 2 s segments: the target is fixed at 2
  ASSERT_TRUE(st().listed());
  ASSERT_EQ(st().target_duration_s, 2);
  feed_video(4000, 34'000, 10'000);  // then 10 s GOPs
  seg->end(wall);
  EXPECT_EQ(st().target_duration_s, 2);
  expect_within_target(st());
  // Cut before the next frame would pass 2.4 s: at 2.4 s exactly (frames every 40 ms).
  EXPECT_EQ(st().segments.back().duration_ms % 40, 0);
  bool forced = false;
  for (const auto& s : st().segments) forced = forced || s.forced;
  EXPECT_TRUE(forced);
}

TEST_F(HlsSegmenterTest, ARepublishWithLongerGopsKeepsTheTarget) {
  push(video_codec());
  feed_video(0, 4040, 1000);
  seg->end(wall);
  seg->discontinuity(wall);
  push(video_codec());
  feed_video(0, 20'000, 6000);
  EXPECT_EQ(st().target_duration_s, 2);
  expect_within_target(st());
}

TEST_F(HlsSegmenterTest, AFrameGapPastTheTargetStillEndsTheSegmentWithinIt) {
  push(video_codec());
  feed_video(0, 4000, 2000);
  push(video(4000, true));
  push(video(4040, false));
  push(video(7000, false));  // 3 s without frames, below the jump threshold
  push(video(7040, true));
  seg->end(wall);
  EXPECT_EQ(st().target_duration_s, 2);
  expect_within_target(st());
}

TEST_F(HlsSegmenterTest, AnEndedStreamWithoutSegmentsIsListed) {
  push(video_codec());
  EXPECT_FALSE(st().listed());
  seg->end(wall);
  EXPECT_TRUE(st().listed());
  EXPECT_EQ(render_playlist(st(), false).find("#EXTINF"), std::string::npos);
}

TEST_F(HlsSegmenterTest, PartsAreCutAtThePartTargetAndOnlyTheFirstIsIndependent) {
  push(video_codec());
  feed_video(0, 2040, 1000);
  ASSERT_EQ(st().segments.size(), 1u);
  const Segment& s = st().segments[0];
  ASSERT_EQ(s.parts.size(), 10u);  // 200 ms = 5 frames at 25 fps
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < s.parts.size(); ++i) {
    EXPECT_EQ(s.parts[i].duration_ms, 200) << i;
    EXPECT_EQ(s.parts[i].start_ms, 200 * static_cast<std::int64_t>(i));
    // The keyframe at 1000 starts part 5: independent too.
    EXPECT_EQ(s.parts[i].independent, i == 0 || i == 5) << i;
    sum += s.parts[i].duration_ms;
  }
  EXPECT_EQ(sum, s.duration_ms);
  EXPECT_EQ(text(s.parts[0].data), "SV0KV40V80V120V160;");
  EXPECT_EQ(text(s.parts[1].data), "V200V240V280V320V360;");
}

TEST_F(HlsSegmenterTest, SegmentBytesAreItsPartsInOrder) {
  push(video_codec());
  push(audio_codec());
  for (std::int64_t t = 0; t < 4100; t += 20) {
    if (t % 40 == 0) push(video(t, t % 1000 == 0));
    if (t % 23 == 0) push(audio(t));
  }
  ASSERT_GE(st().segments.size(), 1u);
  const auto f = lookup(st(), "seg0.m4s");
  ASSERT_EQ(f.kind, File::Kind::found);
  std::string whole;
  for (const auto& b : f.body) whole += text(b);
  EXPECT_EQ(whole, text(st().segments[0]));
  std::string parts;
  for (std::size_t i = 0; i < st().segments[0].parts.size(); ++i) {
    auto p = lookup(st(), "part0." + std::to_string(i) + ".m4s");
    ASSERT_EQ(p.kind, File::Kind::found);
    parts += text(p.body.at(0));
  }
  EXPECT_EQ(parts, whole);
  EXPECT_NE(whole.find('A'), std::string::npos);  // audio is in it
}

TEST_F(HlsSegmenterTest, AudioBeforeTheFirstKeyframeIsDropped) {
  push(video_codec());
  push(audio_codec());
  push(audio(0));
  push(video(10, false));
  push(audio(23));
  push(video(50, true));
  push(audio(70));
  ASSERT_TRUE(st().current);
  EXPECT_EQ(st().current->start_ms, 50);
  seg->end(wall);
  ASSERT_EQ(st().segments.size(), 1u);
  EXPECT_EQ(text(st().segments[0]), "SV50KA70;");
}

TEST_F(HlsSegmenterTest, AudioOnlyCutsOnAnyFrameAtTheTarget) {
  push(audio_codec());
  for (std::int64_t t = 0; t <= 4200; t += 20) push(audio(t));
  ASSERT_EQ(st().segments.size(), 2u);
  EXPECT_EQ(st().segments[0].duration_ms, 2000);
  for (const auto& p : st().segments[0].parts) EXPECT_TRUE(p.independent);
  EXPECT_FALSE(st().video);
}

TEST_F(HlsSegmenterTest, WindowIsBoundedAndInitsOfEvictedSegmentsGo) {
  Options o;
  o.window = 3;
  make(o);
  push(video_codec(1));
  feed_video(0, 4040, 1000);
  push(video_codec(2));  // codec change: new init, discontinuity
  feed_video(4040, 14080, 1000);
  EXPECT_EQ(st().segments.size(), 3u);
  EXPECT_EQ(st().segments.front().msn, st().next_msn - 3);
  ASSERT_EQ(st().inits.size(), 1u);
  EXPECT_EQ(st().inits[0].version, 2u);
  EXPECT_EQ(st().inits[0].name(), "init-2.mp4");
  // The discontinuity left the window with its segment.
  EXPECT_EQ(st().discontinuity_sequence, 1u);
}

TEST_F(HlsSegmenterTest, CodecChangeStartsADiscontinuityWithANewInit) {
  push(video_codec(1));
  feed_video(0, 3000, 1000);
  push(video_codec(1));  // the same header again: nothing happens
  EXPECT_EQ(format->configures, 1);
  push(video_codec(2));
  EXPECT_FALSE(st().current);  // the segment ended at the change
  feed_video(3000, 5040, 1000);
  ASSERT_EQ(st().segments.size(), 3u);
  EXPECT_FALSE(st().segments[1].discontinuity);
  EXPECT_TRUE(st().segments[2].discontinuity);
  EXPECT_EQ(st().segments[1].init_version, 1u);
  EXPECT_EQ(st().segments[1].duration_ms, 1000);  // ended at the change
  EXPECT_EQ(st().segments[2].init_version, 2u);
  EXPECT_EQ(st().segments[2].msn, 2u);
  const auto pl = render_playlist(st(), false);
  EXPECT_NE(pl.find("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-2.mp4\""), std::string::npos)
      << pl;
  EXPECT_EQ(lookup(st(), "init-2.mp4").kind, File::Kind::found);
  EXPECT_EQ(text(lookup(st(), "init-2.mp4").body.at(0)), "init2");
}

TEST_F(HlsSegmenterTest, RepublishIsADiscontinuityWithContinuingNumbersAndTimeline) {
  push(video_codec());
  feed_video(0, 4040, 1000);
  seg->end(wall);
  EXPECT_TRUE(st().ended);
  EXPECT_NE(render_playlist(st(), false).find("#EXT-X-ENDLIST"), std::string::npos);
  const auto msn = st().next_msn;
  seg->discontinuity(wall);
  EXPECT_FALSE(st().ended);
  push(video_codec());
  feed_video(0, 2040, 1000);  // the new publisher starts again at 0
  ASSERT_FALSE(st().segments.empty());
  const Segment& s = st().segments.back();
  EXPECT_EQ(s.msn, msn);
  EXPECT_TRUE(s.discontinuity);
  EXPECT_GT(s.start_ms, 4000);  // rebased after the previous publish
  EXPECT_EQ(render_playlist(st(), false).find("#EXT-X-ENDLIST"), std::string::npos);
}

TEST_F(HlsSegmenterTest, TimestampJumpsAndStepsBackKeepTheTimelineMonotonic) {
  push(video_codec());
  feed_video(0, 1000, 1000);
  feed_video(60'000, 61'000, 1000);  // a jump of a minute
  feed_video(500, 3000, 1000);       // and back
  std::int64_t last = -1;
  auto check = [&](const Segment& s) {
    for (const auto& p : s.parts) {
      EXPECT_GE(p.duration_ms, 1);
      EXPECT_GE(p.start_ms, last);
      last = p.start_ms;
    }
  };
  for (const auto& s : st().segments) check(s);
  if (st().current) check(*st().current);
  // 25 + 25 + 63 frames, every 40 ms on the output timeline.
  seg->end(wall);
  std::int64_t total = 0;
  for (const auto& s : st().segments) total += s.duration_ms;
  EXPECT_EQ(total, (25 + 25 + 63) * 40);
}

TEST_F(HlsSegmenterTest, TimestampsPastTwoToThe32ContinueAcrossTheWrap) {
  push(video_codec());
  const std::int64_t base = (std::int64_t{1} << 32) - 2000;  // unwrapped by the Demuxer
  feed_video(base, base + 4040, 1000);
  ASSERT_EQ(st().segments.size(), 2u);
  EXPECT_EQ(st().segments[1].start_ms, base + 2000);
  EXPECT_EQ(st().segments[1].duration_ms, 2000);
}

TEST_F(HlsSegmenterTest, RepeatedLeapsOfTwoToThe32KeepTheTimelineContinuous) {
  push(video_codec());
  push(audio_codec());
  std::int64_t in = 0;
  for (int leap = 0; leap < 200; ++leap) {
    for (int i = 0; i < 25; ++i, in += 40) {
      push(video(in, i == 0));
      push(audio(in + 20));
    }
    in += std::int64_t{1} << 32;  // a publisher whose clock leaps (each one is a jump)
  }
  seg->end(wall);
  // 200 x 25 frames, 40 ms apart on the output: the leaps left no trace.
  std::int64_t total = 0, next = st().segments.front().start_ms;
  for (const auto& s : st().segments) {
    EXPECT_EQ(s.start_ms, next);
    next = s.start_ms + s.duration_ms;
    total += s.duration_ms;
  }
  EXPECT_EQ(next, 200 * 25 * 40 + 20);  // the last audio frame ends 20 ms after the video
  EXPECT_EQ(total, next - st().segments.front().start_ms);
  for (const auto& s : st().segments) EXPECT_FALSE(s.discontinuity);
  expect_within_target(st());
}

TEST_F(HlsSegmenterTest, RepublishesDoNotGrowTheTimelineByTheGapBetweenTracks) {
  push(video_codec());
  push(audio_codec());
  for (int i = 0; i < 20; ++i) {
    push(video(0, true));
    push(audio(1'000'000));  // audio far ahead of video
    seg->discontinuity(wall);
  }
  seg->end(wall);
  ASSERT_FALSE(st().segments.empty());
  // Each republish continues a frame after the latest track, never a whole gap later.
  EXPECT_LT(st().segments.back().start_ms, 1'000'000 + 20 * 10'000);
}

TEST_F(HlsSegmenterTest, ABackwardStepContinuesOneFrameOn) {
  push(video_codec());
  feed_video(0, 3000, 1000);
  feed_video(1000, 5000, 1000);  // the publisher's clock steps back 2 s
  seg->end(wall);
  std::int64_t next = 0;
  for (const auto& s : st().segments) {
    EXPECT_EQ(s.start_ms, next);
    next = s.start_ms + s.duration_ms;
  }
  EXPECT_EQ(next, (75 + 100) * 40);
  expect_within_target(st());
}

TEST_F(HlsSegmenterTest, TimesBeyondTwoToThe40AreLeftOut) {
  push(video_codec());
  feed_video(0, 2040, 1000);
  const std::int64_t huge = std::int64_t{1} << 41;
  push(video(huge, true));
  push(video(-huge, true));
  push(video(std::numeric_limits<std::int64_t>::max(), true));
  auto a = audio(std::numeric_limits<std::int64_t>::min());
  push(a);
  feed_video(2040, 4040, 1000);
  seg->end(wall);
  std::int64_t total = 0;
  for (const auto& s : st().segments) total += s.duration_ms;
  EXPECT_EQ(total, 101 * 40);
}

TEST_F(HlsSegmenterTest, ARunawayGopIsCutAtThreeTargetsAndMarked) {
  push(video_codec());
  push(video(0, true));
  for (std::int64_t t = 40; t < 6400; t += 40) push(video(t, false));
  ASSERT_EQ(st().segments.size(), 1u);
  EXPECT_EQ(st().segments[0].duration_ms, 6000);
  ASSERT_TRUE(st().current);
  EXPECT_TRUE(st().current->forced);
  EXPECT_EQ(render_playlist(st(), false).find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos);
  EXPECT_EQ(st().target_duration_s, 6);
}

TEST_F(HlsSegmenterTest, ATrackTheContainerRefusesIsLeftOutWithAStatus) {
  format->refuse_audio = true;
  push(video_codec());
  push(audio_codec());
  push(video(0, true));
  push(audio(10));
  EXPECT_TRUE(st().video);
  EXPECT_FALSE(st().audio);
  EXPECT_EQ(seg->status(), "audio left out");
  seg->end(wall);
  EXPECT_EQ(text(st().segments.at(0)), "SV0K;");
}

TEST_F(HlsSegmenterTest, OtherTracksAreIgnored) {
  push(video_codec());
  auto other = video(0, true);
  other.track_id = 1;
  push(other);
  EXPECT_FALSE(st().current);
}

TEST_F(HlsSegmenterTest, EveryChangeBumpsTheVersion) {
  push(video_codec());
  const auto v0 = st().version;
  push(video(0, true));
  const auto v1 = st().version;
  EXPECT_GT(v1, v0);
  feed_video(40, 400, 1000);
  EXPECT_GT(st().version, v1);  // a part completed
}

// The real fMP4 adapter on an ffmpeg-made file: every part is one moof+mdat, the first part
// of each segment starts with a keyframe, and the playlist lists them all.
TEST(HlsSegmenterFmp4, RealFileMakesMoofMdatParts) {
  const Bytes file = test::read_file(std::string(RTMP_TEST_DATA_DIR) + "/media/h264_aac.flv");
  ASSERT_FALSE(file.empty());
  FlvReader reader;
  std::vector<Message> tags;
  ASSERT_TRUE(reader.feed(file, tags));
  Options o;
  o.target_ms = 1000;
  Segmenter seg(o);
  Demuxer demux;
  std::vector<MediaEvent> events;
  for (const auto& m : tags) {
    events.clear();
    ASSERT_TRUE(demux.push(m, events));
    for (const auto& e : events) seg.push(e, 1'700'000'000'000 + m.timestamp);
  }
  seg.end(1'700'000'002'000);
  const State& st = seg.state();
  EXPECT_TRUE(seg.status().empty()) << seg.status();
  EXPECT_TRUE(st.video);
  EXPECT_TRUE(st.audio);
  ASSERT_EQ(st.segments.size(), 2u);  // keyframes at 0 and 1 s, 1 s target
  ASSERT_EQ(st.inits.size(), 1u);
  const auto& init = *st.inits[0].data;
  ASSERT_GT(init.size(), 8u);
  EXPECT_EQ(std::string(init.begin() + 4, init.begin() + 8), "ftyp");
  for (const auto& s : st.segments) {
    ASSERT_FALSE(s.parts.empty());
    EXPECT_TRUE(s.parts[0].independent);
    for (const auto& p : s.parts) {
      ASSERT_GT(p.data->size(), 8u);
      EXPECT_EQ(std::string(p.data->begin() + 4, p.data->begin() + 8), "moof");
      // ms rounding of 30 fps; the stream's last part also holds the audio past the video.
      if (&p != &st.segments.back().parts.back()) {
        EXPECT_LE(p.duration_ms, o.part_target_ms + 1);
      }
    }
  }
  const auto pl = render_playlist(st, false);
  EXPECT_NE(pl.find("#EXTINF:1.000,\nseg0.m4s"), std::string::npos) << pl;
  EXPECT_NE(pl.find("#EXT-X-ENDLIST"), std::string::npos);
}

TEST(HlsSegmenterTs, RealFileMakesTsSegmentsWithoutParts) {
  const Bytes file = test::read_file(std::string(RTMP_TEST_DATA_DIR) + "/media/h264_aac.flv");
  FlvReader reader;
  std::vector<Message> tags;
  ASSERT_TRUE(reader.feed(file, tags));
  Options o;
  o.container = Container::mpegts;
  o.target_ms = 1000;
  Segmenter seg(o);
  Demuxer demux;
  std::vector<MediaEvent> events;
  for (const auto& m : tags) {
    events.clear();
    ASSERT_TRUE(demux.push(m, events));
    for (const auto& e : events) seg.push(e, 0);
  }
  seg.end(0);
  const State& st = seg.state();
  ASSERT_EQ(st.segments.size(), 2u);
  const auto f = lookup(st, "seg1.ts");
  ASSERT_EQ(f.kind, File::Kind::found);
  std::size_t size = 0;
  for (const auto& b : f.body) size += b->size();
  EXPECT_EQ(size % 188, 0u);
  EXPECT_EQ(f.body.at(0)->at(0), 0x47);
  const auto pl = render_playlist(st, false);
  EXPECT_EQ(pl.find("EXT-X-PART"), std::string::npos);
  EXPECT_EQ(pl.find("EXT-X-MAP"), std::string::npos);
  EXPECT_EQ(lookup(st, "part1.0.m4s").kind, File::Kind::not_found);
}

}  // namespace
}  // namespace rtmp::hls
