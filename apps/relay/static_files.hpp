// The files rtmp-server serves to browsers beside the streams: the player page and the
// player libraries it loads (scripts/npm-setup.sh assembles them into BUILD/browser/www).
// Read once at start into memory and served from there, so a request never touches the
// file system and no path from a request ever reaches it.
//
//   auto www = StaticFiles::load("build/release/browser/www");
//   if (auto* f = (*www)->find("player.html")) ... f->content_type, *f->body
//
// Only regular files directly in the directory whose names are [A-Za-z0-9._-] and do not
// start with '.' are taken; each at most 16 MiB, 64 MiB in all. Immutable once loaded:
// thread-safe to share.
#pragma once

#include "rtmp/error.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace rtmp::relay {

class StaticFiles {
 public:
  struct File {
    std::string content_type;
    std::shared_ptr<const std::string> body;
  };

  // Errors: io_error (the directory or a file cannot be read), invalid_argument (over the
  // size caps).
  static Result<std::shared_ptr<const StaticFiles>> load(const std::filesystem::path& dir);
  // rtmp-server's player page: `dir` when given, else the first of EXE_DIR/../browser/www
  // (a build tree after scripts/npm-setup.sh) and EXE_DIR/../share/rtmpcxx/www (installed)
  // that holds player.html. Errors as load(); io_error naming both when neither exists.
  static Result<std::shared_ptr<const StaticFiles>> load_player(const std::string& dir,
                                                                const char* argv0);

  // The file called `name` (one path segment, already percent-decoded); null if none.
  const File* find(std::string_view name) const;
  std::size_t size() const noexcept { return files_.size(); }
  const std::filesystem::path& dir() const noexcept { return dir_; }

  // "text/html; charset=utf-8" for .html, ... "application/octet-stream" when unknown.
  static std::string content_type(std::string_view name);
  static bool servable_name(std::string_view name);

 private:
  std::filesystem::path dir_;
  std::map<std::string, File, std::less<>> files_;
};

}  // namespace rtmp::relay
