// --record DIR: writes one published stream to DIR/<app>/<key>-<UTC start>.flv (FlvRecorder,
// relay/recorder_flv.hpp) or .mp4 (Mp4Recorder, relay/recorder_mp4.hpp: fragmented MP4, new
// files at keyframes with --record-split-seconds / --record-split-bytes).
//
// Every recorder is flushed to the kernel at least once per flush interval, so a crash of the
// server loses at most the last interval (MP4: the last unfinished fragment), and what is on
// disk is always a playable prefix of the stream. A failed write (disk full, file-size limit,
// unwritable directory) cuts the file back to its last whole tag or fragment and stops the
// recording, returning the error once; the stream goes on.
// Not thread-safe: owned by a Stream and used under its lock.
#pragma once

#include "rtmp/core/message.hpp"
#include "rtmp/core/session.hpp"
#include "rtmp/error.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace rtmp::relay {

enum class RecordFormat : std::uint8_t { flv, mp4 };

// One finished recording file (closed, split, or stopped by an error).
struct RecordDone {
  std::string app = {}, key = {};
  std::filesystem::path path = {};  // empty when no file could be created
  std::uint64_t bytes = 0;          // bytes in the file as left on disk
  std::uint64_t frames = 0;         // FLV: tags; MP4: samples
  std::uint64_t duration_ms = 0;
  std::string error = {};  // empty: closed normally (end of publish or split)
};

struct RecordOptions {
  RecordFormat format = RecordFormat::flv;
  std::chrono::milliseconds flush{1'000};
  // MP4 only: start a new file at the first keyframe after this much media time or after the
  // file reaches this many bytes (0: never).
  std::chrono::seconds split_seconds{0};
  std::uint64_t split_bytes = 0;
  // MP4 only: longest fragment (fragments are cut at every keyframe, and at this span).
  std::chrono::milliseconds max_fragment{1'000};
  // Called for each finished file, on the thread using the recorder (under the stream's
  // lock): it must only queue work (e.g. a webhook), never call back into the relay.
  std::function<void(const RecordDone&)> on_done = {};
};

class Recorder {
 public:
  // Creates DIR/<app>/ and the first file (a suffix -1, -2, ... if the name exists).
  // Characters outside [A-Za-z0-9._-] in app and key become '_' (no path escapes from DIR).
  // Errors: errc::io_error (directory or file cannot be created; on_done is called with it).
  static Result<std::unique_ptr<Recorder>> open(const std::filesystem::path& dir,
                                                std::string_view app, std::string_view key,
                                                std::chrono::system_clock::time_point start,
                                                TimePoint now, RecordOptions options);
  // FLV with this flush interval.
  static Result<std::unique_ptr<Recorder>> open(const std::filesystem::path& dir,
                                                std::string_view app, std::string_view key,
                                                std::chrono::system_clock::time_point start,
                                                TimePoint now,
                                                std::chrono::milliseconds flush_interval);
  virtual ~Recorder() = default;

  // Audio, video or data (type 18, e.g. onMetaData) message. A write error is returned once
  // (naming the file, the errno text and where the file was cut) and the recorder stops
  // writing (the stream goes on).
  virtual Result<void> write(const Message& m, TimePoint now) = 0;
  // Flushes if the interval has passed since the last flush.
  virtual Result<void> tick(TimePoint now) = 0;
  // Flushes and closes the file; later writes are ignored.
  virtual Result<void> close() = 0;

  // The current (last) file, its bytes and frames (FLV: tags; MP4: samples).
  virtual const std::filesystem::path& path() const noexcept = 0;
  virtual std::uint64_t bytes() const noexcept = 0;
  virtual std::uint64_t tags() const noexcept = 0;

  // "<key>-20240607T101502Z.flv" (sanitized key); `ext` with its dot.
  static std::string file_name(std::string_view key, std::chrono::system_clock::time_point t,
                               std::string_view ext = ".flv");
  static std::string sanitize(std::string_view s);
  // Creates DIR/<app>/ and a new file named file_name() there (never overwriting: -1, -2, ...
  // suffixes), opened for writing with a 256 KiB stdio buffer.
  // Errors: errc::io_error naming the path and errno text.
  static Result<std::FILE*> create_file(const std::filesystem::path& dir, std::string_view app,
                                        std::string_view key,
                                        std::chrono::system_clock::time_point start,
                                        std::string_view ext, std::filesystem::path& path);

 protected:
  Recorder() = default;
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
};

}  // namespace rtmp::relay
