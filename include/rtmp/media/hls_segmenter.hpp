// HLS segmenter: a live stream's demuxed events -> a bounded window of media segments and
// Low-Latency HLS parts (RFC 8216, draft-pantos-hls-rfc8216bis), held in memory. Sans-IO:
// wall-clock time is an argument, nothing here reads a clock or starts a thread.
//
//   rtmp::hls::Segmenter seg;                       // fMP4, 2 s segments, 200 ms parts
//   for (auto& e : events) seg.push(e, wall_ms);    // from rtmp::Demuxer
//   seg.discontinuity(wall_ms);                     // republish
//   seg.end(wall_ms);                               // unpublish: EXT-X-ENDLIST
//   auto text = rtmp::hls::render_playlist(seg.state(), {});   // hls_playlist.hpp
//
// Cutting rules:
//  - a segment starts at a video keyframe and is cut at the first keyframe once it has
//    reached Options::target_ms (a GOP is never split); audio-only streams cut at the first
//    audio frame past the target;
//  - a runaway segment (no keyframe) is cut anyway at Options::max_segment_ms or
//    Options::max_segment_bytes, at any frame; such a segment is marked `forced` (it may not
//    start with a keyframe) and the playlist then drops EXT-X-INDEPENDENT-SEGMENTS;
//  - EXT-X-TARGETDURATION never changes once a playlist can be served (RFC 8216 §4.3.3.1,
//    §6.2.1): it is fixed when the first segment completes, as the larger of the configured
//    target (rounded up) and that segment's rounded duration, so a GOP longer than the target
//    (5 s GOPs at a 2 s target: 5) is never split. The playlist is withheld until then
//    (State::listed()). A later segment that would round above it (the publisher's GOP grew,
//    or a republish has longer GOPs) is cut like a runaway one: the cut comes before the
//    next frame would take it past target + 0.4 s;
//  - parts (fMP4 only) are cut when the next video frame would take the part past
//    Options::part_target_ms (audio-only: the next audio frame); a part starting with a
//    keyframe is independent. A segment's bytes are exactly its parts' bytes in order.
//  - a codec change (a new sequence header with different bytes) ends the segment; the
//    next one starts at a keyframe with a new init segment ("init-N.mp4") and
//    EXT-X-DISCONTINUITY. discontinuity() does the same for a republish.
//
// Timestamps: one offset maps both tracks' ms onto the output timeline. A step backwards or
// a jump forward of more than Options::jump_ms on a track (the 2^32 ms wrap, once the
// Demuxer has unwrapped it, is neither) rebases the timeline so it continues one frame
// interval on: tfdt and PTS stay monotonic, durations are never negative, and no
// EXT-X-DISCONTINUITY is needed because the output timestamps have no discontinuity
// (RFC 8216 §4.3.2.3 asks for one only when they do); players then never reset their
// buffers on a publisher's clock glitch. After discontinuity() the next frame continues the
// timeline the same way, with the tag (another encoder). Input times beyond ±2^40 ms are
// dropped, so the offset and the output timeline stay below 2^41 ms plus the stream's own
// length: ms × 90 kHz and every duration sum fit in int64 with room to spare.
//
// Thread safety: none; one Segmenter per stream, used under the caller's lock.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/media.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rtmp::hls {

class Format;  // the container adapter (src/media/hls_format.hpp)

enum class Container : std::uint8_t { fmp4, mpegts };

struct Options {
  Container container = Container::fmp4;
  std::int64_t target_ms = 2000;      // segment target duration
  std::int64_t part_target_ms = 200;  // LL-HLS part target (fMP4 only)
  bool low_latency = true;            // parts, blocking reload, skip (fMP4 only)
  std::size_t window = 7;             // complete segments kept (and listed)
  std::int64_t max_segment_ms = 0;    // runaway cut; 0 = 3 x target_ms
  std::size_t max_segment_bytes = 64u << 20;
  std::int64_t jump_ms = 5000;  // forward step that counts as a timestamp jump
};

// One LL-HLS part: one moof+mdat (fMP4), or one chunk of PES packets (MPEG-TS: not listed).
struct Part {
  SharedBytes data;
  std::int64_t start_ms = 0, duration_ms = 0;  // output media timeline
  bool independent = false;                    // starts with a keyframe (or audio only)
};

