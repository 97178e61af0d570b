// HLS playlists and file lookup over a Segmenter's State: pure functions (no clock, no I/O),
// so they are unit tested and fuzzed on their own.
//
//   auto q = rtmp::hls::parse_query("_HLS_msn=12&_HLS_part=3");   // Result<Query>
//   if (!q) -> 400;
//   switch (rtmp::hls::decide(seg.state(), *q)) {
//     case Readiness::bad_request: -> 400
//     case Readiness::wait: -> hold the request until the state changes (then decide again),
//                              at most ~3 target durations, then 503
//     case Readiness::ready: body = cache.get(seg.state(), q->skip);  // shared string
//   }
//   auto f = rtmp::hls::lookup(seg.state(), "part12.3.m4s");  // bytes, wait, or not found
//
// Playlist names (relative to the stream's directory): index.m3u8, init.mp4 / init-N.mp4
// (N > 1 after a codec change, so a cache never serves a stale one), seg<msn>.m4s or
// seg<msn>.ts, part<msn>.<i>.m4s. Names are never reused within a stream's life.
//
// Playlist tags: EXT-X-VERSION 9 with LL-HLS (EXT-X-SKIP), 6 for fMP4 without, 3 for TS;
// EXT-X-TARGETDURATION is State::target_duration_s, fixed before the first playlist can be
// served (State::listed(); see hls_segmenter.hpp) and never changed.
// EXT-X-INDEPENDENT-SEGMENTS only while no listed segment was a forced (keyframe-less) cut.
// LL-HLS: EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6 x target,
// PART-HOLD-BACK=3 x part target; EXT-X-PART-INF; EXT-X-PART for segments ending within 3
// target durations of the live edge and for the segment in progress; EXT-X-PRELOAD-HINT
// for the next part (not once ENDLIST is there).
#pragma once

#include "rtmp/error.hpp"
#include "rtmp/media/hls_segmenter.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::hls {

// Delivery directives of a playlist request (draft-pantos-hls-rfc8216bis §6.2.5).
struct Query {
  std::optional<std::uint64_t> msn;   // _HLS_msn
  std::optional<std::uint64_t> part;  // _HLS_part
  bool skip = false;                  // _HLS_skip=YES (v2 also accepted as YES)
};

// The query string without '?'. Unknown parameters are ignored.
// Errors: errc::invalid_argument: a number that does not parse, _HLS_part without _HLS_msn.
Result<Query> parse_query(std::string_view query);

enum class Readiness : std::uint8_t { ready, wait, bad_request };

// Blocking playlist reload: ready when the asked segment (or part) is in the playlist, or
// is older than the window, or the playlist has ended, or there is no directive, or the
// playlist is not LL-HLS (directives are then ignored); wait when it is the segment in
// progress or up to two segments ahead of the last complete one (and within 3 seconds of
// parts, the Advance Part Limit, of the last part); bad_request beyond that.
Readiness decide(const State& state, const Query& query);

// The playlist text. skip: a delta update (EXT-X-SKIP) when the state allows one.
std::string render_playlist(const State& state, bool skip);

// Renders each state version once (full and delta on demand) and hands out shared strings.
// Thread safety: none (use it under the stream's lock).
class PlaylistCache {
 public:
  std::shared_ptr<const std::string> get(const State& state, bool skip);

 private:
  std::uint64_t version_ = ~std::uint64_t{0};
  std::shared_ptr<const std::string> full_, delta_;
};

// A file of the stream by name.
struct File {
  enum class Kind : std::uint8_t { found, wait, not_found } kind = Kind::not_found;
  std::vector<SharedBytes> body;  // found: the bytes, in order (a segment: its parts)
  const char* content_type = "";
};
// found: init, a listed-or-older segment still in memory, a complete part; wait: the next
// part (the preload hint) of the segment in progress; not_found: anything else (the
// playlist itself included: use render_playlist).
File lookup(const State& state, std::string_view name);

// Content type of playlists.
inline constexpr const char* playlist_content_type = "application/vnd.apple.mpegurl";

// "2026-12-07T23:21:01.123Z" (UTC) from system clock ms.
std::string iso8601_ms(std::int64_t unix_ms);

}  // namespace rtmp::hls
