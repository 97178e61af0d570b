#include "relay/static_files.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <utility>

namespace rtmp::relay {

namespace {

constexpr std::uintmax_t max_file_bytes = 16u << 20;
constexpr std::uintmax_t max_total_bytes = 64u << 20;

Result<std::string> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad() || (!in.eof() && in.fail()))
    return Error(errc::io_error, p.string() + ": read failed");
  return body;
}

}  // namespace

bool StaticFiles::servable_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string StaticFiles::content_type(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> types{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".map", "application/json"},
      {".xsl", "text/xsl; charset=utf-8"},
  }};
  for (const auto& [ext, type] : types)
    if (name.ends_with(ext)) return std::string(type);
  return "application/octet-stream";
}

Result<std::shared_ptr<const StaticFiles>> StaticFiles::load(const std::filesystem::path& dir) {
  auto files = std::make_shared<StaticFiles>();
  files->dir_ = dir;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return Error(errc::io_error, dir.string() + ": " + ec.message());
  std::uintmax_t total = 0;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !servable_name(name)) continue;
    const auto size = entry.file_size(ec);
    if (ec) return Error(errc::io_error, entry.path().string() + ": " + ec.message());
    total += size;
    if (size > max_file_bytes || total > max_total_bytes)
      return Error(errc::invalid_argument, entry.path().string() + ": over the size cap");
    auto body = read_file(entry.path());
    if (!body) return body.error();
    files->files_[name] = {content_type(name),
                           std::make_shared<const std::string>(std::move(*body))};
  }
  return std::shared_ptr<const StaticFiles>(std::move(files));
}

Result<std::shared_ptr<const StaticFiles>> StaticFiles::load_player(const std::string& dir,
                                                                    const char* argv0) {
  if (!dir.empty()) return load(dir);
  std::error_code ec;
  auto exe = std::filesystem::canonical("/proc/self/exe", ec);
  if (ec) exe = std::filesystem::absolute(argv0 ? argv0 : "", ec);
  const auto base = exe.parent_path().parent_path();
  const std::filesystem::path candidates[] = {base / "browser" / "www",
                                              base / "share" / "rtmpcxx" / "www"};
  for (const auto& d : candidates)
    if (std::filesystem::is_regular_file(d / "player.html", ec)) return load(d);
  return Error(errc::io_error, "no player.html in " + candidates[0].string() + " or " +
                                   candidates[1].string() + " (scripts/npm-setup.sh builds it)");
}

const StaticFiles::File* StaticFiles::find(std::string_view name) const {
  auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace rtmp::relay
