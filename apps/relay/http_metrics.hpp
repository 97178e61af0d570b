// Relay stats in the Prometheus text exposition format (version 0.0.4), for rtmp-server's
// /metrics: one sample per stream and metric, labelled app and key.
#pragma once

#include "relay/stats.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::relay {

std::string to_prometheus(const std::vector<StreamStats>& streams, std::size_t connections);
// A label value with '\', '"' and newline escaped, as the format requires.
std::string prometheus_label(std::string_view value);

}  // namespace rtmp::relay