struct Segment {
  std::uint64_t msn = 0;                       // media sequence number
  std::vector<Part> parts;                     // the segment's bytes, in order
  std::int64_t start_ms = 0, duration_ms = 0;  // duration 0 while in progress
  std::int64_t wall_ms = 0;                    // EXT-X-PROGRAM-DATE-TIME (system clock ms)
  bool discontinuity = false;
  bool forced = false;  // cut without a keyframe (see above)
  std::uint32_t init_version = 0;
  std::size_t bytes = 0;
};

struct Init {
  std::uint32_t version = 0;  // 1 = "init.mp4", N > 1 = "init-N.mp4"
  SharedBytes data;
  std::string name() const;
};

// Everything the playlist renderer and the file lookup need: a pure value.
struct State {
  Options options;
  std::deque<Segment> segments;    // complete, oldest first, at most options.window
  std::optional<Segment> current;  // in progress (parts so far)
  std::uint64_t next_msn = 0;      // msn of `current`, or of the next segment to open
  std::uint64_t discontinuity_sequence = 0;
  std::vector<Init> inits;             // those the window and `current` refer to
  std::int64_t target_duration_s = 2;  // fixed once listed() (see above)
  bool ended = false;
  bool video = false, audio = false;  // tracks carried by the current init
  std::uint64_t version = 0;          // bumps on every change a reader could see

  // A playlist can be served: a segment is complete (EXT-X-TARGETDURATION is fixed) or the
  // stream ended.
  bool listed() const noexcept { return !segments.empty() || ended; }
  bool parts_enabled() const noexcept {
    return options.low_latency && options.container == Container::fmp4;
  }
  const char* extension() const noexcept {
    return options.container == Container::fmp4 ? "m4s" : "ts";
  }
};

class Segmenter {
 public:
  explicit Segmenter(Options options = {});
  // With a caller-made container adapter (tests).
  Segmenter(Options options, std::unique_ptr<Format> format);
  ~Segmenter();
  Segmenter(const Segmenter&) = delete;
  Segmenter& operator=(const Segmenter&) = delete;

  // Codec / VideoSample / AudioSample / SequenceEnd of track 0; anything else is ignored,
  // and so are samples with a time beyond ±2^40 ms (a wall_ms beyond it counts as 0).
  // Views in `event` are borrowed for the call; what is kept shares the event's owner.
  void push(const MediaEvent& event, std::int64_t wall_ms);
  // The publisher changed (republish): the current segment ends; the next one gets
  // EXT-X-DISCONTINUITY; media sequence numbers continue; ENDLIST is withdrawn.
  void discontinuity(std::int64_t wall_ms);
  // The stream ended: the current segment is completed and EXT-X-ENDLIST rendered.
  void end(std::int64_t wall_ms);

  const State& state() const noexcept { return state_; }
  // Why a track was left out ("audio opus: unsupported by fmp4 ..."); empty when none.
  // Changes only on a codec change: the caller logs it when it changes.
  const std::string& status() const noexcept { return status_; }

 private:
  struct TrackClock {
    bool seen = false;
    std::int64_t last = 0;   // last output ts
    std::int64_t delta = 0;  // last step between frames (for the rebase and end times)
  };

  void on_codec(const Codec& c);
  void on_video(const VideoSample& s, std::int64_t wall_ms);
  void on_audio(const AudioSample& s, std::int64_t wall_ms);
  void on_sequence_end(TrackType type);
  void reconfigure();
  std::int64_t map_time(std::int64_t in, TrackClock& clock);
  void open_segment(std::int64_t start_ms, std::int64_t wall_ms);
  void close_segment(std::int64_t end_ms);
  void flush_part(std::int64_t end_ms);
  std::int64_t last_end() const;
  void evict();
  bool runaway(std::int64_t ts, std::int64_t step) const;
  std::int64_t max_duration_ms() const;
  void changed() { ++state_.version; }

  State state_;
  std::unique_ptr<Format> format_;
  std::string status_;
  std::optional<Codec> video_codec_, audio_codec_;
  bool codecs_changed_ = false;
  bool pending_discontinuity_ = false;
  bool rebase_next_ = false;
  std::int64_t offset_ = 0;
  TrackClock video_clock_, audio_clock_;
  std::vector<VideoSample> part_video_;
  std::vector<AudioSample> part_audio_;
  std::size_t pending_bytes_ = 0;
  std::int64_t part_start_ = 0;
  bool target_fixed_ = false;
  std::uint32_t fragment_seq_ = 0;
  std::uint32_t init_version_ = 0;
  std::optional<std::int64_t> wall_anchor_, media_anchor_;
};

}  // namespace rtmp::hls
