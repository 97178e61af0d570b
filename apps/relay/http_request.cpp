#include "relay/http_request.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace rtmp::relay {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;  // fits in uint64 with room
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<std::uint64_t> to_number(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Why a decoded segment may not name anything (empty: it may).
const char* segment_problem(std::string_view seg) {
  if (seg.empty()) return "empty path segment";
  if (seg == "." || seg == "..") return "dot segment";
  for (unsigned char c : seg) {
    if (c == '/') return "encoded slash";
    if (c == '\\') return "backslash";
    if (c < 0x20 || c == 0x7f) return "control character";
  }
  return nullptr;
}

HttpTarget bad(std::string why) {
  HttpTarget t;
  t.kind = HttpTarget::Kind::bad;
  t.error = std::move(why);
  return t;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool is_hls_file(std::string_view name) {
  if (name == "index.m3u8" || name == "init.mp4") return true;
  auto strip = [&](std::string_view prefix, std::string_view suffix, std::string_view& mid) {
    if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(suffix))
      return false;
    mid = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    return true;
  };
  std::string_view mid;
  if (strip("init-", ".mp4", mid)) return all_digits(mid);
  if (strip("seg", ".m4s", mid) || strip("seg", ".ts", mid)) return all_digits(mid);
  if (strip("part", ".m4s", mid)) {
    auto dot = mid.find('.');
    return dot != std::string_view::npos && all_digits(mid.substr(0, dot)) &&
           all_digits(mid.substr(dot + 1));
  }
  return false;
}

HttpTarget parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return bad("target is not an absolute path");
  const auto q = target.find('?');
  const std::string_view raw_path = target.substr(0, q);
  const std::string query(q == std::string_view::npos ? "" : target.substr(q + 1));
  if (raw_path.find('\\') != std::string_view::npos) return bad("backslash in path");
  if (raw_path == "/stat" || raw_path == "/metrics" || raw_path.starts_with("/api/")) {
    HttpTarget t;
    t.kind = HttpTarget::Kind::stats;
    t.path = std::string(raw_path);
    t.query = query;
    return t;
  }
  if (raw_path == "/") {
    HttpTarget t;
    t.kind = HttpTarget::Kind::file;
    t.query = query;
    return t;
  }
  std::vector<std::string> segs;
  std::string_view rest = raw_path.substr(1);
  for (;;) {
    const auto slash = rest.find('/');
    auto dec = percent_decode(rest.substr(0, slash));
    if (!dec) return bad("bad percent escape in path");
    if (const char* why = segment_problem(*dec)) return bad(why);
    if (segs.size() == 3) return HttpTarget{};  // deeper than any route: not found
    segs.push_back(std::move(*dec));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  HttpTarget t;
  t.query = query;
  if (segs.size() == 1) {
    t.kind = HttpTarget::Kind::file;
    t.file = segs[0];
  } else if (segs.size() == 2 && segs[1].size() > 4 && segs[1].ends_with(".flv")) {
    t.kind = HttpTarget::Kind::flv;
    t.app = segs[0];
    t.key = segs[1].substr(0, segs[1].size() - 4);
    // "..flv" names the key ".": as refused as the segment "." itself.
    if (const char* why = segment_problem(t.key)) return bad(why);
  } else if (segs.size() == 3 && is_hls_file(segs[2])) {
    t.kind = HttpTarget::Kind::hls;
    t.app = segs[0];
    t.key = segs[1];
    t.file = segs[2];
  }
  return t;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return eq == std::string_view::npos ? std::optional<std::string>("")
                                          : percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return std::nullopt;
}

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  constexpr std::string_view unit = "bytes=";
  if (!header.starts_with(unit)) return {};
  const std::string_view spec = header.substr(unit.size());
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return {};
  const std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  RangeRequest r;
  if (a.empty()) {  // suffix: the last N bytes
    auto n = to_number(b);
    if (!n) return {};
    if (*n == 0 || size == 0) return {RangeRequest::Kind::unsatisfiable};
    r.first = *n >= size ? 0 : size - *n;
    r.last = size - 1;
  } else {
    auto first = to_number(a);
    if (!first) return {};
    std::optional<std::uint64_t> last =
        b.empty() ? std::optional<std::uint64_t>(UINT64_MAX) : to_number(b);
    if (!last || *last < *first) return {};
    if (*first >= size) return {RangeRequest::Kind::unsatisfiable};
    r.first = *first;
    r.last = std::min(*last, size - 1);
  }
  r.kind = RangeRequest::Kind::partial;
  return r;
}

}  // namespace rtmp::relay
