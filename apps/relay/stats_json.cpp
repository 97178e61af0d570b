#include "relay/stats_json.hpp"

namespace rtmp::relay {

using json = nlohmann::ordered_json;

json to_json(const PlayerStats& p) {
  return {{"session", p.session_id},
          {"remote", p.remote},
          {"connected_s", p.connected_s},
          {"frames_sent", p.frames_sent},
          {"frames_dropped", p.frames_dropped},
          {"bytes_sent", p.bytes_sent},
          {"backlog_bytes", p.backlog_bytes},
          {"backlog_ms", p.backlog_ms},
          {"skipping", p.skipping},
          {"waiting", p.waiting}};
}

json to_json(const StreamStats& s) {
  json players = json::array();
  for (const auto& p : s.player_list) players.push_back(to_json(p));
  json j = {
      {"app", s.app},
      {"key", s.key},
      {"live", s.live},
      {"publisher", s.live ? json{{"session", s.publisher_session}, {"remote", s.publisher_remote}}
                           : json(nullptr)},
      {"uptime_s", s.uptime_s},
      {"video",
       {{"codec", s.video_codec}, {"width", s.width}, {"height", s.height}, {"fps", s.fps}}},
      {"audio",
       {{"codec", s.audio_codec},
        {"sample_rate", s.audio_sample_rate},
        {"channels", s.audio_channels}}},
      {"bitrate_in_kbps", s.bitrate_in_kbps},
      {"bitrate_out_kbps", s.bitrate_out_kbps},
      {"bytes_in", s.bytes_in},
      {"bytes_out", s.bytes_out},
      {"video_frames_in", s.video_frames_in},
      {"audio_frames_in", s.audio_frames_in},
      {"frames_dropped", s.frames_dropped},
      {"players_dropped_slow", s.players_dropped_slow},
      {"players_total", s.players_total},
      {"players", s.players},
      {"gop_cache", {{"packets", s.gop_cache_packets}, {"bytes", s.gop_cache_bytes}}},
      {"recording", s.recording.empty() ? json(nullptr) : json(s.recording)},
      {"player_list", std::move(players)}};
  return j;
}

json to_json(const std::vector<StreamStats>& streams) {
  json arr = json::array();
  for (const auto& s : streams) arr.push_back(to_json(s));
  return {{"streams", std::move(arr)}};
}

}  // namespace rtmp::relay
