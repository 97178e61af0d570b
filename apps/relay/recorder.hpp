// --record DIR: writes one published stream to DIR/<app>/<key>-<UTC start>.flv.
//
// Every message is written through a stdio buffer that is flushed to the kernel at least
// once per flush interval (default 1 s, checked on each message and on tick()), so a crash
// of the server loses at most the last interval; the file is a valid FLV after any flush
// (each tag is written whole). A failed write or flush (disk full, file-size limit) cuts the
// file back to the last whole tag the kernel got and stops the recording, so what is left is
// a valid FLV prefix of the stream. No seeking back: the header announces audio and video, as
// nginx-rtmp's recorder does, and onMetaData is written as received (duration 0 for live).
// Not thread-safe: owned by a Stream and used under its lock.
#pragma once

#include "rtmp/core/message.hpp"
#include "rtmp/core/session.hpp"
#include "rtmp/error.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::relay {

class Recorder {
 public:
  // Creates DIR/<app>/ and the file (a suffix -1, -2, ... if the name exists). Characters
  // outside [A-Za-z0-9._-] in app and key become '_' (no path escapes from DIR).
  // Errors: errc::io_error (directory or file cannot be created).
  static Result<std::unique_ptr<Recorder>> open(const std::filesystem::path& dir,
                                                std::string_view app, std::string_view key,
                                                std::chrono::system_clock::time_point start,
                                                TimePoint now,
                                                std::chrono::milliseconds flush_interval);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Audio, video or data (type 18, e.g. onMetaData) message. A write error is returned once
  // (naming the file, the errno text and where the file was cut) and the recorder stops
  // writing (the stream goes on).
  Result<void> write(const Message& m, TimePoint now);
  // Flushes if the interval has passed since the last flush.
  Result<void> tick(TimePoint now);
  // Flushes and closes the file; later writes are ignored.
  Result<void> close();

  const std::filesystem::path& path() const noexcept { return path_; }
  std::uint64_t bytes() const noexcept { return bytes_; }
  std::uint64_t tags() const noexcept { return tags_; }

  // "<key>-20240607T101502Z.flv" (sanitized key).
  static std::string file_name(std::string_view key, std::chrono::system_clock::time_point t);
  static std::string sanitize(std::string_view s);

 private:
  Recorder(std::FILE* f, std::filesystem::path path, TimePoint now,
           std::chrono::milliseconds interval);
  Result<void> fail(std::string what);
  Result<void> flush(TimePoint now);

  std::FILE* file_;
  std::filesystem::path path_;
  std::chrono::milliseconds interval_;
  TimePoint last_flush_;
  Bytes buf_;  // reused for each tag
  // Where each tag handed to stdio since the last successful flush ends (file offsets): on a
  // failure the file is cut at the last one the kernel holds whole. Cleared on each flush,
  // so it holds one flush interval of tags and keeps its capacity.
  std::vector<std::uint64_t> ends_;
  std::uint64_t durable_ = 0;  // file size and tags after the last successful flush
  std::uint64_t durable_tags_ = 0;
  std::uint64_t header_bytes_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t tags_ = 0;
  bool failed_ = false;
};

}  // namespace rtmp::relay
