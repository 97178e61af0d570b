// What an HTTP request to rtmp-server asks for, from its target and headers: pure parsing
// (no Asio, no I/O), so it is unit-tested and fuzzed (apps/relay/fuzz/fuzz_http_request.cpp).
//
// URL layout, for a stream published to rtmp://HOST/APP/KEY:
//   /api/..., /stat, /metrics              stats and control (http_api.hpp)
//   /APP/KEY.flv                           HTTP-FLV or, with an Upgrade, WebSocket-FLV
//   /APP/KEY/index.m3u8 | init.mp4 | init-N.mp4 | segN.m4s | segN.ts | partN.I.m4s   HLS
//   /NAME, /                               the player page and its files (--http-www)
//
// Each path segment is percent-decoded once. A segment that decodes to "", "." or "..", or
// holds '/', '\\', NUL or another control character, is refused (HttpTarget::Kind::bad):
// nothing outside a stream's own namespace can be named, however it is encoded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtmp::relay {

struct HttpTarget {
  enum class Kind : std::uint8_t { stats, flv, hls, file, not_found, bad };
  Kind kind = Kind::not_found;
  std::string path;  // decoded path, for stats routes ("/metrics")
  std::string app;   // decoded
  std::string key;   // decoded, without ".flv"
  std::string
      file;  // HLS file name ("index.m3u8", "seg12.m4s", ...); for `file`, the name ("" for /)
  std::string query;  // raw, after '?', without it
  std::string error;  // why bad, for the log
};

// Never throws; any input gives some Kind.
HttpTarget parse_target(std::string_view target);

// Percent-decodes `s` ('+' stays '+'). nullopt on a malformed escape ("%G1", "%4").
std::optional<std::string> percent_decode(std::string_view s);

// The decoded value of the first `name=` parameter of a query ("a=1&token=x"); "" for a
// bare `name`; nullopt when absent or badly escaped.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// A Range header (RFC 9110 §14.2) against a body of `size` bytes. One range only: a list,
// another unit or bad syntax is ignored (the whole body is served, as the RFC allows).
struct RangeRequest {
  enum class Kind : std::uint8_t { whole, partial, unsatisfiable };
  Kind kind = Kind::whole;
  std::uint64_t first = 0, last = 0;  // inclusive, for partial
};
RangeRequest parse_range(std::string_view header, std::uint64_t size);

// True for the HLS file names of the layout above (index.m3u8, init[-N].mp4, segN.m4s,
// segN.ts, partN.I.m4s).
bool is_hls_file(std::string_view name);

}  // namespace rtmp::relay
