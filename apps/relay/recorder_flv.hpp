// FlvRecorder: a Recorder writing one FLV file (see relay/recorder.hpp for the contract).
//
// Every message is written through a stdio buffer that is flushed to the kernel at least once
// per flush interval (checked on each message and on tick()); the file is a valid FLV after any
// flush (each tag is written whole). A failed write or flush cuts the file back to the last
// whole tag the kernel got. No seeking back: the header announces audio and video, as
// nginx-rtmp's recorder does, and onMetaData is written as received (duration 0 for live).
#pragma once

#include "relay/recorder.hpp"
#include "rtmp/core/bytes.hpp"

#include <optional>
#include <vector>

namespace rtmp::relay {

class FlvRecorder final : public Recorder {
 public:
  // Creates the file and writes the FLV header. Errors: errc::io_error.
  static Result<std::unique_ptr<Recorder>> open(const std::filesystem::path& dir,
                                                std::string_view app, std::string_view key,
                                                std::chrono::system_clock::time_point start,
                                                TimePoint now, RecordOptions options);
  ~FlvRecorder() override;

  Result<void> write(const Message& m, TimePoint now) override;
  Result<void> tick(TimePoint now) override;
  Result<void> close() override;
  const std::filesystem::path& path() const noexcept override { return path_; }
  std::uint64_t bytes() const noexcept override { return bytes_; }
  std::uint64_t tags() const noexcept override { return tags_; }

 private:
  FlvRecorder(std::FILE* f, std::filesystem::path path, TimePoint now, RecordOptions options,
              std::string app, std::string key);
  Result<void> fail(std::string what);
  Result<void> flush(TimePoint now);
  void done(std::string error);

  std::FILE* file_;
  std::filesystem::path path_;
  RecordOptions options_;
  std::string app_, key_;
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
  std::optional<std::uint32_t> first_ts_;
  std::uint32_t last_ts_ = 0;
  bool failed_ = false;
};

}  // namespace rtmp::relay
