#include "rtmp/media/hls_playlist.hpp"

#include <chrono>
#include <cstdio>

namespace rtmp::hls {

namespace {

// Strict unsigned decimal: digits only, no sign, no overflow.
std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// ms as seconds with three decimals ("2.002").
std::string seconds(std::int64_t ms) {
  if (ms < 0) ms = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

std::string part_name(std::uint64_t msn, std::size_t index) {
  return "part" + std::to_string(msn) + "." + std::to_string(index) + ".m4s";
}

std::string segment_name(const State& st, std::uint64_t msn) {
  return "seg" + std::to_string(msn) + "." + st.extension();
}

const Init* find_init(const State& st, std::uint32_t version) {
  for (const auto& i : st.inits)
    if (i.version == version) return &i;
  return nullptr;
}

// Advance Part Limit (draft-pantos-hls-rfc8216bis §6.2.5.2): three seconds of parts when
// the part target is below one second, else three parts.
std::uint64_t advance_part_limit(const Options& o) {
  return o.part_target_ms < 1000 ? static_cast<std::uint64_t>(3000 / o.part_target_ms) : 3;
}

std::int64_t live_edge_ms(const State& st) {
  if (st.current && !st.current->parts.empty())
    return st.current->start_ms + st.current->duration_ms;
  if (!st.segments.empty()) return st.segments.back().start_ms + st.segments.back().duration_ms;
  return 0;
}

struct Renderer {
  const State& st;
  std::string out;
  bool first = true;
  std::uint32_t init_version = 0;

  void line(std::string_view s) {
    out += s;
    out += '\n';
  }

  void header(std::size_t skipped) {
    const bool ll = st.parts_enabled();
    const bool fmp4 = st.options.container == Container::fmp4;
    line("#EXTM3U");
    line("#EXT-X-VERSION:" + std::to_string(ll ? 9 : fmp4 ? 6 : 3));
    line("#EXT-X-TARGETDURATION:" + std::to_string(st.target_duration_s));
    if (ll) {
      line("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=" +
           seconds(6000 * st.target_duration_s) +
           ",PART-HOLD-BACK=" + seconds(3 * st.options.part_target_ms));
      line("#EXT-X-PART-INF:PART-TARGET=" + seconds(st.options.part_target_ms));
    }
    const std::uint64_t first_msn = !st.segments.empty() ? st.segments.front().msn
                                    : st.current         ? st.current->msn
                                                         : st.next_msn;
    line("#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first_msn));
    // Before EXT-X-SKIP: players reject it after the first (skipped) segment.
    line("#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(st.discontinuity_sequence));
    bool independent = !(st.current && st.current->forced);
    for (const auto& s : st.segments) independent = independent && !s.forced;
    if (independent) line("#EXT-X-INDEPENDENT-SEGMENTS");
    if (skipped > 0) line("#EXT-X-SKIP:SKIPPED-SEGMENTS=" + std::to_string(skipped));
  }

  void segment(const Segment& s, bool complete, bool with_parts) {
    if (s.discontinuity) line("#EXT-X-DISCONTINUITY");
    if (st.options.container == Container::fmp4 && (first || s.init_version != init_version)) {
      if (const Init* i = find_init(st, s.init_version))
        line("#EXT-X-MAP:URI=\"" + i->name() + "\"");
      init_version = s.init_version;
    }
    first = false;
    line("#EXT-X-PROGRAM-DATE-TIME:" + iso8601_ms(s.wall_ms));
    if (with_parts) {
      for (std::size_t i = 0; i < s.parts.size(); ++i) {
        const Part& p = s.parts[i];
        line("#EXT-X-PART:DURATION=" + seconds(p.duration_ms) + ",URI=\"" + part_name(s.msn, i) +
             "\"" + (p.independent ? ",INDEPENDENT=YES" : ""));
      }
    }
    if (complete) {
      line("#EXTINF:" + seconds(s.duration_ms) + ",");
      line(segment_name(st, s.msn));
    }
  }
};

}  // namespace

Result<Query> parse_query(std::string_view query) {
  Query q;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = item.find('=');
    const auto key = item.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    if (key == "_HLS_msn" || key == "_HLS_part") {
      auto v = parse_u64(value);
      if (!v) return Error(errc::invalid_argument, std::string(key) + ": not a number");
      (key == "_HLS_msn" ? q.msn : q.part) = *v;
    } else if (key == "_HLS_skip") {
      q.skip = value == "YES" || value == "v2";
    }
  }
  if (q.part && !q.msn) return Error(errc::invalid_argument, "_HLS_part without _HLS_msn");
  return q;
}

Readiness decide(const State& st, const Query& q) {
  if (!q.msn || !st.parts_enabled() || st.ended) return Readiness::ready;
  const std::uint64_t m = *q.msn, next = st.next_msn;  // next: the segment in progress
  // More than two segments past the last complete one (next - 1).
  if (m > next + 1) return Readiness::bad_request;
  if (m < next) return Readiness::ready;
  if (!q.part) return Readiness::wait;
  const std::uint64_t limit = advance_part_limit(st.options);
  const std::uint64_t have = m == next && st.current ? st.current->parts.size() : 0;
  if (m == next && *q.part < have) return Readiness::ready;
  if (*q.part >= have + limit) return Readiness::bad_request;
  return Readiness::wait;
}

std::string render_playlist(const State& st, bool skip) {
  const bool ll = st.parts_enabled();
  const std::int64_t edge = live_edge_ms(st);
  const std::int64_t target_ms = 1000 * st.target_duration_s;
  std::size_t skipped = 0;
  if (skip && ll) {
    // Segments ending before CAN-SKIP-UNTIL (6 target durations) from the live edge.
    while (skipped < st.segments.size()) {
      const Segment& s = st.segments[skipped];
      if (s.start_ms + s.duration_ms > edge - 6 * target_ms) break;
      ++skipped;
    }
  }
  Renderer r{st, {}};
  r.out.reserve(256 + 160 * st.segments.size());
  r.header(skipped);
  for (std::size_t i = skipped; i < st.segments.size(); ++i) {
    const Segment& s = st.segments[i];
    // Parts of segments ending within three target durations of the live edge.
    r.segment(s, true, ll && s.start_ms + s.duration_ms > edge - 3 * target_ms);
  }
  if (st.current && !st.current->parts.empty()) r.segment(*st.current, false, ll);
  if (st.ended) {
    r.line("#EXT-X-ENDLIST");
  } else if (ll) {
    const std::uint64_t msn = st.current ? st.current->msn : st.next_msn;
    const std::size_t index = st.current ? st.current->parts.size() : 0;
    r.line("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"" + part_name(msn, index) + "\"");
  }
  return std::move(r.out);
}

std::shared_ptr<const std::string> PlaylistCache::get(const State& st, bool skip) {
  if (st.version != version_) {
    version_ = st.version;
    full_.reset();
    delta_.reset();
  }
  auto& slot = skip && st.parts_enabled() ? delta_ : full_;
  if (!slot) slot = std::make_shared<const std::string>(render_playlist(st, skip));
  return slot;
}

File lookup(const State& st, std::string_view name) {
  File f;
  const bool fmp4 = st.options.container == Container::fmp4;
  auto strip = [&](std::string_view prefix,
                   std::string_view suffix) -> std::optional<std::string_view> {
    if (name.size() < prefix.size() + suffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(suffix))
      return std::nullopt;
    return name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  };
  if (fmp4) {
    std::optional<std::uint64_t> version;
    if (name == "init.mp4")
      version = 1;
    else if (auto n = strip("init-", ".mp4"))
      version = parse_u64(*n);
    if (version) {
      for (const auto& i : st.inits)
        if (i.version == *version) return {File::Kind::found, {i.data}, "video/mp4"};
      return f;
    }
  }
  const char* media_type = fmp4 ? "video/mp4" : "video/mp2t";
  if (auto n = strip("seg", fmp4 ? ".m4s" : ".ts")) {
    auto msn = parse_u64(*n);
    for (const auto& s : st.segments) {
      if (!msn || s.msn != *msn) continue;
      f = {File::Kind::found, {}, media_type};
      for (const auto& p : s.parts) f.body.push_back(p.data);
    }
    return f;
  }
  auto n = fmp4 && st.parts_enabled() ? strip("part", ".m4s") : std::nullopt;
  if (!n) return f;
  const auto dot = n->find('.');
  if (dot == std::string_view::npos) return f;
  auto msn = parse_u64(n->substr(0, dot));
  auto index = parse_u64(n->substr(dot + 1));
  if (!msn || !index) return f;
  auto from = [&](const Segment& s) {
    if (*index < s.parts.size()) f = {File::Kind::found, {s.parts[*index].data}, media_type};
  };
  for (const auto& s : st.segments)
    if (s.msn == *msn) from(s);
  if (st.current && st.current->msn == *msn) from(*st.current);
  // The preload hint: the next part of the segment in progress (or of the next segment).
  if (f.kind == File::Kind::not_found && !st.ended && *msn == st.next_msn &&
      *index == (st.current ? st.current->parts.size() : 0))
    f.kind = File::Kind::wait;
  return f;
}

std::string iso8601_ms(std::int64_t unix_ms) {
  using namespace std::chrono;
  const auto t = sys_time<milliseconds>(milliseconds(unix_ms));
  const auto day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss hms(t - day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

}  // namespace rtmp::hls
