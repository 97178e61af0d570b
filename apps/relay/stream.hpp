// One live stream (app + key): its publisher, its players, the GOP cache, the recorder and
// the counters.
//
// Fan-out: the publisher's messages arrive on the publisher's connection strand
// (on_message). Each becomes one Packet, chunk-encoded once per (chunk size, stream id) into
// an immutable SharedBytes; every player's write queue gets a reference through
// Session::send_encoded, which hands it to that player's own strand (its own thread). The
// buffers are never written after encoding, and their reference counts are atomic, so
// publisher and players on different threads share them without copies or locks of their
// own. The stream's mutex only orders the publisher's fan-out against players joining and
// leaving (so a joiner's cached GOP and the live messages after it reach it in order).
//
// Slow players: before each droppable frame the player's backlog (bytes and media time not
// yet written, see Backlog) is checked against RelayConfig's caps. Over a cap, the player
// skips whole frames up to the next keyframe (audio too, to stay in sync); at a keyframe
// with the backlog under half the caps it resumes. Sequence headers, sequence ends, metadata
// and data messages always go out. Still skipping after slow_player_timeout: disconnected.
//
// Enhanced RTMP players: each player is sorted by the caps of its connect (see
// PlayerKind). Full players get the stream as published. One-track Enhanced and legacy players
// get what a TrackFilter (one per kind per stream, applied once per message, lazily, and
// cached in the Packet with its own encodings) leaves of it: the default tracks (track 0),
// legacy FLV headers for legacy players. A player that cannot take the stream's codec (a
// legacy player of HEVC/AV1/VP9/Opus..., an Enhanced one whose fourCcList / info map lacks
// the FourCC) gets NetStream.Play.Failed naming the codec and is closed, rather than sent
// undecodable data: at play when the stream is live, else at the sequence header that
// announces the codec. Codec switch (a republish, or a new sequence header mid-stream):
// every sequence header is checked against every player, so those already playing stay
// while they can take the new codec and fail as above when they cannot.
//
// Thread safety: every public member may be called from any thread.
#pragma once

#include "relay/backlog.hpp"
#include "relay/config.hpp"
#include "relay/frame_info.hpp"
#include "relay/gop_cache.hpp"
#include "relay/packet.hpp"
#include "relay/recorder.hpp"
#include "relay/stats.hpp"
#include "relay/stats_meter.hpp"
#include "rtmp/core/connect_caps.hpp"
#include "rtmp/handler.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/track_filter.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::relay {

// How a player takes an Enhanced stream, from the caps of its connect.
enum class PlayerKind : std::uint8_t {
  legacy,     // no Enhanced RTMP property: default tracks, legacy headers and codecs only
  one_track,  // Enhanced without capsEx Multitrack: default tracks, FourCC headers
  full,       // Enhanced with Multitrack (or a relay-internal player): everything
};
PlayerKind player_kind(const ConnectCaps& caps) noexcept;
const char* to_string(PlayerKind k) noexcept;

class Stream {
 public:
  Stream(std::string app, std::string key, const RelayConfig& config);
  ~Stream();

  const std::string& app() const noexcept { return app_; }
  const std::string& key() const noexcept { return key_; }

  // ---- publisher side (the publisher's strand) ----

  // Accepts `session` as the publisher unless another one is live and may not be taken
  // over (RelayConfig::publisher_takeover): then
  // NetStream.Publish.BadName and the live one is undisturbed. Waiting players get
  // StreamBegin + NetStream.Play.PublishNotify. `recorder` (may be null) records this publish.
  Decision publish(const std::shared_ptr<Session>& session, std::uint32_t stream_id, TimePoint now,
                   std::unique_ptr<Recorder> recorder);
  // onMetaData from the publisher (@setDataFrame stripped): cached and relayed.
  void on_metadata(std::uint64_t session_id, const amf::Value& data, std::uint32_t timestamp,
                   TimePoint now);
  // An audio, video or data message from the publisher (raw, as received).
  void on_message(std::uint64_t session_id, const Message& m, TimePoint now);
  // The publisher stopped (deleteStream, disconnect). Players get StreamEOF +
  // NetStream.Play.UnpublishNotify and stay for a republish. Ignored for another session.
  void unpublish(std::uint64_t session_id, TimePoint now, std::string_view reason);

  // ---- player side (each player's strand) ----

  // Joins `session` (playing on message stream `stream_id`). Live: it gets metadata,
  // sequence headers and the cached GOP at once, then live messages. Not live: it waits
  // (or, with wait_for_publisher == 0, is rejected with NetStream.Play.StreamNotFound).
  // `caps`: the player's connect caps (see PlayerKind); null for a relay-internal player
  // (push), which gets everything unchecked. Live with a codec the player cannot take:
  // rejected with NetStream.Play.Failed.
  Decision play(const std::shared_ptr<Session>& session, std::uint32_t stream_id, TimePoint now,
                const ConnectCaps* caps = nullptr);
  // The player left (closeStream, deleteStream, disconnect). Ignored if not a player.
  void leave(std::uint64_t session_id, std::string_view reason);

  // ---- housekeeping (any thread) ----

