// --publish-key-file FILE: the stream keys allowed to publish, one per line.
//
//   # comment            blank lines and lines starting with '#' are ignored
//   secret123            this key may publish in any application
//   live/secret456       this key may publish in application "live" only
//
// Leading/trailing spaces are trimmed. Keys are compared without their query string
// ("key?token=x" matches "key"), as published URLs often carry one (OBS, ffmpeg).
#pragma once

#include "rtmp/error.hpp"

#include <filesystem>
#include <set>
#include <string>
#include <string_view>

namespace rtmp::relay {

class KeyFile {
 public:
  KeyFile() = default;
  // Errors: errc::io_error (cannot read the file).
  static Result<KeyFile> load(const std::filesystem::path& path);
  static KeyFile parse(std::string_view text);

  bool allows(std::string_view app, std::string_view key) const;
  std::size_t size() const noexcept { return keys_.size(); }

 private:
  std::set<std::string, std::less<>> keys_;  // "key" or "app/key"
};

}  // namespace rtmp::relay
