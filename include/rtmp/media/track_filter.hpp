// TrackFilter: a published stream as a player that cannot take all of it must get it.
//
// Enhanced RTMP lets a publisher send several tracks (multitrack) and FourCC codecs; a legacy
// player (no fourCcList / capsEx in its connect) parses neither, and an Enhanced player that
// did not announce capsEx Multitrack may not parse multitrack framing. For them a relay sends
// the default tracks only (track 0, "the highest priority" track of the spec), without the
// multitrack framing, and for a legacy player with the legacy FLV header where the codec has
// one (AVC codec id 7, AAC SoundFormat 10, MP3 SoundFormat 2).
//
//   TrackFilter legacy(TrackFilter::Target::legacy);
//   auto out = legacy.apply(published);       // once per message, shared by those players
//   if (!out) ...error...; else if (*out) send(**out);
//   if (legacy.blocked_video() != CodecId::unknown) ...NetStream.Play.Failed...
//
// Codecs a legacy player cannot decode (HEVC in either form, AV1, VP9, VP8; Opus, FLAC,
// AC-3, E-AC-3) are not sent to it: their messages are dropped and the codec is reported by
// blocked_video() / blocked_audio(), so that the relay can fail the player with a reason
// rather than send undecodable data. HEVC with the legacy codec id 12 counts as blocked too:
// a player that knows codec 12 cannot be told apart from one that does not.
//
// Thread safety: one filter per (stream, target), used from one thread at a time.
#pragma once

#include "rtmp/core/message.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"
#include "rtmp/media/flv_tag.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace rtmp {

class TrackFilter {
 public:
  enum class Target : std::uint8_t {
    legacy,              // no Enhanced RTMP: default tracks, legacy headers, legacy codecs only
    enhanced_one_track,  // Enhanced RTMP without multitrack: default tracks, FourCC headers
  };

  explicit TrackFilter(Target target, std::uint8_t video_track = 0, std::uint8_t audio_track = 0)
      : target_(target), video_track_(video_track), audio_track_(audio_track) {}

  // The message as the player gets it: `m` itself when it needs no change (same payload), a
  // rewritten message (new payload, same csid/type/timestamp/stream id), or nullopt when
  // nothing of it is for this player. Messages other than audio/video pass unchanged.
  // Errors: those of flv::parse_video_tag / parse_audio_tag for a message that does not parse
  // (the relay then relays it unchanged or drops it; a demuxer would have refused it).
  //
  // Lossy by design for a legacy player: ModEx nanosecond offsets, Enhanced video Metadata
  // (colorInfo), audio SequenceEnd and MultichannelConfig have no legacy form and are dropped.
  Result<std::optional<Message>> apply(const Message& m);

  // The first codec of a kept video / audio track this target cannot carry (unknown = none
  // so far).
  CodecId blocked_video() const noexcept { return blocked_video_; }
  CodecId blocked_audio() const noexcept { return blocked_audio_; }
  Target target() const noexcept { return target_; }

 private:
  Result<std::optional<Message>> video(const Message& m);
  Result<std::optional<Message>> audio(const Message& m);

  Target target_;
  std::uint8_t video_track_, audio_track_;
  CodecId blocked_video_ = CodecId::unknown, blocked_audio_ = CodecId::unknown;
  std::vector<flv::VideoTagPart> video_parts_;  // reused: no allocation per message
  std::vector<flv::AudioTagPart> audio_parts_;
};

// Can a player without Enhanced RTMP decode this codec from a legacy FLV header?
bool legacy_player_codec(CodecId id) noexcept;

}  // namespace rtmp
