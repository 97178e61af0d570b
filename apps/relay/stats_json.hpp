// StreamStats as JSON: the shape of rtmp-server's --stats-file (and of /api/streams).
#pragma once

#include "relay/stats.hpp"

#include <nlohmann/json.hpp>

#include <string_view>
#include <utility>
#include <vector>

namespace rtmp::relay {

nlohmann::ordered_json to_json(const PlayerStats& p);
nlohmann::ordered_json to_json(const StreamStats& s);
// {"streams": [...]}
nlohmann::ordered_json to_json(const std::vector<StreamStats>& streams);

// A player's protocol from its remote address: HTTP players name theirs ("http-flv://1.2.3.4:5",
// "ws-flv://..."), the relay's own players theirs ("hls:live/k", "push:rtmp://..."):
// "rtmp", "http-flv", "ws-flv" or "internal".
std::string_view player_protocol(std::string_view remote);
// "1.2.3.4", "5" from "1.2.3.4:5", "[::1]:5" or "http-flv://1.2.3.4:5" (views into remote);
// port empty when there is none.
std::pair<std::string_view, std::string_view> split_remote(std::string_view remote);

}  // namespace rtmp::relay
