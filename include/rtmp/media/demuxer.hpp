// Demuxer: RTMP audio/video messages (types 8 and 9, FLV tag bodies) -> media events.
#pragma once

#include "rtmp/core/message.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"
#include "rtmp/media/flv_tag.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace rtmp {

// Turns the audio and video messages of one message stream into MediaEvents:
//  - a sequence header (legacy AVC/HEVC/AAC or Enhanced RTMP SequenceStart) -> Codec with the
//    config parsed into Codec::details;
//  - a frame -> VideoSample / AudioSample (views into the message payload: no copy);
//  - legacy audio without config (MP3, PCM, G.711, Speex, ...) -> a Codec (details =
//    LegacyAudio, from_frame = true) before the first frame and whenever the flags byte
//    changes, then AudioSamples;
//  - legacy video without config (Sorenson H.263, Screen video 1/2, VP6, VP6A) -> a Codec
//    (from_frame = true, no config) before the first frame and whenever the codec changes,
//    then VideoSamples holding the tag body after its first byte (pts = dts);
//  - SequenceEnd, Enhanced Metadata (VideoMetadata), command frames (VideoCommand) and
//    MultichannelConfig (AudioChannelConfig).
// One Enhanced RTMP multitrack message yields one event per track, in wire order.
// Timestamps are unwrapped to 64 bits across 2^32 wraps (one clock for audio and video, as
// they share the message stream); pts = dts + the signed 24-bit composition time.
//
// Frames of a track that has not had its sequence header yet, and empty messages, are
// dropped and counted in dropped(), not errors. Errors (the session should close):
//  - errc::malformed / errc::truncated: bad tag header, bad config record, NAL length prefix
//    overrunning the frame, multitrack sizes overrunning the message;
//  - errc::unsupported: a legacy video codec id other than 2-7 and 12, an unknown FourCC,
//    ModEx packets, sound formats 9 without ExHeader semantics, reserved packet types.
// On error, events already appended to `out` for that message are left there.
//
// Thread safety: one Demuxer per message stream, used from one thread at a time.
class Demuxer {
 public:
  Demuxer() = default;

  // Appends the events of `m` (type msg::audio or msg::video; other types are ignored and
  // return success) to `out`. The events share ownership of m.payload.
  // Allocates per H.264/H.265 sample (its NAL unit list) unless recycle() gave storage back.
  Result<void> push(const Message& m, std::vector<MediaEvent>& out);

  // Clears `events` (as events.clear() would), keeping the NAL unit lists of its VideoSamples
  // for the next samples: with `recycle(out); push(m, out);` per message instead of
  // `out.clear(); push(m, out);`, demuxing allocates nothing in steady state.
  void recycle(std::vector<MediaEvent>& events);

  // Messages (or multitrack parts) dropped: frames before their sequence header, empty.
  std::uint64_t dropped() const noexcept { return dropped_; }

  // Forget all codec state and the timestamp clock (e.g. on a new publish).
  void reset();

 private:
  struct Track {
    CodecId codec = CodecId::unknown;
    bool configured = false;
    bool enhanced = false;
    std::uint8_t nal_length_size = 4;
    std::uint8_t sound_flags = 0;  // legacy audio: last flags byte announced
  };

  std::int64_t unwrap(std::uint32_t ts) noexcept;
  Result<void> push_video(const Message& m, std::int64_t ts, std::vector<MediaEvent>& out);
  Result<void> push_audio(const Message& m, std::int64_t ts, std::vector<MediaEvent>& out);
  void push_legacy_video(const Message& m, std::int64_t ts, const flv::VideoTagPart& p,
                         CodecId codec, std::vector<MediaEvent>& out);

  std::array<Track, 256> video_{};
  std::array<Track, 256> audio_{};
  std::vector<flv::VideoTagPart> video_parts_;  // reused: no allocation per message
  std::vector<flv::AudioTagPart> audio_parts_;
  std::vector<ByteView> nalus_;
  std::vector<std::vector<ByteView>> spare_nalus_;  // from recycle(), bounded
  bool have_ts_ = false;
  std::uint32_t last_ts_ = 0;
  std::int64_t last_unwrapped_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace rtmp
