#include "relay/recorder.hpp"

#include "relay/recorder_flv.hpp"
#include "relay/recorder_mp4.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

namespace rtmp::relay {

namespace fs = std::filesystem;

std::string Recorder::sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  // "." and ".." (and any leading dot) would name the directory itself or its parent.
  if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
  return out;
}

std::string Recorder::file_name(std::string_view key, std::chrono::system_clock::time_point t,
                                std::string_view ext) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return sanitize(key) + "-" + stamp + std::string(ext);
}

Result<std::FILE*> Recorder::create_file(const fs::path& dir, std::string_view app,
                                         std::string_view key,
                                         std::chrono::system_clock::time_point start,
                                         std::string_view ext, fs::path& path) {
  fs::path folder = dir / sanitize(app);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) {
    path.clear();
    return Error(errc::io_error, "record: cannot create " + folder.string() + ": " + ec.message());
  }
  const std::string name = file_name(key, start, ext);
  const std::string stem = name.substr(0, name.size() - ext.size());
  path = folder / name;
  std::FILE* f = nullptr;
  for (int n = 1; n < 1000; ++n) {
    // "x": never overwrite an earlier recording (a republish within the same second).
    f = std::fopen(path.c_str(), "wbx");
    if (f || errno != EEXIST) break;
    path = folder / (stem + "-" + std::to_string(n) + std::string(ext));
  }
  if (!f)
    return Error(errc::io_error,
                 "record: cannot create " + path.string() + ": " + std::strerror(errno));
  std::setvbuf(f, nullptr, _IOFBF, 256 * 1024);
  return f;
}

Result<std::unique_ptr<Recorder>> Recorder::open(const fs::path& dir, std::string_view app,
                                                 std::string_view key,
                                                 std::chrono::system_clock::time_point start,
                                                 TimePoint now, RecordOptions options) {
  auto on_done = options.on_done;
  auto r = options.format == RecordFormat::mp4
               ? Mp4Recorder::open(dir, app, key, start, now, std::move(options))
               : FlvRecorder::open(dir, app, key, start, now, std::move(options));
  if (!r && on_done) {
    RecordDone d;
    d.app = app;
    d.key = key;
    d.error = r.error().message();
    on_done(d);
  }
  return r;
}

Result<std::unique_ptr<Recorder>> Recorder::open(const fs::path& dir, std::string_view app,
                                                 std::string_view key,
                                                 std::chrono::system_clock::time_point start,
                                                 TimePoint now,
                                                 std::chrono::milliseconds flush_interval) {
  RecordOptions options;
  options.flush = flush_interval;
  return open(dir, app, key, start, now, std::move(options));
}

}  // namespace rtmp::relay
