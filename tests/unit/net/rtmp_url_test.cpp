#include "rtmp/client.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

TEST(ClientUrl, AppAndKeyWithDefaultPorts) {
  auto u = RtmpUrl::parse("rtmp://example.com/live/key");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 1935);
  EXPECT_EQ(u->app, "live");
  EXPECT_EQ(u->stream, "key");
  EXPECT_EQ(u->tc_url, "rtmp://example.com:1935/live");  // FFmpeg writes the port too

  auto s = RtmpUrl::parse("RTMPS://example.com/live/key");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->tls);
  EXPECT_EQ(s->port, 443);
  EXPECT_EQ(s->tc_url, "rtmps://example.com:443/live");
}

TEST(ClientUrl, PortIpv6AndUserInfo) {
  auto u = RtmpUrl::parse("rtmp://[::1]:1936/app/stream");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 1936);
  EXPECT_EQ(u->tc_url, "rtmp://[::1]:1936/app");
  auto v = RtmpUrl::parse("rtmp://user:pw@10.0.0.1:80/a/b");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "10.0.0.1");
  EXPECT_EQ(v->port, 80);
}

TEST(ClientUrl, InstanceAndPlayPathsSplitAsFfmpeg) {
  auto a = RtmpUrl::parse("rtmp://h/app/inst/key");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->app, "app/inst");
  EXPECT_EQ(a->stream, "key");
  EXPECT_EQ(a->tc_url, "rtmp://h:1935/app/inst");
  auto b = RtmpUrl::parse("rtmp://h/vod/mp4:dir/file.mp4");  // ':' before the next '/'
  ASSERT_TRUE(b);
  EXPECT_EQ(b->app, "vod");
  EXPECT_EQ(b->stream, "mp4:dir/file.mp4");
  auto c = RtmpUrl::parse("rtmp://h/vod/movie.mp4");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->stream, "mp4:movie.mp4");
  auto d = RtmpUrl::parse("rtmp://h/live/stream.flv");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->stream, "stream");
  auto e = RtmpUrl::parse("rtmp://h/live");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->app, "live");
  EXPECT_EQ(e->stream, "");
}

TEST(ClientUrl, QueryStringsStayWhereTheyAre) {
  auto a = RtmpUrl::parse("rtmp://h/live/key?token=abc&x=1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->app, "live");
  EXPECT_EQ(a->stream, "key?token=abc&x=1");
  auto b = RtmpUrl::parse("rtmp://h/live?vhost=v/key");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->app, "live?vhost=v");
  EXPECT_EQ(b->tc_url, "rtmp://h:1935/live?vhost=v");
  EXPECT_EQ(b->stream, "key");
}

TEST(ClientUrl, BadUrlsAreInvalidArguments) {
  for (const char* bad : {"http://h/live/key", "rtmp:/h/live", "rtmp:///live/key", "rtmp://h:0/a/b",
                          "rtmp://h:70000/a/b", "rtmp://h:12x/a/b", "rtmp://h", "rtmp://h/",
                          "rtmp://[::1/a/b", "live/key"}) {
    auto u = RtmpUrl::parse(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().code, errc::invalid_argument);
    EXPECT_NE(u.error().detail.find(bad), std::string::npos) << u.error().detail;
  }
}

}  // namespace
}  // namespace rtmp
