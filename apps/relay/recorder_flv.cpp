#include "relay/recorder_flv.hpp"

#include "rtmp/media/flv_file.hpp"

#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

namespace rtmp::relay {

namespace fs = std::filesystem;

Result<std::unique_ptr<Recorder>> FlvRecorder::open(const fs::path& dir, std::string_view app,
                                                    std::string_view key,
                                                    std::chrono::system_clock::time_point start,
                                                    TimePoint now, RecordOptions options) {
  fs::path path;
  auto f = create_file(dir, app, key, start, ".flv", path);
  if (!f) return f.error();
  std::unique_ptr<FlvRecorder> r(
      new FlvRecorder(*f, path, now, std::move(options), std::string(app), std::string(key)));
  Bytes header;
  FlvWriter::header(header, true, true);
  if (std::fwrite(header.data(), 1, header.size(), *f) != header.size())
    return Error(errc::io_error, "record: write " + path.string() + " failed");
  r->bytes_ = r->header_bytes_ = header.size();
  return std::unique_ptr<Recorder>(std::move(r));
}

FlvRecorder::FlvRecorder(std::FILE* f, fs::path path, TimePoint now, RecordOptions options,
                         std::string app, std::string key)
    : file_(f),
      path_(std::move(path)),
      options_(std::move(options)),
      app_(std::move(app)),
      key_(std::move(key)),
      last_flush_(now) {}

FlvRecorder::~FlvRecorder() {
  (void)close();
}

void FlvRecorder::done(std::string error) {
  if (!options_.on_done) return;
  const std::uint64_t duration = first_ts_ ? last_ts_ - *first_ts_ : 0;
  options_.on_done({app_, key_, path_, bytes_, tags_, duration, std::move(error)});
}

Result<void> FlvRecorder::fail(std::string what) {
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
  Error e(errc::io_error,
          "record " + path_.string() + ": " + what + ": " + std::strerror(err) + "; " + result);
  done(e.message());
  return e;
}

Result<void> FlvRecorder::write(const Message& m, TimePoint now) {
  if (!file_ || failed_) return {};
  buf_.clear();
  if (auto r = FlvWriter::tag(buf_, m); !r) return r;  // a message FLV cannot hold: skip it
  if (std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) return fail("write");
  bytes_ += buf_.size();
  ++tags_;
  if (!first_ts_) first_ts_ = m.timestamp;
  last_ts_ = m.timestamp;
  ends_.push_back(bytes_);
  return tick(now);
}

Result<void> FlvRecorder::flush(TimePoint now) {
  last_flush_ = now;
  if (std::fflush(file_) != 0) return fail("flush");
  durable_ = bytes_;
  durable_tags_ = tags_;
  ends_.clear();
  return {};
}

Result<void> FlvRecorder::tick(TimePoint now) {
  if (!file_ || failed_ || now - last_flush_ < options_.flush) return {};
  return flush(now);
}

Result<void> FlvRecorder::close() {
  if (!file_) return {};
  if (auto r = flush(last_flush_); !r) return r;  // fail() has closed and cut the file
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok) {
    failed_ = true;
    Error e(errc::io_error, "record " + path_.string() + ": close: " + std::strerror(errno));
    done(e.message());
    return e;
  }
  done({});
  return {};
}

}  // namespace rtmp::relay
