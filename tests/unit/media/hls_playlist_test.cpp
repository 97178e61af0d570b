#include "rtmp/media/hls_playlist.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtmp::hls {
namespace {

SharedBytes bytes(const std::string& s) {
  return make_shared_bytes(Bytes(s.begin(), s.end()));
}

// `n` complete 2 s segments of ten 200 ms parts from msn `first`, and a segment in progress
// with `current_parts` parts.
State live(std::size_t n, std::uint64_t first = 0, std::size_t current_parts = 3) {
  State st;
  st.inits.push_back({1, bytes("init")});
  st.video = st.audio = true;
  auto make = [&](std::uint64_t msn, std::size_t parts) {
    Segment s;
    s.msn = msn;
    s.start_ms = 2000 * static_cast<std::int64_t>(msn);
    s.wall_ms = 1'700'000'000'000 + s.start_ms;
    s.init_version = 1;
    for (std::size_t i = 0; i < parts; ++i) {
      s.parts.push_back({bytes("p" + std::to_string(msn) + "." + std::to_string(i)),
                         s.start_ms + 200 * static_cast<std::int64_t>(i), 200, i == 0});
      s.duration_ms += 200;
    }
    return s;
  };
  for (std::size_t i = 0; i < n; ++i) st.segments.push_back(make(first + i, 10));
  st.next_msn = first + n;
  if (current_parts > 0) st.current = make(st.next_msn, current_parts);
  st.version = 1;
  return st;
}

TEST(HlsPlaylist, LowLatencyPlaylistHasTheTagsInOrder) {
  const State st = live(2, 5, 2);
  const std::string pl = render_playlist(st, false);
  const std::string expected_head =
      "#EXTM3U\n"
      "#EXT-X-VERSION:9\n"
      "#EXT-X-TARGETDURATION:2\n"
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000,PART-HOLD-BACK=0.600\n"
      "#EXT-X-PART-INF:PART-TARGET=0.200\n"
      "#EXT-X-MEDIA-SEQUENCE:5\n"
      "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
      "#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MAP:URI=\"init.mp4\"\n"
      "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:30.000Z\n"
      "#EXT-X-PART:DURATION=0.200,URI=\"part5.0.m4s\",INDEPENDENT=YES\n"
      "#EXT-X-PART:DURATION=0.200,URI=\"part5.1.m4s\"\n";
  EXPECT_EQ(pl.substr(0, expected_head.size()), expected_head);
  EXPECT_NE(pl.find("#EXTINF:2.000,\nseg5.m4s\n#EXT-X-PROGRAM-DATE-TIME"), std::string::npos);
  // The segment in progress: its parts, no EXTINF, then the hint for its next part.
  EXPECT_NE(pl.find("URI=\"part7.1.m4s\"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part7.2.m4s\"\n"),
            std::string::npos)
      << pl;
  EXPECT_EQ(pl.find("seg7.m4s"), std::string::npos);
  EXPECT_EQ(pl.find("ENDLIST"), std::string::npos);
}

TEST(HlsPlaylist, PartsOnlyForTheLastThreeTargetDurations) {
  const State st = live(7, 0, 1);  // 14 s; the live edge at 14.2 s
  const std::string pl = render_playlist(st, false);
  EXPECT_EQ(pl.find("part3.0.m4s"), std::string::npos);  // ends at 8 s: 6.2 s old
  EXPECT_NE(pl.find("part4.0.m4s"), std::string::npos);  // ends at 10 s: 4.2 s old
  EXPECT_NE(pl.find("part6.9.m4s"), std::string::npos);
  EXPECT_NE(pl.find("seg0.m4s"), std::string::npos);
}

TEST(HlsPlaylist, SkipReplacesSegmentsOlderThanCanSkipUntil) {
  const State st = live(7, 10, 1);  // edge at 14.2 s past msn 10's start
  const std::string pl = render_playlist(st, true);
  // Segments ending at or before 2.2 s after msn 10's start: msn 10 only.
  EXPECT_NE(pl.find("#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n"
                    "#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n#EXT-X-MAP:URI=\"init.mp4\"\n"),
            std::string::npos)
      << pl;
  EXPECT_NE(pl.find("#EXT-X-MEDIA-SEQUENCE:10\n"), std::string::npos);
  EXPECT_EQ(pl.find("seg10.m4s"), std::string::npos);
  EXPECT_NE(pl.find("seg11.m4s"), std::string::npos);
  // Without skip (or a playlist too short) nothing is skipped.
  EXPECT_EQ(render_playlist(st, false).find("EXT-X-SKIP"), std::string::npos);
  EXPECT_EQ(render_playlist(live(3), true).find("EXT-X-SKIP"), std::string::npos);
}

TEST(HlsPlaylist, DiscontinuityMapChangeAndEndList) {
  State st = live(3, 0, 0);
  st.inits.push_back({2, bytes("init2")});
  st.segments[2].discontinuity = true;
  st.segments[2].init_version = 2;
  st.discontinuity_sequence = 4;
  st.ended = true;
  const std::string pl = render_playlist(st, false);
  EXPECT_NE(pl.find("#EXT-X-DISCONTINUITY-SEQUENCE:4\n"), std::string::npos);
  EXPECT_NE(pl.find("seg1.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-2.mp4\"\n"
                    "#EXT-X-PROGRAM-DATE-TIME"),
            std::string::npos)
      << pl;
  EXPECT_TRUE(pl.ends_with("seg2.m4s\n#EXT-X-ENDLIST\n")) << pl;
  EXPECT_EQ(pl.find("PRELOAD-HINT"), std::string::npos);
}

TEST(HlsPlaylist, TsPlaylistIsVersion3WithoutPartsOrMap) {
  State st = live(2, 0, 2);
  st.options.container = Container::mpegts;
  st.inits.clear();
  const std::string pl = render_playlist(st, false);
  EXPECT_NE(pl.find("#EXT-X-VERSION:3\n"), std::string::npos);
  EXPECT_NE(pl.find("#EXTINF:2.000,\nseg1.ts\n"), std::string::npos);
  for (const char* tag : {"EXT-X-PART", "EXT-X-MAP", "SERVER-CONTROL", "PRELOAD-HINT"})
    EXPECT_EQ(pl.find(tag), std::string::npos) << tag;
}

TEST(HlsPlaylist, ExtinfHasThreeDecimalsFromTheMediaTimeline) {
  State st = live(1, 0, 0);
  st.segments[0].duration_ms = 2033;
  EXPECT_NE(render_playlist(st, false).find("#EXTINF:2.033,"), std::string::npos);
}

TEST(HlsPlaylist, CacheRendersOncePerVersion) {
  State st = live(2);
  PlaylistCache cache;
  auto a = cache.get(st, false);
  auto b = cache.get(st, false);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(cache.get(st, true).get(), a.get());
  st.current->parts.push_back({bytes("x"), 0, 200, false});
  ++st.version;
  auto c = cache.get(st, false);
  EXPECT_NE(c.get(), a.get());
  EXPECT_EQ(*c, render_playlist(st, false));
}

TEST(HlsQuery, Parses) {
  auto q = parse_query("_HLS_msn=12&_HLS_part=3&_HLS_skip=YES&other=1");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->msn, 12u);
  EXPECT_EQ(q->part, 3u);
  EXPECT_TRUE(q->skip);
  ASSERT_TRUE(parse_query(""));
  EXPECT_FALSE(parse_query("")->msn);
  EXPECT_TRUE(parse_query("_HLS_skip=v2")->skip);
  EXPECT_FALSE(parse_query("_HLS_skip=NO")->skip);
}

