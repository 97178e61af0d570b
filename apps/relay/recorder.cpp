#include "relay/recorder.hpp"

#include "rtmp/media/flv_file.hpp"

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

std::string Recorder::file_name(std::string_view key, std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return sanitize(key) + "-" + stamp + ".flv";
}

Result<std::unique_ptr<Recorder>> Recorder::open(const fs::path& dir, std::string_view app,
                                                 std::string_view key,
                                                 std::chrono::system_clock::time_point start,
                                                 TimePoint now,
                                                 std::chrono::milliseconds flush_interval) {
  fs::path folder = dir / sanitize(app);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec)
    return Error(errc::io_error, "record: cannot create " + folder.string() + ": " + ec.message());
  std::string name = file_name(key, start);
  fs::path path = folder / name;
  std::FILE* f = nullptr;
  for (int n = 1; n < 1000; ++n) {
    // "x": never overwrite an earlier recording (a republish within the same second).
    f = std::fopen(path.c_str(), "wbx");
    if (f || errno != EEXIST) break;
    path = folder / (name.substr(0, name.size() - 4) + "-" + std::to_string(n) + ".flv");
  }
  if (!f)
    return Error(errc::io_error,
                 "record: cannot create " + path.string() + ": " + std::strerror(errno));
  std::setvbuf(f, nullptr, _IOFBF, 256 * 1024);
  std::unique_ptr<Recorder> r(new Recorder(f, path, now, flush_interval));
  Bytes header;
  FlvWriter::header(header, true, true);
  if (std::fwrite(header.data(), 1, header.size(), f) != header.size())
    return Error(errc::io_error, "record: write " + path.string() + " failed");
  r->bytes_ = header.size();
  return r;
}

Recorder::Recorder(std::FILE* f, fs::path path, TimePoint now, std::chrono::milliseconds interval)
    : file_(f), path_(std::move(path)), interval_(interval), last_flush_(now) {}

Recorder::~Recorder() {
  (void)close();
}

Result<void> Recorder::fail(std::string what) {
  failed_ = true;
  return Error(errc::io_error,
               "record " + path_.string() + ": " + what + ": " + std::strerror(errno));
}

Result<void> Recorder::write(const Message& m, TimePoint now) {
  if (!file_ || failed_) return {};
  buf_.clear();
  if (auto r = FlvWriter::tag(buf_, m); !r) return r;  // a message FLV cannot hold: skip it
  if (std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) return fail("write");
  bytes_ += buf_.size();
  ++tags_;
  return tick(now);
}

Result<void> Recorder::flush(TimePoint now) {
  last_flush_ = now;
  if (std::fflush(file_) != 0) return fail("flush");
  return {};
}

Result<void> Recorder::tick(TimePoint now) {
  if (!file_ || failed_ || now - last_flush_ < interval_) return {};
  return flush(now);
}

Result<void> Recorder::close() {
  if (!file_) return {};
  Result<void> r = failed_ ? Result<void>() : flush(last_flush_);
  if (std::fclose(file_) != 0 && r) r = fail("close");
  file_ = nullptr;
  return r;
}

}  // namespace rtmp::relay
