// StreamStats as JSON: the shape of rtmp-server's --stats-file (and of /api/streams).
#pragma once

#include "relay/stats.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace rtmp::relay {

nlohmann::ordered_json to_json(const PlayerStats& p);
nlohmann::ordered_json to_json(const StreamStats& s);
// {"streams": [...]}
nlohmann::ordered_json to_json(const std::vector<StreamStats>& streams);

}  // namespace rtmp::relay
