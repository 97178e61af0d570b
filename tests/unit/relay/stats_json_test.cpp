#include "relay/stats_json.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

TEST(StatsJson, StreamShape) {
  StreamStats s;
  s.app = "live";
  s.key = "k";
  s.live = true;
  s.publisher_session = 3;
  s.video_codec = "h264";
  s.width = 640;
  s.frames_dropped = 7;
  PlayerStats p;
  p.session_id = 5;
  p.frames_dropped = 7;
  p.skipping = true;
  s.player_list.push_back(p);
  auto j = to_json(std::vector<StreamStats>{s});
  const auto& st = j.at("streams").at(0);
  EXPECT_EQ(st.at("app"), "live");
  EXPECT_EQ(st.at("publisher").at("session"), 3);
  EXPECT_EQ(st.at("video").at("codec"), "h264");
  EXPECT_EQ(st.at("video").at("width"), 640);
  EXPECT_EQ(st.at("frames_dropped"), 7);
  EXPECT_EQ(st.at("recording"), nullptr);
  EXPECT_EQ(st.at("player_list").at(0).at("session"), 5);
  EXPECT_EQ(st.at("player_list").at(0).at("skipping"), true);
  s.live = false;
  EXPECT_EQ(to_json(s).at("publisher"), nullptr);
}

}  // namespace
}  // namespace rtmp::relay
