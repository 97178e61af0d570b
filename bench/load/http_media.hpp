// What http-load reads out of the bytes it receives: the send-time stamps that rtmp-load's
// synthetic publisher puts in every frame (found in FLV tags, or by scanning fMP4 parts and
// segments), and the HLS media playlist. No I/O; not a general FLV or playlist parser.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace http_load {

// One stamped frame: its track, per-track sequence number and send time (CLOCK_MONOTONIC ns).
struct Stamp {
  bool video = false;
  std::uint32_t seq = 0;
  std::uint64_t ns = 0;
};

// Calls on(Stamp) for every stamp in a fMP4 body. The publisher's frames are filled with
// 0x5A (video) and 0x21 (audio) after the stamp, which tells the tracks apart.
template <class F>
void scan_stamps(std::string_view body, F&& on);

// Incremental FLV reader: feed() any slice of the stream; on(Stamp) for each stamped tag.
class FlvStamps {
 public:
  template <class F>
  void feed(const std::uint8_t* p, std::size_t n, F&& on);
  std::uint64_t tags() const { return tags_; }

 private:
  template <class F>
  void end_tag(F&& on);

  std::size_t skip_ = 13;  // FLV header (9) + PreviousTagSize0 (4)
  std::array<std::uint8_t, 11> hdr_{};
  std::size_t hdr_have_ = 0;
  std::uint32_t body_left_ = 0;
  std::array<std::uint8_t, 32> head_{};
  std::size_t head_have_ = 0, head_want_ = 0;
  std::uint64_t tags_ = 0;
};

// A media playlist as a client needs it: segments (msn, uri), parts (msn, index within the
// segment, uri), the preload hint, the init section, the target duration.
struct Part {
  std::uint64_t msn = 0;
  unsigned index = 0;
  std::string uri;
};
struct Playlist {
  std::uint64_t first_msn = 0;
  double target_s = 2;
  std::string map_uri;
  std::vector<std::pair<std::uint64_t, std::string>> segments;
  std::vector<Part> parts;
  bool has_hint = false;
  Part hint;
  bool ended = false;
};
bool parse_playlist(std::string_view text, Playlist& out);

// Orders parts across segments (a segment never has 100000 parts).
inline std::uint64_t part_key(std::uint64_t msn, unsigned index) {
  return msn * 100000 + index;
}

// ---- templates ----

bool read_stamp(const std::uint8_t* p, std::size_t n, bool video, Stamp& s);

template <class F>
void scan_stamps(std::string_view body, F&& on) {
  std::size_t at = 0;
  while ((at = body.find("RLBT", at)) != std::string_view::npos) {
    if (at + 17 > body.size()) return;
    const auto* p = reinterpret_cast<const std::uint8_t*>(body.data() + at);
    const std::uint8_t after = p[16];
    Stamp s;
    if ((after == 0x5A || after == 0x21) && read_stamp(p, 16, after == 0x5A, s)) on(s);
    at += 16;
  }
}

template <class F>
void FlvStamps::feed(const std::uint8_t* p, std::size_t n, F&& on) {
  while (n > 0) {
    if (skip_ > 0) {
      const std::size_t k = skip_ < n ? skip_ : n;
      skip_ -= k, p += k, n -= k;
    } else if (hdr_have_ < hdr_.size()) {
      hdr_[hdr_have_++] = *p++, --n;
      if (hdr_have_ < hdr_.size()) continue;
      body_left_ = static_cast<std::uint32_t>(hdr_[1] << 16 | hdr_[2] << 8 | hdr_[3]);
      const std::uint8_t type = hdr_[0] & 0x1f;
      const std::size_t want = type == 9 ? 26 : type == 8 ? 18 : 0;
      head_want_ = want < body_left_ ? want : body_left_;
      head_have_ = 0;
      if (body_left_ == 0) end_tag(on);
    } else {
      std::size_t k = body_left_ < n ? body_left_ : n;
      for (std::size_t i = 0; i < k && head_have_ < head_want_; ++i) head_[head_have_++] = p[i];
      body_left_ -= static_cast<std::uint32_t>(k), p += k, n -= k;
      if (body_left_ == 0) end_tag(on);
    }
  }
}

template <class F>
void FlvStamps::end_tag(F&& on) {
  ++tags_;
  const std::uint8_t type = hdr_[0] & 0x1f;
  const std::size_t at = type == 9 ? 10 : 2;
  Stamp s;
  if ((type == 8 || type == 9) && head_have_ >= at + 16 &&
      read_stamp(head_.data() + at, 16, type == 9, s))
    on(s);
  hdr_have_ = 0;
  skip_ = 4;  // PreviousTagSize
}

}  // namespace http_load
