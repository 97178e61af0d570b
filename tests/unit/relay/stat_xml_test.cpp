#include "relay/stat_xml.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

StreamStats live_stream() {
  StreamStats s;
  s.app = "live";
  s.key = "cam<1>";
  s.live = true;
  s.publisher_session = 7;
  s.publisher_remote = "127.0.0.1:5000";
  s.uptime_s = 12.5;
  s.video_codec = "h264";
  s.audio_codec = "aac";
  s.width = 640;
  s.height = 360;
  s.audio_sample_rate = 44100;
  s.audio_channels = 2;
  s.fps = 30;
  s.bitrate_in_kbps = 1100;
  s.bytes_in = 123456;
  s.players = 1;
  s.media.video_bps = 1'000'000;
  s.media.audio_bps = 96'000;
  s.media.video_profile = "High";
  s.media.video_level = 3.1;
  s.media.audio_profile = "LC";
  s.media.has_audio = s.media.has_video = true;
  s.media.avsync_ms = -12;
  PlayerStats p;
  p.session_id = 9;
  p.remote = "http-flv://[::1]:6000";
  p.connected_s = 2;
  p.frames_dropped = 3;
  s.player_list.push_back(p);
  return s;
}

bool has(const std::string& xml, const std::string& part) {
  return xml.find(part) != std::string::npos;
}

TEST(StatXml, NginxRtmpElementsAndUnits) {
  const std::string xml = to_stat_xml({live_stream()}, {"rtmpcxx", 42, 60, 3, "/stat.xsl"});
  EXPECT_TRUE(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\" ?>"));
  EXPECT_TRUE(has(xml, "<?xml-stylesheet type=\"text/xsl\" href=\"/stat.xsl\" ?>"));
  EXPECT_TRUE(has(xml, "<uptime>60</uptime>"));
  EXPECT_TRUE(has(xml, "<server>\r\n<application>\r\n<name>live</name>"));
  EXPECT_TRUE(has(xml, "<name>cam&lt;1&gt;</name>"));
  EXPECT_TRUE(has(xml, "<time>12500</time>"));            // ms
  EXPECT_TRUE(has(xml, "<bw_in>1100000</bw_in>"));        // bits/s
  EXPECT_TRUE(has(xml, "<bw_video>1000000</bw_video>"));  // bits/s, an integer
  EXPECT_TRUE(has(xml, "<bw_audio>96000</bw_audio>"));
  EXPECT_TRUE(has(xml, "<id>7</id><address>127.0.0.1</address><port>5000</port>"));
  EXPECT_TRUE(has(xml, "<avsync>-12</avsync>"));
  EXPECT_TRUE(has(xml, "<publishing/><active/></client>"));
  EXPECT_TRUE(has(xml, "<id>9</id><address>::1</address><port>6000</port>"));
  EXPECT_TRUE(has(xml, "<dropped>3</dropped>"));
  EXPECT_TRUE(has(xml,
                  "<meta><video><width>640</width><height>360</height>"
                  "<frame_rate>30.000</frame_rate><codec>H264</codec>"
                  "<profile>High</profile><compat>0</compat><level>3.1</level></video>"));
  EXPECT_TRUE(has(xml,
                  "<audio><codec>AAC</codec><profile>LC</profile><channels>2</channels>"
                  "<sample_rate>44100</sample_rate></audio>"));
  // The publisher counts, as in nginx-rtmp: 1 player + 1 publisher, per stream and per app.
  EXPECT_TRUE(has(xml, "<nclients>2</nclients>\r\n<publishing/>"));
  EXPECT_TRUE(has(xml, "</stream>\r\n<nclients>2</nclients>"));
}

TEST(StatXml, IdleStreamHasNoMetaNorPublishing) {
  StreamStats s;
  s.app = "live";
  s.key = "idle";
  const std::string xml = to_stat_xml({s}, {});
  EXPECT_FALSE(has(xml, "<meta>"));
  EXPECT_FALSE(has(xml, "<publishing/>"));
  EXPECT_FALSE(has(xml, "xml-stylesheet"));
  EXPECT_TRUE(has(xml, "<nclients>0</nclients>"));
}

TEST(StatXml, AppsGroupedOnce) {
  auto a = live_stream(), b = live_stream(), c = live_stream();
  c.app = "other";
  const std::string xml = to_stat_xml({a, c, b}, {});
  std::size_t apps = 0;
  for (auto at = xml.find("<application>"); at != std::string::npos;
       at = xml.find("<application>", at + 1))
    ++apps;
  EXPECT_EQ(apps, 2u);
}

TEST(StatXml, EscapesWhatXmlCannotCarry) {
  EXPECT_EQ(xml_escape("a&b\"c'"), "a&amp;b&quot;c&apos;");
  EXPECT_EQ(xml_escape(std::string("x\x01y", 3)), "x?y");
  EXPECT_EQ(xml_escape("\xff\xfe"), "??");
  EXPECT_EQ(xml_escape("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(xml_escape("\xc3"), "?");  // truncated sequence
  EXPECT_EQ(nginx_codec_name("h264"), "H264");
  EXPECT_EQ(nginx_codec_name("h265"), "HEVC");
  EXPECT_EQ(nginx_codec_name("weird"), "weird");
}

}  // namespace
}  // namespace rtmp::relay