TEST(HlsQuery, RejectsMalformedAndPartWithoutMsn) {
  for (const char* q : {"_HLS_part=1", "_HLS_msn=", "_HLS_msn=-1", "_HLS_msn=1x", "_HLS_msn=+2",
                        "_HLS_msn=99999999999999999999", "_HLS_msn=1&_HLS_part=a"}) {
    auto r = parse_query(q);
    ASSERT_FALSE(r) << q;
    EXPECT_EQ(r.error().code, errc::invalid_argument);
  }
}

Readiness decide_q(const State& st, const char* q) {
  auto parsed = parse_query(q);
  EXPECT_TRUE(parsed) << q;
  return decide(st, *parsed);
}

TEST(HlsBlocking, Decisions) {
  const State st = live(3, 10, 2);  // complete 10..12, 13 in progress with parts 0 and 1
  EXPECT_EQ(decide_q(st, ""), Readiness::ready);
  EXPECT_EQ(decide_q(st, "_HLS_msn=12"), Readiness::ready);
  EXPECT_EQ(decide_q(st, "_HLS_msn=3"), Readiness::ready);  // older than the window
  EXPECT_EQ(decide_q(st, "_HLS_msn=13"), Readiness::wait);  // in progress
  EXPECT_EQ(decide_q(st, "_HLS_msn=13&_HLS_part=1"), Readiness::ready);
  EXPECT_EQ(decide_q(st, "_HLS_msn=13&_HLS_part=2"), Readiness::wait);  // the preload hint
  EXPECT_EQ(decide_q(st, "_HLS_msn=14"), Readiness::wait);              // last complete + 2
  EXPECT_EQ(decide_q(st, "_HLS_msn=14&_HLS_part=0"), Readiness::wait);
  EXPECT_EQ(decide_q(st, "_HLS_msn=15"), Readiness::bad_request);  // beyond + 2
  // Advance Part Limit: 3 s of 200 ms parts.
  EXPECT_EQ(decide_q(st, "_HLS_msn=13&_HLS_part=16"), Readiness::wait);
  EXPECT_EQ(decide_q(st, "_HLS_msn=13&_HLS_part=17"), Readiness::bad_request);
  EXPECT_EQ(decide_q(st, "_HLS_msn=12&_HLS_part=50"), Readiness::ready);  // a later one exists
}

