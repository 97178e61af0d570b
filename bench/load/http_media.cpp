#include "http_media.hpp"

#include <cstdlib>
#include <cstring>

namespace http_load {

bool read_stamp(const std::uint8_t* p, std::size_t n, bool video, Stamp& s) {
  if (n < 16 || std::memcmp(p, "RLBT", 4) != 0) return false;
  s.video = video;
  s.seq = 0;
  s.ns = 0;
  for (int i = 0; i < 4; ++i) s.seq = s.seq << 8 | p[4 + i];
  for (int i = 0; i < 8; ++i) s.ns = s.ns << 8 | p[8 + i];
  return true;
}

namespace {

std::string uri_attr(std::string_view line) {
  const auto at = line.find("URI=\"");
  if (at == std::string_view::npos) return {};
  const auto end = line.find('"', at + 5);
  if (end == std::string_view::npos) return {};
  return std::string(line.substr(at + 5, end - at - 5));
}

std::uint64_t number_after(std::string_view line, std::string_view tag) {
  return std::strtoull(std::string(line.substr(tag.size())).c_str(), nullptr, 10);
}

}  // namespace

bool parse_playlist(std::string_view text, Playlist& out) {
  out = Playlist{};
  if (!text.starts_with("#EXTM3U")) return false;
  std::uint64_t msn = 0;
  unsigned part = 0;
  bool seq_seen = false;
  while (!text.empty()) {
    auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.starts_with("#EXT-X-MEDIA-SEQUENCE:")) {
      if (!seq_seen) msn = out.first_msn = number_after(line, "#EXT-X-MEDIA-SEQUENCE:");
      seq_seen = true;
    } else if (line.starts_with("#EXT-X-TARGETDURATION:")) {
      out.target_s = static_cast<double>(number_after(line, "#EXT-X-TARGETDURATION:"));
    } else if (line.starts_with("#EXT-X-MAP:")) {
      out.map_uri = uri_attr(line);
    } else if (line.starts_with("#EXT-X-PART:")) {
      out.parts.push_back({msn, part++, uri_attr(line)});
    } else if (line.starts_with("#EXT-X-PRELOAD-HINT:") &&
               line.find("TYPE=PART") != std::string_view::npos) {
      out.has_hint = true;
      out.hint = {msn, part, uri_attr(line)};
    } else if (line.starts_with("#EXT-X-SKIP:")) {
      const auto at = line.find("SKIPPED-SEGMENTS=");
      if (at != std::string_view::npos) msn += number_after(line.substr(at), "SKIPPED-SEGMENTS=");
    } else if (line.starts_with("#EXT-X-ENDLIST")) {
      out.ended = true;
    } else if (line[0] != '#') {
      out.segments.emplace_back(msn++, std::string(line));
      part = 0;
    }
  }
  return true;
}

}  // namespace http_load