  // Rates, recorder flush, waiting-player and slow-player timeouts. Call about every 250 ms.
  void tick(TimePoint now);
  // Server stopping: players get StreamEOF + NetStream.Play.UnpublishNotify and are closed
  // once that is written; the publisher is closed; the recording is closed.
  void shutdown(std::string_view reason);
  // No publisher and no players: the registry may forget the stream.
  bool unused() const;
  bool live() const;
  StreamStats stats(TimePoint now, bool with_players = true) const;
  // Operator kicks: closes the publisher's connection at once (its disconnect then
  // unpublishes as usual); returns its session id, 0 when none is live.
  std::uint64_t kick_publisher(std::string_view reason);
  // Closes the publisher's or a player's connection at once; false when `session_id` is
  // neither.
  bool kick(std::uint64_t session_id, std::string_view reason);

 private:
  void start_publisher(const std::shared_ptr<Session>& session, TimePoint now);
  struct Player {
    std::shared_ptr<Session> session;
    std::uint64_t id = 0;
    std::uint32_t stream_id = 0;
    std::uint32_t chunk_size = 0;
    TimePoint joined;
    Backlog backlog;
    bool waiting_start = true;  // no decodable start yet: next keyframe (not counted as drops)
    bool skipping = false;      // too far behind: dropping up to the next keyframe
    TimePoint skip_since;
    std::uint64_t skip_run = 0;              // frames dropped in the current skip
    std::optional<TimePoint> wait_deadline;  // waiting for a publisher until then
    std::optional<TimePoint> eof_due;        // StreamEOF to send (see unpublish)
    std::uint64_t frames_sent = 0, frames_dropped = 0, bytes_sent = 0;
    // Write progress: bytes written when last seen, and when the backlog last emptied or
    // moved. A player that writes nothing for the slow-player timeout is dropped even when
    // it is not skipping (after an unpublish there is nothing to skip).
    std::uint64_t written_seen = 0;
    TimePoint progress_at;
    PlayerKind kind = PlayerKind::full;
    std::optional<ConnectCaps> caps;  // none: relay-internal, unchecked
  };
  // The codec of one track, from its latest sequence header.
  struct TrackCodec {
    std::uint8_t type = 0;  // msg::video / msg::audio
    std::uint8_t track = 0;
    CodecId codec = CodecId::unknown;
    std::uint32_t fourcc = 0;  // 0: sent with a legacy FLV header
  };

  void fan_out(Packet& p, TimePoint now);
  void deliver(Player& pl, Packet& p, TimePoint now);
  void send(Player& pl, Packet& p);
  void send_user_control(Player& pl, int event);
  bool is_start(const Packet& p) const;
  void disconnect_slow(Player& pl, TimePoint now);
  void note_progress(Player& pl, TimePoint now);
  bool stalled(const Player& pl, TimePoint now) const;
  void disconnect_stalled(Player& pl, TimePoint now);
  void remove_player(std::size_t index, std::string_view reason);
  void learn_codec(const Packet& p);
  void learn_track_codecs(const Message& m);
  // The message as a player of kind `k` gets it (null: nothing of it for that player).
  Packet* form(Packet& p, PlayerKind k);
  // Why this player cannot take the stream's current codecs (empty: it can).
  std::string refusal(PlayerKind kind, const ConnectCaps* caps) const;
  void fail_refused_players();
  void close_recorder();
  bool may_take_over(TimePoint now) const;
  void take_over(const std::shared_ptr<Session>& session, TimePoint now);
  std::uint32_t rebase(std::uint32_t timestamp);
  void report_publish_done(TimePoint now) const;  // to config_.on_done, if set
  void log_player_left(const Player& pl, std::string_view reason) const;

  const std::string app_, key_;
  const RelayConfig config_;
  mutable std::mutex mutex_;

  std::shared_ptr<Session> publisher_;
  std::uint64_t publisher_id_ = 0;
  std::string publisher_remote_;
  TimePoint publish_start_;
  TimePoint last_input_;  // the publisher's latest message (takeover of a stale one)
  // Takeover: the new publisher's timestamps are shifted to follow the last one relayed;
  // the shift is fixed at its first message.
  std::uint32_t ts_offset_ = 0;
  std::uint32_t last_ts_ = 0;
  bool rebase_pending_ = false;
  std::vector<Player> players_;
  GopCache gop_;
  bool video_started_ = false;  // a video frame was published since publish()
  FrameClassifier classifier_;
  Demuxer demuxer_;  // sequence headers only: codec facts for stats
  std::vector<MediaEvent> events_;
  std::unique_ptr<Recorder> recorder_;
  TrackFilter legacy_filter_{TrackFilter::Target::legacy};
  TrackFilter one_track_filter_{TrackFilter::Target::enhanced_one_track};
  std::vector<TrackCodec> codecs_;
  std::vector<flv::VideoTagPart> video_parts_;  // sequence headers only
  std::vector<flv::AudioTagPart> audio_parts_;

  // Counters (see StreamStats).
  std::string video_codec_, audio_codec_;
  std::uint32_t width_ = 0, height_ = 0, sample_rate_ = 0, channels_ = 0;
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0, video_in_ = 0, audio_in_ = 0;
  std::uint64_t dropped_ = 0, slow_disconnects_ = 0, players_total_ = 0;
  StatsMeter meter_;  // per-track rates and codec facts
  // Rate window.
  TimePoint window_start_;
  std::uint64_t window_bytes_in_ = 0, window_bytes_out_ = 0, window_video_ = 0;
  double fps_ = 0, kbps_in_ = 0, kbps_out_ = 0;
};

}  // namespace rtmp::relay
