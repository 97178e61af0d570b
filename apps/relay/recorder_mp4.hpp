// Mp4Recorder: a Recorder writing fragmented MP4 files (see relay/recorder.hpp for the
// contract, relay/record_mp4.hpp for the layout).
//
// Each fragment is written whole and flushed to the kernel at once, so the file on disk always
// ends at a fragment boundary unless a write failed; on a failure the file is cut back to its
// last whole fragment. The first file is created at open() (an unwritable directory fails the
// open) and gets its init segment with the first fragment. A new file starts, named by the
// media time it starts at (start + its first decode time - the recording's first), when
//  - the codecs change (a new init segment), or
//  - split_seconds of media or split_bytes are reached, at the next fragment that starts with
//    a keyframe (or any fragment of an audio-only stream).
// An empty file (a publish that sent no media) is removed at close().
#pragma once

#include "relay/record_mp4.hpp"
#include "relay/recorder.hpp"

#include <optional>
#include <vector>

namespace rtmp::relay {

class Mp4Recorder final : public Recorder {
 public:
  // Creates the first file. Errors: errc::io_error.
  static Result<std::unique_ptr<Recorder>> open(const std::filesystem::path& dir,
                                                std::string_view app, std::string_view key,
                                                std::chrono::system_clock::time_point start,
                                                TimePoint now, RecordOptions options);
  ~Mp4Recorder() override;

  Result<void> write(const Message& m, TimePoint now) override;
  Result<void> tick(TimePoint now) override;
  Result<void> close() override;
  const std::filesystem::path& path() const noexcept override { return path_; }
  std::uint64_t bytes() const noexcept override { return bytes_; }
  std::uint64_t tags() const noexcept override { return frames_; }

 private:
  Mp4Recorder(std::filesystem::path dir, std::string app, std::string key,
              std::chrono::system_clock::time_point start, RecordOptions options);
  Result<void> write_fragment(const Mp4Fragment& f);
  Result<void> put(ByteView bytes);
  Result<void> rotate(std::int64_t start_ms);
  Result<void> close_file();
  Result<void> fail(std::string what, int err);
  bool split_due(const Mp4Fragment& f) const noexcept;
  void done(std::string error);

  std::filesystem::path dir_;
  std::string app_, key_;
  std::chrono::system_clock::time_point start_;
  RecordOptions options_;
  Mp4Fragmenter fragmenter_;
  std::vector<Mp4Fragment> ready_;  // reused
  SharedBytes init_;                // the current tracks' init segment
  std::FILE* file_ = nullptr;
  std::filesystem::path path_;
  std::uint64_t bytes_ = 0;               // in the current file, all flushed to the kernel
  std::uint64_t frames_ = 0;              // samples in the current file
  std::optional<std::int64_t> first_ms_;  // the recording's first decode time
  std::optional<std::int64_t> file_start_ms_;
  std::int64_t file_end_ms_ = 0;
  bool failed_ = false;
};

}  // namespace rtmp::relay
