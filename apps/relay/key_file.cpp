#include "relay/key_file.hpp"

#include <fstream>
#include <sstream>

namespace rtmp::relay {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}
}  // namespace

KeyFile KeyFile::parse(std::string_view text) {
  KeyFile k;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    k.keys_.emplace(line);
  }
  return k;
}

Result<KeyFile> KeyFile::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(errc::io_error, "cannot read key file " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error(errc::io_error, "error reading key file " + path.string());
  return parse(text.str());
}

bool KeyFile::allows(std::string_view app, std::string_view key) const {
  key = key.substr(0, key.find('?'));
  if (key.empty()) return false;
  if (keys_.count(key)) return true;
  std::string scoped;
  scoped.reserve(app.size() + 1 + key.size());
  scoped.append(app).append("/").append(key);
  return keys_.count(scoped) > 0;
}

}  // namespace rtmp::relay
