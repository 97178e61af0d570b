#include "relay/http_request.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

using Kind = HttpTarget::Kind;

TEST(HttpRequestTest, FlvRoute) {
  auto t = parse_target("/live/cam.flv?token=abc&x=1");
  EXPECT_EQ(t.kind, Kind::flv);
  EXPECT_EQ(t.app, "live");
  EXPECT_EQ(t.key, "cam");
  EXPECT_EQ(t.query, "token=abc&x=1");
  EXPECT_EQ(parse_target("/live/my%20cam.flv").key, "my cam");
  EXPECT_EQ(parse_target("/live/.flv").kind, Kind::not_found);  // no key
  EXPECT_EQ(parse_target("/live/%2e.flv").kind, Kind::bad);     // key "."
  EXPECT_EQ(parse_target("/live/...flv").kind, Kind::bad);      // key ".."
  EXPECT_EQ(parse_target("/live/cam.mp4").kind, Kind::not_found);
  EXPECT_EQ(parse_target("/cam.flv").kind, Kind::file);  // a page file; 404 unless served
}

TEST(HttpRequestTest, PageFiles) {
  auto root = parse_target("/?src=/live/cam/index.m3u8");
  EXPECT_EQ(root.kind, Kind::file);
  EXPECT_EQ(root.file, "");
  auto page = parse_target("/player.html?src=x");
  EXPECT_EQ(page.kind, Kind::file);
  EXPECT_EQ(page.file, "player.html");
  EXPECT_EQ(page.query, "src=x");
  EXPECT_EQ(parse_target("/%2e%2e").kind, Kind::bad);
  EXPECT_EQ(parse_target("/..%2Fetc").kind, Kind::bad);
}

TEST(HttpRequestTest, HlsRoutes) {
  for (const char* f :
       {"index.m3u8", "init.mp4", "init-2.mp4", "seg0.m4s", "seg17.ts", "part17.3.m4s"}) {
    auto t = parse_target(std::string("/live/cam/") + f + "?_HLS_msn=3");
    EXPECT_EQ(t.kind, Kind::hls) << f;
    EXPECT_EQ(t.app, "live");
    EXPECT_EQ(t.key, "cam");
    EXPECT_EQ(t.file, f);
    EXPECT_EQ(t.query, "_HLS_msn=3");
  }
  for (const char* f : {"index.m3u", "seg.m4s", "segx.ts", "part1.m4s", "part1..m4s", "init-.mp4",
                        "part.1.m4s", "seg1.mp4", "passwd"})
    EXPECT_EQ(parse_target(std::string("/live/cam/") + f).kind, Kind::not_found) << f;
}

TEST(HttpRequestTest, StatsRoutes) {
  EXPECT_EQ(parse_target("/api/streams").kind, Kind::stats);
  EXPECT_EQ(parse_target("/metrics?x").kind, Kind::stats);
  EXPECT_EQ(parse_target("/metrics?x").path, "/metrics");
}

TEST(HttpRequestTest, RefusesTraversalAndOddBytes) {
  for (const char* bad :
       {"/live/../etc/passwd", "/live/%2e%2e/x.flv", "/live/%2E./cam.flv", "/live/a%2Fb.flv",
        "/live/a%2fb/index.m3u8", "/live/a%5Cb.flv", "/live\\cam.flv", "/live/a%00b.flv",
        "/live//cam.flv", "/./live/c.flv", "/live/cam%zz.flv", "/live/cam%4.flv", "/live/cam%",
        "live/cam.flv", "", "*", "/live/%0acam.flv"})
    EXPECT_EQ(parse_target(bad).kind, Kind::bad) << bad;
  EXPECT_FALSE(parse_target("/live/..").error.empty());
}

TEST(HttpRequestTest, DeepPathsAreNotFound) {
  EXPECT_EQ(parse_target("/a/b/c/d.flv").kind, Kind::not_found);
  EXPECT_EQ(parse_target("//").kind, Kind::bad);  // empty segment
}

TEST(HttpRequestTest, PercentDecode) {
  EXPECT_EQ(percent_decode("a%41%7a+b"), "aAz+b");
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("%G0"));
}

TEST(HttpRequestTest, QueryParam) {
  EXPECT_EQ(query_param("a=1&token=x%20y&b", "token"), "x y");
  EXPECT_EQ(query_param("a=1&b", "b"), "");
  EXPECT_EQ(query_param("a=1&token=2", "a"), "1");
  EXPECT_FALSE(query_param("ab=1", "a"));
  EXPECT_FALSE(query_param("", "a"));
  EXPECT_FALSE(query_param("a=%zz", "a"));
}

TEST(HttpRequestTest, Range) {
  using R = RangeRequest::Kind;
  auto r = parse_range("bytes=0-99", 1000);
  EXPECT_EQ(r.kind, R::partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  r = parse_range("bytes=900-", 1000);
  EXPECT_EQ(r.kind, R::partial);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.last, 999u);
  r = parse_range("bytes=-10", 1000);
  EXPECT_EQ(r.kind, R::partial);
  EXPECT_EQ(r.first, 990u);
  EXPECT_EQ(r.last, 999u);
  r = parse_range("bytes=-5000", 1000);  // longer than the body: all of it
  EXPECT_EQ(r.first, 0u);
  r = parse_range("bytes=500-5000", 1000);  // clipped to the end
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(parse_range("bytes=1000-", 1000).kind, R::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000).kind, R::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-0", 0).kind, R::unsatisfiable);
  // Ignored: the whole body is served.
  for (const char* h : {"", "items=0-1", "bytes=5-1", "bytes=0-1,5-6", "bytes=a-b",
                        "bytes=", "bytes=-", "bytes= 0-1", "bytes=99999999999999999999-"})
    EXPECT_EQ(parse_range(h, 1000).kind, R::whole) << h;
}

}  // namespace
}  // namespace rtmp::relay