TEST(HlsBlocking, EndedOrNonLowLatencyNeverWaits) {
  State st = live(3, 10, 2);
  st.ended = true;
  EXPECT_EQ(decide_q(st, "_HLS_msn=13"), Readiness::ready);
  st = live(3, 10, 2);
  st.options.low_latency = false;
  EXPECT_EQ(decide_q(st, "_HLS_msn=13"), Readiness::ready);
  EXPECT_EQ(decide_q(st, "_HLS_msn=99"), Readiness::ready);
}

TEST(HlsLookup, FilesByName) {
  const State st = live(3, 10, 2);
  auto seg = lookup(st, "seg11.m4s");
  ASSERT_EQ(seg.kind, File::Kind::found);
  ASSERT_EQ(seg.body.size(), 10u);
  EXPECT_EQ(*seg.body[3], *bytes("p11.3"));
  EXPECT_STREQ(seg.content_type, "video/mp4");
  EXPECT_EQ(*lookup(st, "part13.1.m4s").body.at(0), *bytes("p13.1"));
  EXPECT_EQ(*lookup(st, "init.mp4").body.at(0), *bytes("init"));
  EXPECT_EQ(lookup(st, "part13.2.m4s").kind, File::Kind::wait);  // the preload hint
  for (const char* name :
       {"seg13.m4s", "seg9.m4s", "part13.3.m4s", "part14.0.m4s", "init-2.mp4", "seg.m4s",
        "segx.m4s", "part13.m4s", "part13..m4s", "index.m3u8", "seg11.ts", "../seg11.m4s"})
    EXPECT_EQ(lookup(st, name).kind, File::Kind::not_found) << name;
}

TEST(HlsLookup, NextSegmentsFirstPartWaitsBetweenSegments) {
  State st = live(2, 0, 0);
  EXPECT_EQ(lookup(st, "part2.0.m4s").kind, File::Kind::wait);
  st.ended = true;
  EXPECT_EQ(lookup(st, "part2.0.m4s").kind, File::Kind::not_found);
}

TEST(HlsTime, Iso8601) {
  EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_ms(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(iso8601_ms(951'782'400'000), "2000-02-29T00:00:00.000Z");
}

}  // namespace
}  // namespace rtmp::hls
