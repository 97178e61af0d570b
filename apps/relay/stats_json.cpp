#include "relay/stats_json.hpp"

namespace rtmp::relay {

using json = nlohmann::ordered_json;

std::string_view player_protocol(std::string_view remote) {
  for (std::string_view proto : {"http-flv", "ws-flv"})
    if (remote.starts_with(proto) && remote.substr(proto.size()).starts_with("://")) return proto;
  if (remote.starts_with("hls:") || remote.starts_with("push:")) return "internal";
  return "rtmp";
}

std::pair<std::string_view, std::string_view> split_remote(std::string_view remote) {
  if (auto scheme = remote.find("://"); scheme != std::string_view::npos)
    remote = remote.substr(scheme + 3);
  if (remote.starts_with('[')) {
    const auto close = remote.find(']');
    if (close == std::string_view::npos) return {remote, {}};
    const auto rest = remote.substr(close + 1);
    return {remote.substr(1, close - 1),
            rest.starts_with(':') ? rest.substr(1) : rest.substr(0, 0)};
  }
  const auto colon = remote.rfind(':');
  // More than one colon and no brackets: a bare IPv6 address, no port.
  if (colon == std::string_view::npos || remote.find(':') != colon) return {remote, {}};
  return {remote.substr(0, colon), remote.substr(colon + 1)};
}

json to_json(const PlayerStats& p) {
  return {{"session", p.session_id},
          {"id", p.session_id},
          {"protocol", player_protocol(p.remote)},
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
       {{"codec", s.video_codec},
        {"width", s.width},
        {"height", s.height},
        {"fps", s.fps},
        {"meta_frame_rate", s.media.meta_frame_rate},
        {"profile", s.media.video_profile},
        {"level", s.media.video_level},
        {"bitrate_kbps", s.media.video_bps / 1000},
        {"bytes", s.media.video_bytes}}},
      {"audio",
       {{"codec", s.audio_codec},
        {"sample_rate", s.audio_sample_rate},
        {"channels", s.audio_channels},
        {"profile", s.media.audio_profile},
        {"bitrate_kbps", s.media.audio_bps / 1000},
        {"bytes", s.media.audio_bytes}}},
      {"avsync_ms",
       s.media.has_audio && s.media.has_video ? json(s.media.avsync_ms) : json(nullptr)},
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
