#include "relay/recorder_mp4.hpp"

#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace rtmp::relay {

namespace fs = std::filesystem;

Result<std::unique_ptr<Recorder>> Mp4Recorder::open(const fs::path& dir, std::string_view app,
                                                    std::string_view key,
                                                    std::chrono::system_clock::time_point start,
                                                    TimePoint, RecordOptions options) {
  std::unique_ptr<Mp4Recorder> r(
      new Mp4Recorder(dir, std::string(app), std::string(key), start, std::move(options)));
  auto f = create_file(dir, app, key, start, ".mp4", r->path_);
  if (!f) return f.error();
  r->file_ = *f;
  return std::unique_ptr<Recorder>(std::move(r));
}

Mp4Recorder::Mp4Recorder(fs::path dir, std::string app, std::string key,
                         std::chrono::system_clock::time_point start, RecordOptions options)
    : dir_(std::move(dir)),
      app_(std::move(app)),
      key_(std::move(key)),
      start_(start),
      options_(std::move(options)),
      fragmenter_(options_.max_fragment) {}

Mp4Recorder::~Mp4Recorder() {
  (void)close();
}

void Mp4Recorder::done(std::string error) {
  if (!options_.on_done) return;
  const auto duration = file_start_ms_ ? file_end_ms_ - *file_start_ms_ : 0;
  options_.on_done(
      {app_, key_, path_, bytes_, frames_, static_cast<std::uint64_t>(duration), std::move(error)});
}

Result<void> Mp4Recorder::fail(std::string what, int err) {
  failed_ = true;
  // A write may have left part of a fragment in the file: cut back to the whole ones, through
  // a descriptor of our own (fclose() may still write stdio's buffer).
  const int fd = dup(fileno(file_));
  std::fclose(file_);
  file_ = nullptr;
  const bool cut = fd >= 0 && ftruncate(fd, static_cast<off_t>(bytes_)) == 0;
  const int cut_err = errno;
  if (fd >= 0) ::close(fd);
  Error e(errc::io_error,
          "record " + path_.string() + ": " + what + ": " + std::strerror(err) + "; " +
              (cut ? "file cut to " + std::to_string(bytes_) + " bytes (" +
                         std::to_string(frames_) + " whole samples)"
                   : std::string("cannot cut the file: ") + std::strerror(cut_err)));
  done(e.message());
  return e;
}

Result<void> Mp4Recorder::put(ByteView bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
    return fail("write", errno);
  // Each piece reaches the kernel whole: what a crash leaves ends at a fragment boundary.
  if (std::fflush(file_) != 0) return fail("flush", errno);
  bytes_ += bytes.size();
  return {};
}

bool Mp4Recorder::split_due(const Mp4Fragment& f) const noexcept {
  if (!f.keyframe_start || !file_start_ms_) return false;
  const auto secs = options_.split_seconds.count();
  if (secs > 0 && f.start_ms - *file_start_ms_ >= secs * 1000) return true;
  return options_.split_bytes > 0 && bytes_ >= options_.split_bytes;
}

Result<void> Mp4Recorder::close_file() {
  if (!file_) return {};
  const bool ok = std::fclose(file_) == 0;
  const int err = errno;
  file_ = nullptr;
  if (!ok) {
    failed_ = true;
    Error e(errc::io_error, "record " + path_.string() + ": close: " + std::strerror(err));
    done(e.message());
    return e;
  }
  if (bytes_ == 0) {
    std::error_code ec;
    fs::remove(path_, ec);  // no media: leave no empty file behind
    return {};
  }
  done({});
  return {};
}

Result<void> Mp4Recorder::rotate(std::int64_t start_ms) {
  if (auto r = close_file(); !r) return r;
  const auto offset = std::chrono::milliseconds(start_ms - first_ms_.value_or(start_ms));
  auto f = create_file(dir_, app_, key_, start_ + offset, ".mp4", path_);
  bytes_ = frames_ = 0;
  file_start_ms_.reset();
  if (!f) {
    failed_ = true;
    done(f.error().message());
    return f.error();
  }
  file_ = *f;
  return {};
}

Result<void> Mp4Recorder::write_fragment(const Mp4Fragment& f) {
  if (!first_ms_) first_ms_ = f.start_ms;
  if (f.init) {
    if (bytes_ > 0)
      if (auto r = rotate(f.start_ms); !r) return r;
    init_ = f.init;
  } else if (split_due(f)) {
    if (auto r = rotate(f.start_ms); !r) return r;
  }
  if (bytes_ == 0) {
    if (!init_) return {};  // cannot happen: the first fragment carries the init segment
    if (auto r = put(*init_); !r) return r;
  }
  if (auto r = put(f.bytes); !r) return r;
  if (!file_start_ms_) file_start_ms_ = f.start_ms;
  file_end_ms_ = f.end_ms;
  frames_ += f.frames;
  return {};
}

Result<void> Mp4Recorder::write(const Message& m, TimePoint) {
  if (!file_ || failed_) return {};
  ready_.clear();
  // A frame the demuxer or fMP4 cannot take is skipped; the recording goes on.
  (void)fragmenter_.push(m, ready_);
  for (const auto& f : ready_)
    if (auto r = write_fragment(f); !r) return r;
  return {};
}

Result<void> Mp4Recorder::tick(TimePoint) {
  return {};  // every fragment is flushed when written
}

Result<void> Mp4Recorder::close() {
  if (!file_ || failed_) return {};
  ready_.clear();
  fragmenter_.finish(ready_);
  for (const auto& f : ready_)
    if (auto r = write_fragment(f); !r) return r;
  return close_file();
}

}  // namespace rtmp::relay
