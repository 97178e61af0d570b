#include "rtmp/media/flv_file.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace rtmp {

FlvReader::FlvReader(FlvReaderOptions options) : options_(options) {}

Result<void> FlvReader::fail(Error e) {
  state_ = State::failed;
  e.detail = "FLV at byte " + std::to_string(consumed_) + ": " + e.detail;
  return e;
}

Result<void> FlvReader::on_tag_header() {
  const auto* b = buf_.data();
  // FLV §E.4.1: Reserved UB[2], Filter UB[1], TagType UB[5].
  if (b[0] & 0xC0)
    return fail(
        Error(errc::malformed, "tag header reserved bits set (" + std::to_string(b[0]) + ")"));
  if (b[0] & 0x20) return fail(Error(errc::unsupported, "encrypted tag (Filter bit set)"));
  const std::uint8_t type = b[0] & 0x1F;
  if (type != msg::audio && type != msg::video && type != msg::data_amf0)
    return fail(Error(errc::malformed, "TagType " + std::to_string(type)));
  const std::uint32_t size = std::uint32_t(b[1]) << 16 | std::uint32_t(b[2]) << 8 | b[3];
  if (size > options_.limits.max_message_length)
    return fail(
        Error(errc::message_too_large, "tag DataSize " + std::to_string(size) + " exceeds limit " +
                                           std::to_string(options_.limits.max_message_length)));
  // Timestamp UI24 holds the low bits, TimestampExtended UI8 the top 8 (§E.4.1).
  const std::uint32_t ts =
      std::uint32_t(b[7]) << 24 | std::uint32_t(b[4]) << 16 | std::uint32_t(b[5]) << 8 | b[6];
  pending_ = Message{};
  pending_.type = type;
  pending_.timestamp = ts;
  pending_.stream_id = options_.stream_id;
  pending_.csid = type == msg::audio ? csid::audio : type == msg::video ? csid::video : csid::data;
  data_.clear();
  data_.reserve(size);
  last_tag_size_ = 11 + size;
  state_ = State::tag_data;
  return {};
}

Result<void> FlvReader::feed(ByteView in, std::vector<Message>& out) {
  std::size_t pos = 0;
  // Copy up to `want` bytes into buf_; true when buf_ holds `want`.
  auto fill = [&](std::size_t want) {
    const std::size_t n = std::min(want - have_, in.size() - pos);
    std::memcpy(buf_.data() + have_, in.data() + pos, n);
    have_ += n;
    pos += n;
    consumed_ += n;
    return have_ == want;
  };
  while (pos < in.size()) {
    switch (state_) {
      case State::failed:
        return Error(errc::invalid_argument, "FLV reader already failed");
      case State::header: {
        if (!fill(9)) break;
        have_ = 0;
        if (std::memcmp(buf_.data(), "FLV", 3) != 0)
          return fail(Error(errc::malformed, "signature is not \"FLV\""));
        FlvHeader h;
        h.version = buf_[3];
        h.has_audio = (buf_[4] & 0x04) != 0;
        h.has_video = (buf_[4] & 0x01) != 0;
        h.data_offset = std::uint32_t(buf_[5]) << 24 | std::uint32_t(buf_[6]) << 16 |
                        std::uint32_t(buf_[7]) << 8 | buf_[8];
        if (h.data_offset < 9)
          return fail(Error(errc::malformed, "DataOffset " + std::to_string(h.data_offset)));
        header_ = h;
        skip_ = h.data_offset - 9;
        state_ = skip_ ? State::skip_header : State::prev_size;
        break;
      }
      case State::skip_header: {
        const std::size_t n = std::min(skip_, in.size() - pos);
        pos += n;
        consumed_ += n;
        skip_ -= n;
        if (skip_ == 0) state_ = State::prev_size;
        break;
      }
      case State::prev_size: {
        if (!fill(4)) break;
        have_ = 0;
        const std::uint32_t prev = std::uint32_t(buf_[0]) << 24 | std::uint32_t(buf_[1]) << 16 |
                                   std::uint32_t(buf_[2]) << 8 | buf_[3];
        if (options_.check_previous_tag_size && prev != last_tag_size_)
          return fail(Error(errc::malformed, "PreviousTagSize " + std::to_string(prev) +
                                                 ", expected " + std::to_string(last_tag_size_)));
        state_ = State::tag_header;
        break;
      }
      case State::tag_header: {
        if (!fill(11)) break;
        have_ = 0;
        if (auto e = on_tag_header(); !e) return e;
        break;
      }
      case State::tag_data:
        break;
    }
    if (state_ == State::tag_data) {
      const std::size_t want = (last_tag_size_ - 11) - data_.size();
      const std::size_t n = std::min(want, in.size() - pos);
      data_.insert(data_.end(), in.begin() + static_cast<std::ptrdiff_t>(pos),
                   in.begin() + static_cast<std::ptrdiff_t>(pos + n));
      pos += n;
      consumed_ += n;
      if (data_.size() == last_tag_size_ - 11) {
        pending_.payload = make_shared_bytes(std::move(data_));
        data_ = Bytes{};
        out.push_back(std::move(pending_));
        ++tags_;
        state_ = State::prev_size;
      }
    }
  }
  return {};
}

Result<void> FlvReader::finish() const {
  switch (state_) {
    case State::prev_size:  // between tags (the last PreviousTagSize may be missing)
      if (have_ == 0) return {};
      return Error(errc::truncated, "FLV: input ends inside a PreviousTagSize");
    case State::tag_header:
      if (have_ == 0) return {};
      return Error(errc::truncated, "FLV: input ends inside a tag header");
    case State::tag_data:
      return Error(errc::truncated, "FLV: input ends inside tag data");
    case State::header:
    case State::skip_header:
      return Error(errc::truncated, "FLV: input ends inside the header");
    case State::failed:
      return Error(errc::invalid_argument, "FLV reader failed");
  }
  return {};
}

void FlvWriter::header(Bytes& out, bool has_audio, bool has_video) {
  ByteWriter w(out);
  w.string("FLV");
  w.u8(1);
  w.u8(static_cast<std::uint8_t>((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0)));
  w.u32be(9);
  w.u32be(0);  // PreviousTagSize0
}

Result<void> FlvWriter::tag(Bytes& out, const Message& m) {
  if (m.size() > 0xFFFFFF)
    return Error(errc::message_too_large,
                 "FLV tag: " + std::to_string(m.size()) + " bytes do not fit DataSize (UI24)");
  ByteWriter w(out);
  w.u8(m.type & 0x1F);
  w.u24be(static_cast<std::uint32_t>(m.size()));
  w.u24be(m.timestamp & 0xFFFFFF);
  w.u8(static_cast<std::uint8_t>(m.timestamp >> 24));
  w.u24be(0);  // StreamID: always 0 (§E.4.1)
  w.bytes(m.data());
  w.u32be(static_cast<std::uint32_t>(11 + m.size()));
  return {};
}

}  // namespace rtmp
