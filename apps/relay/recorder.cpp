#include "relay/recorder.hpp"

#include "rtmp/media/flv_file.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

#include <sys/stat.h>
#include <unistd.h>

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
  r->bytes_ = r->header_bytes_ = header.size();
  return r;
}

Recorder::Recorder(std::FILE* f, fs::path path, TimePoint now, std::chrono::milliseconds interval)
    : file_(f), path_(std::move(path)), interval_(interval), last_flush_(now) {}

Recorder::~Recorder() {
  (void)close();
}

Result<void> Recorder::fail(std::string what) {
  const int err = errno;
  failed_ = true;
  // stdio hands the kernel a prefix of what it was given, cut anywhere (a partial write()
  // at the size limit or the last free block). Keep the whole tags of that prefix only.
  const int fd = fileno(file_);
  std::uint64_t keep = durable_;
  std::uint64_t whole = durable_tags_;
  struct stat st {};
  if (fstat(fd, &st) == 0) {
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (keep < header_bytes_ && size >= header_bytes_) keep = header_bytes_;
    for (std::uint64_t end : ends_) {
      if (end > size) break;
      keep = end;
      ++whole;
    }
  }
  // fclose() may still write stdio's buffer (if space came back): cut after it, through a
  // descriptor of our own.
  const int cut_fd = dup(fd);
  std::fclose(file_);
  file_ = nullptr;
  const bool cut = cut_fd >= 0 && ftruncate(cut_fd, static_cast<off_t>(keep)) == 0;
  const int cut_err = errno;
  if (cut_fd >= 0) ::close(cut_fd);
  ends_.clear();
  bytes_ = keep;
  tags_ = whole;
  std::string result =
      cut ? "file cut to " + std::to_string(keep) + " bytes (" + std::to_string(whole) +
                " whole tags)"
          : std::string("cannot cut the file to its whole tags: ") + std::strerror(cut_err);
  return Error(errc::io_error, "record " + path_.string() + ": " + what + ": " +
                                   std::strerror(err) + "; " + result);
}

Result<void> Recorder::write(const Message& m, TimePoint now) {
  if (!file_ || failed_) return {};
  buf_.clear();
  if (auto r = FlvWriter::tag(buf_, m); !r) return r;  // a message FLV cannot hold: skip it
  if (std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) return fail("write");
  bytes_ += buf_.size();
  ++tags_;
  ends_.push_back(bytes_);
  return tick(now);
}

Result<void> Recorder::flush(TimePoint now) {
  last_flush_ = now;
  if (std::fflush(file_) != 0) return fail("flush");
  durable_ = bytes_;
  durable_tags_ = tags_;
  ends_.clear();
  return {};
}

Result<void> Recorder::tick(TimePoint now) {
  if (!file_ || failed_ || now - last_flush_ < interval_) return {};
  return flush(now);
}

Result<void> Recorder::close() {
  if (!file_) return {};
  if (auto r = flush(last_flush_); !r) return r;  // fail() has closed and cut the file
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok) {
    failed_ = true;
    return Error(errc::io_error, "record " + path_.string() + ": close: " + std::strerror(errno));
  }
  return {};
}

}  // namespace rtmp::relay
