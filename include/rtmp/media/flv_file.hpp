// FLV files (FLV spec v10.1 Annex E.2, E.3): an incremental, capped reader that turns a byte
// stream into tags as rtmp::Messages, and a stateless writer (for rtmp-play and recording).
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/core/limits.hpp"
#include "rtmp/core/message.hpp"
#include "rtmp/error.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace rtmp {

struct FlvHeader {
  std::uint8_t version = 1;
  bool has_audio = false;
  bool has_video = false;
  std::uint32_t data_offset = 9;  // header size; bytes past 9 are skipped
};

struct FlvReaderOptions {
  Limits limits{};                      // limits.max_message_length caps one tag's data size
  std::uint32_t stream_id = 1;          // message stream id given to the tags (FLV stores 0)
  bool check_previous_tag_size = true;  // errc::malformed when PreviousTagSize != 11 + size
};

// Resumable: feed() any split of the file (down to one byte at a time) and get the same tags.
// Tags become Messages with type = TagType (8 audio, 9 video, 18 script data), timestamp =
// Timestamp | TimestampExtended << 24, csid = csid::audio / video / data, stream_id from the
// options. Tag data is copied once into the message's own buffer (allocated when the tag
// header is complete, after checking its size against the limit).
//
// Errors (the reader is then unusable): errc::malformed (signature not "FLV", TagType not
// 8/9/18, reserved bits, PreviousTagSize mismatch), errc::unsupported (Filter bit: encrypted
// tags), errc::message_too_large (DataSize above limits.max_message_length).
class FlvReader {
 public:
  explicit FlvReader(FlvReaderOptions options = {});

  // Consumes all of `in`, appending complete tags to `out`.
  Result<void> feed(ByteView in, std::vector<Message>& out);
  // After the last feed(): errc::truncated if the input ended inside the header or a tag
  // (a missing final PreviousTagSize is tolerated).
  Result<void> finish() const;

  // Set once the 9-byte header has been read.
  const std::optional<FlvHeader>& header() const noexcept { return header_; }
  std::uint64_t bytes_consumed() const noexcept { return consumed_; }
  std::uint64_t tags() const noexcept { return tags_; }

 private:
  enum class State : std::uint8_t { header, skip_header, prev_size, tag_header, tag_data, failed };
  Result<void> fail(Error e);
  Result<void> on_tag_header();

  FlvReaderOptions options_;
  State state_ = State::header;
  std::array<std::uint8_t, 11> buf_{};  // header (9), PreviousTagSize (4) or tag header (11)
  std::size_t have_ = 0;                // bytes in buf_ / in data_
  std::size_t skip_ = 0;
  std::optional<FlvHeader> header_;
  std::uint32_t last_tag_size_ = 0;  // 11 + DataSize of the previous tag (0 before the first)
  Message pending_;                  // tag being read
  Bytes data_;
  std::uint64_t consumed_ = 0;
  std::uint64_t tags_ = 0;
};

// Stateless FLV writer: header() then tag() for each message, appended to a caller buffer.
class FlvWriter {
 public:
  // The 9-byte header (version 1, DataOffset 9) and PreviousTagSize0.
  static void header(Bytes& out, bool has_audio, bool has_video);
  // One tag from a message: TagType = m.type, StreamID 0 (FLV spec), then PreviousTagSize.
  // The timestamp's top byte goes to TimestampExtended. Message payloads above 2^24 - 1
  // bytes cannot be written: errc::message_too_large (nothing appended).
  static Result<void> tag(Bytes& out, const Message& m);
  static constexpr std::size_t header_size = 13, tag_overhead = 15;
};

}  // namespace rtmp
