#include "relay/stream.hpp"

#include "rtmp/core/chunk.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/core/control.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace rtmp::relay {

namespace {

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

constexpr auto kEofDelay = std::chrono::milliseconds(200);

// Outgoing chunk streams: one per kind, whatever the publisher used, so a player's chunk
// streams never mix audio and video headers.
std::uint32_t out_csid(std::uint8_t type) {
  switch (type) {
    case msg::video:
      return csid::video;
    case msg::audio:
      return csid::audio;
    default:
      return csid::data;
  }
}

std::uint32_t number_prop(const amf::Value& obj, std::string_view key) {
  const amf::Value* v = obj.is_object() ? obj.get(key) : nullptr;
  if (!v || !v->is_number()) return 0;
  double d = v->as_number();
  return d > 0 && d < 1e6 ? static_cast<std::uint32_t>(d) : 0;
}

// Names as users know them, for NetStream.Play.Failed descriptions.
std::string codec_label(CodecId id, std::uint32_t fourcc) {
  const char* name = codec_name(id);
  switch (id) {
    case CodecId::h264:
      name = "H.264";
      break;
    case CodecId::h265:
      name = "HEVC";
      break;
    case CodecId::av1:
      name = "AV1";
      break;
    case CodecId::vp9:
      name = "VP9";
      break;
    case CodecId::vp8:
      name = "VP8";
      break;
    case CodecId::aac:
      name = "AAC";
      break;
    case CodecId::mp3:
      name = "MP3";
      break;
    case CodecId::opus:
      name = "Opus";
      break;
    case CodecId::flac:
      name = "FLAC";
      break;
    case CodecId::ac3:
      name = "AC-3";
      break;
    case CodecId::eac3:
      name = "E-AC-3";
      break;
    default:
      break;
  }
  if (fourcc != 0) return std::string(name) + " (" + fourcc_to_string(fourcc) + ")";
  return std::string(name) + " (legacy FLV codec)";
}

}  // namespace

PlayerKind player_kind(const ConnectCaps& caps) noexcept {
  if (!caps.enhanced()) return PlayerKind::legacy;
  return caps.has_caps_ex(caps_ex::multitrack) ? PlayerKind::full : PlayerKind::one_track;
}

const char* to_string(PlayerKind k) noexcept {
  switch (k) {
    case PlayerKind::legacy:
      return "legacy";
    case PlayerKind::one_track:
      return "enhanced_one_track";
    case PlayerKind::full:
      return "full";
  }
  return "?";
}

Stream::Stream(std::string app, std::string key, const RelayConfig& config)
    : app_(std::move(app)), key_(std::move(key)), config_(config), gop_(config.gop) {}

Stream::~Stream() {
  close_recorder();
}

// ---- publisher ----

Decision Stream::publish(const std::shared_ptr<Session>& session, std::uint32_t stream_id,
                         TimePoint now, std::unique_ptr<Recorder> recorder) {
  std::lock_guard lock(mutex_);
  if (publisher_ && may_take_over(now)) {
    if (recorder) {
      // The live recording goes on with the new publisher: no second file.
      auto path = recorder->path();
      recorder.reset();
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
    take_over(session, now);
    return Decision::accept();
  }
  if (publisher_) {
    spdlog::warn(
        "relay: publish rejected app={} key={} session={} remote={}: already published by "
        "session {}",
        app_, key_, session->id(), session->remote_address(), publisher_id_);
    if (recorder) {
      // Opened for a publish that lost the race: leave no empty file behind.
      auto path = recorder->path();
      recorder.reset();
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
    return Decision::reject(key_ + " is already being published", "NetStream.Publish.BadName");
  }
  (void)stream_id;
  start_publisher(session, now);
  ts_offset_ = 0;
  last_ts_ = 0;
  rebase_pending_ = false;
  recorder_ = std::move(recorder);
  spdlog::info("relay: publish app={} key={} session={} remote={} players={}{}", app_, key_,
               publisher_id_, publisher_remote_, players_.size(),
               recorder_ ? " record=" + recorder_->path().string() : std::string());
  // nginx-rtmp's order for players already waiting: StreamBegin, then PublishNotify. They
  // start at the first keyframe (the publisher sends sequence headers before it).
  for (auto& pl : players_) {
    if (pl.eof_due) send_user_control(pl, static_cast<int>(control::UserEvent::stream_eof));
    pl.eof_due.reset();
    send_user_control(pl, static_cast<int>(control::UserEvent::stream_begin));
    pl.session->send_status("status", "NetStream.Play.PublishNotify", key_ + " is now published.");
    pl.waiting_start = true;
    pl.skipping = false;
    pl.wait_deadline.reset();
  }
  return Decision::accept();
}

bool Stream::may_take_over(TimePoint now) const {
  switch (config_.publisher_takeover) {
    case RelayConfig::Takeover::off:
      return false;
    case RelayConfig::Takeover::stale:
      return now - last_input_ >= config_.takeover_stale;
    case RelayConfig::Takeover::always:
      return true;
  }
  return false;
}

// Players keep their connection and get no UnpublishNotify (FFmpeg and librtmp players stop
// on it): they restart at the new publisher's keyframe, after its metadata and sequence
// headers, which the relay forwards as they come. Nothing of the old publisher is relayed
// after this (its messages no longer match publisher_id_).
void Stream::take_over(const std::shared_ptr<Session>& session, TimePoint now) {
  spdlog::warn(
      "relay: publisher takeover app={} key={} old_session={} old_remote={} silent={}ms "
      "new_session={} new_remote={} players={}",
      app_, key_, publisher_id_, publisher_remote_,
      std::chrono::duration_cast<std::chrono::milliseconds>(now - last_input_).count(),
      session->id(), session->remote_address(), players_.size());
  report_publish_done(now);
  publisher_->send_status("error", "NetStream.Publish.BadName",
                          key_ + " was taken over by another publisher");
  publisher_->close();
  start_publisher(session, now);
  rebase_pending_ = true;
  for (auto& pl : players_) {
    pl.waiting_start = true;
    pl.skipping = false;
  }
}

// After a takeover, the new publisher's first timestamp lands 1 ms after the last one
// relayed, so players and recordings see one continuous stream.
std::uint32_t Stream::rebase(std::uint32_t timestamp) {
  if (rebase_pending_) {
    rebase_pending_ = false;
    ts_offset_ = last_ts_ + 1 - timestamp;
  }
  const std::uint32_t out = timestamp + ts_offset_;
  if (out - last_ts_ < 0x8000'0000u) last_ts_ = out;  // later, modulo 2^32
  return out;
}

void Stream::on_metadata(std::uint64_t session_id, const amf::Value& data, std::uint32_t timestamp,
                         TimePoint now) {
  std::lock_guard lock(mutex_);
  if (!publisher_ || session_id != publisher_id_) return;
  last_input_ = now;
  timestamp = rebase(timestamp);
  // Players and FLV files expect "onMetaData", {...}; publishers send
  // "@setDataFrame", "onMetaData", {...} (the FMS convention for "store this").
  Message m = make_data(0, {amf::Value("onMetaData"), data}, timestamp, csid::data);
  auto p = std::make_shared<Packet>(std::move(m), FrameInfo{FrameKind::data});
  width_ = number_prop(data, "width");
  height_ = number_prop(data, "height");
  meter_.on_metadata(data);
  bytes_in_ += p->payload_size();
  window_bytes_in_ += p->payload_size();
  gop_.set_metadata(p);
  if (recorder_) {
    if (auto r = recorder_->write(p->message(), now); !r)
      spdlog::error("relay: {}; recording stopped", r.error().message());
  }
  fan_out(*p, now);
}

void Stream::on_message(std::uint64_t session_id, const Message& in, TimePoint now) {
  std::lock_guard lock(mutex_);
  if (!publisher_ || session_id != publisher_id_) return;
  FrameInfo info = classifier_.classify(in);
  last_input_ = now;
  Message m = in;
  m.timestamp = rebase(in.timestamp);
  m.csid = out_csid(in.type);
  m.stream_id = 0;
  auto p = std::make_shared<Packet>(std::move(m), info);

  bytes_in_ += in.size();
  window_bytes_in_ += in.size();
  meter_.on_media(in.type, in.size(), in.timestamp, now);
  if (info.kind == FrameKind::video_key || info.kind == FrameKind::video_inter) {
    video_started_ = true;
    ++video_in_;
    ++window_video_;
  } else if (info.kind == FrameKind::audio_frame) {
    ++audio_in_;
  }
  learn_codec(*p);
  if (info.is_config()) {
    // Before the header goes out: a player that cannot take the codec must not get it.
    learn_track_codecs(p->message());
    fail_refused_players();
  }
  gop_.add(p);
  if (recorder_) {
    if (auto r = recorder_->write(p->message(), now); !r)
      spdlog::error("relay: {}; recording stopped", r.error().message());
  }
  fan_out(*p, now);
}

void Stream::learn_codec(const Packet& p) {
  const FrameInfo info = p.info();
  const Message& m = p.message();
  if (m.type == msg::video && video_codec_.empty() && info.codec != CodecId::unknown)
    video_codec_ = codec_name(info.codec);
  if (m.type == msg::audio && audio_codec_.empty() && info.codec != CodecId::unknown)
    audio_codec_ = codec_name(info.codec);
  if (m.type == msg::audio && sample_rate_ == 0 && info.kind == FrameKind::audio_frame &&
      m.size() > 0 && (m.data()[0] >> 4) != flv::sound_format_ex_header &&
      info.codec != CodecId::aac) {
    // Legacy formats without a config: the flags byte holds the rate class and channels.
    static constexpr std::uint32_t rates[] = {5512, 11025, 22050, 44100};
    auto flags = LegacyAudio::from_byte(m.data()[0]);
    sample_rate_ = rates[flags.sound_rate];
    channels_ = flags.sound_type + 1u;
  }
  if (!info.is_config()) return;
  // Sequence headers only: the demuxer parses the config record (AAC rate and channels).
  demuxer_.recycle(events_);
  if (!demuxer_.push(m, events_)) return;  // relayed anyway; stats stay empty
  for (const auto& e : events_) {
    const auto* c = std::get_if<Codec>(&e);
    if (!c) continue;
    meter_.on_codec(*c);
    if (c->type == TrackType::video) video_codec_ = codec_name(c->id);
    if (c->type == TrackType::audio) {
      audio_codec_ = codec_name(c->id);
      if (const auto* aac = std::get_if<AacConfig>(&c->details)) {
        sample_rate_ = aac->sample_rate;
        channels_ = aac->channels;
      } else if (const auto* opus = std::get_if<OpusHead>(&c->details)) {
        sample_rate_ = 48000;
        channels_ = opus->channels;
      }
    }
  }
}

void Stream::learn_track_codecs(const Message& m) {
  auto note = [&](std::uint8_t track, CodecId codec, std::uint32_t fourcc) {
    for (auto& c : codecs_) {
      if (c.type == m.type && c.track == track) {
        c.codec = codec;
        c.fourcc = fourcc;
        return;
      }
    }
    codecs_.push_back({m.type, track, codec, fourcc});
  };
  if (m.type == msg::video && flv::parse_video_tag(m.data(), video_parts_)) {
    for (const auto& v : video_parts_)
      if (!v.is_command) note(v.track_id, v.codec, v.enhanced ? v.fourcc : 0);
  } else if (m.type == msg::audio && flv::parse_audio_tag(m.data(), audio_parts_)) {
    for (const auto& a : audio_parts_) note(a.track_id, a.codec, a.enhanced ? a.fourcc : 0);
  }
}

std::string Stream::refusal(PlayerKind kind, const ConnectCaps* caps) const {
  if (!caps) return {};
  for (const auto& c : codecs_) {
    if (kind != PlayerKind::full && c.track != 0) continue;  // it gets track 0 only
    if (c.codec == CodecId::unknown) continue;
    const std::string label = codec_label(c.codec, c.fourcc);
    if (kind == PlayerKind::legacy) {
      // Legacy HEVC (codec id 12) too: a player cannot say it knows that id.
      if (!legacy_player_codec(c.codec))
        return label + " needs Enhanced RTMP; this player did not announce it";
      continue;
    }
    if (c.fourcc == 0) continue;  // a legacy FLV header: every Enhanced player reads those
    const std::string fourcc = fourcc_to_string(c.fourcc);
    const bool ok =
        c.type == msg::video ? caps->can_receive_video(fourcc) : caps->can_receive_audio(fourcc);
    if (!ok) return label + " is not in this player's fourCcList / FourCC info map";
  }
  return {};
}

void Stream::fail_refused_players() {
  for (std::size_t i = players_.size(); i-- > 0;) {
    Player& pl = players_[i];
    std::string why = refusal(pl.kind, pl.caps ? &*pl.caps : nullptr);
    if (why.empty()) continue;
    spdlog::info("relay: play failed app={} key={} session={} kind={}: {}", app_, key_, pl.id,
                 to_string(pl.kind), why);
    pl.session->send_status("error", "NetStream.Play.Failed", why);
    pl.session->close();
    remove_player(i, why);
  }
}

Packet* Stream::form(Packet& p, PlayerKind k) {
  if (k == PlayerKind::full) return &p;
  const bool legacy = k == PlayerKind::legacy;
  Packet::Form& f = p.form(legacy ? 0 : 1);
  if (!f.done) {
    f.done = true;
    TrackFilter& filter = legacy ? legacy_filter_ : one_track_filter_;
    auto r = filter.apply(p.message());
    // A message that does not parse is not sent to these players: they could not parse it
    // either (full players get it, as before).
    if (r && *r) {
      if ((*r)->payload == p.message().payload)
        f.same = true;
      else
        f.packet = std::make_shared<Packet>(std::move(**r), p.info());
    }
  }
  return f.same ? &p : f.packet.get();
}

void Stream::unpublish(std::uint64_t session_id, TimePoint now, std::string_view reason) {
  std::lock_guard lock(mutex_);
  if (!publisher_ || session_id != publisher_id_) return;
  spdlog::info(
      "relay: unpublish app={} key={} session={} reason=\"{}\" duration={:.1f}s "
      "video_frames={} audio_frames={} bytes_in={} players={}",
      app_, key_, publisher_id_, reason, seconds(now - publish_start_), video_in_, audio_in_,
      bytes_in_, players_.size());
  report_publish_done(now);
  publisher_.reset();
  publisher_id_ = 0;
  gop_.clear();
  close_recorder();
  for (auto& pl : players_) {
    // UnpublishNotify now (FFmpeg and librtmp stop on it); StreamEOF on a later tick:
    // GStreamer's rtmp2src stops on StreamEOF at once and loses the message it has not
    // handed downstream yet (it holds one), which would be the last frame of the stream.
    pl.session->send_status("status", "NetStream.Play.UnpublishNotify",
                            key_ + " is now unpublished.");
    pl.eof_due = now + kEofDelay;
    pl.waiting_start = true;
    pl.skipping = false;
    if (config_.wait_for_publisher) pl.wait_deadline = now + *config_.wait_for_publisher;
  }
}

// ---- players ----

Decision Stream::play(const std::shared_ptr<Session>& session, std::uint32_t stream_id,
                      TimePoint now, const ConnectCaps* caps) {
  std::lock_guard lock(mutex_);
  const bool waiting = !publisher_;
  const PlayerKind kind = caps ? player_kind(*caps) : PlayerKind::full;
  if (caps && !waiting) {
    if (std::string why = refusal(kind, caps); !why.empty()) {
      spdlog::info("relay: play rejected app={} key={} session={} kind={}: {}", app_, key_,
                   session->id(), to_string(kind), why);
      return Decision::reject(why, "NetStream.Play.Failed");
    }
  }
  if (waiting && config_.wait_for_publisher && config_.wait_for_publisher->count() <= 0) {
    spdlog::info("relay: play rejected app={} key={} session={}: not live", app_, key_,
                 session->id());
    return Decision::reject(key_ + " is not live", "NetStream.Play.StreamNotFound");
  }
  Player& pl = players_.emplace_back();
  pl.session = session;
  pl.id = session->id();
  pl.stream_id = stream_id;
  pl.chunk_size = session->chunk_size();
  pl.joined = now;
  pl.progress_at = now;
  pl.kind = kind;
  if (caps) pl.caps = *caps;
  ++players_total_;
  std::size_t burst = 0;
  if (!waiting) {
    // Fast start. Everything in the burst is sent whatever the backlog: the player asked
    // for it and it is bounded by the GOP cache's caps.
    std::vector<PacketPtr> start;
    gop_.start_packets(start);
    for (const auto& p : start)
      if (Packet* q = form(*p, pl.kind)) send(pl, *q);
    burst = start.size();
    pl.waiting_start = !gop_.has_gop();
  } else if (config_.wait_for_publisher) {
    pl.wait_deadline = now + *config_.wait_for_publisher;
  }
  spdlog::info(
      "relay: play app={} key={} session={} remote={} stream_id={} kind={} {} gop_packets={} "
      "players={}",
      app_, key_, pl.id, session->remote_address(), stream_id, to_string(kind),
      waiting ? "state=waiting_for_publisher" : "state=live", burst, players_.size());
  return Decision::accept();
}

void Stream::leave(std::uint64_t session_id, std::string_view reason) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < players_.size(); ++i) {
    if (players_[i].id == session_id) {
      remove_player(i, reason);
      return;
    }
  }
}

std::uint64_t Stream::kick_publisher(std::string_view reason) {
  std::lock_guard lock(mutex_);
  if (!publisher_) return 0;
  spdlog::info("relay: publisher kicked app={} key={} session={}: {}", app_, key_, publisher_id_,
               reason);
  // abort() only queues the close on the publisher's strand; its disconnect unpublishes.
  publisher_->abort(Error(errc::closed, std::string(reason)));
  return publisher_id_;
}

bool Stream::kick(std::uint64_t session_id, std::string_view reason) {
  std::lock_guard lock(mutex_);
  if (publisher_ && session_id == publisher_id_) {
    spdlog::info("relay: publisher kicked app={} key={} session={}: {}", app_, key_, session_id,
                 reason);
    publisher_->abort(Error(errc::closed, std::string(reason)));
    return true;
  }
  for (std::size_t i = 0; i < players_.size(); ++i) {
    if (players_[i].id != session_id) continue;
    players_[i].session->abort(Error(errc::closed, std::string(reason)));
    remove_player(i, reason);
    return true;
  }
  return false;
}

void Stream::remove_player(std::size_t index, std::string_view reason) {
  log_player_left(players_[index], reason);
  players_.erase(players_.begin() + static_cast<std::ptrdiff_t>(index));
}

void Stream::log_player_left(const Player& pl, std::string_view reason) const {
  spdlog::info(
      "relay: player left app={} key={} session={} reason=\"{}\" frames_sent={} "
      "frames_dropped={} bytes_sent={}",
      app_, key_, pl.id, reason, pl.frames_sent, pl.frames_dropped, pl.bytes_sent);
  if (config_.on_done) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - pl.joined);
    config_.on_done({.call = "play_done",
                     .app = app_,
                     .name = key_,
                     .addr = pl.session->remote_address(),
                     .client_id = pl.id,
                     .duration_ms = static_cast<std::uint64_t>(ms.count()),
                     .bytes = pl.bytes_sent,
                     .frames = pl.frames_sent});
  }
}

void Stream::report_publish_done(TimePoint now) const {
  if (!config_.on_done) return;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - publish_start_);
  config_.on_done({.call = "publish_done",
                   .app = app_,
                   .name = key_,
                   .addr = publisher_remote_,
                   .client_id = publisher_id_,
                   .duration_ms = static_cast<std::uint64_t>(std::max<std::int64_t>(0, ms.count())),
                   .bytes = bytes_in_,
                   .frames = video_in_ + audio_in_});
}

// ---- fan-out ----

bool Stream::is_start(const Packet& p) const {
  const FrameKind k = p.info().kind;
  // Audio-only streams: every audio frame decodes on its own.
  return k == FrameKind::video_key || (k == FrameKind::audio_frame && !gop_.has_video());
}

void Stream::fan_out(Packet& p, TimePoint now) {
  for (auto& pl : players_) {
    if (Packet* q = form(p, pl.kind)) deliver(pl, *q, now);
  }
  // Drop those found too slow while delivering (not inside the loop above).
  for (std::size_t i = players_.size(); i-- > 0;) {
    Player& pl = players_[i];
    if (pl.skipping && now - pl.skip_since > config_.slow_player_timeout) {
      disconnect_slow(pl, now);
      players_.erase(players_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
}

void Stream::deliver(Player& pl, Packet& p, TimePoint now) {
  if (!p.info().droppable()) {
    send(pl, p);
    return;
  }
  if (pl.wait_deadline) return;  // waiting for a publisher: nothing to play yet
  if (pl.waiting_start) {
    // A joiner without a cached GOP (or after a republish) starts at a keyframe: frames
    // before it cannot be decoded. Not counted as drops: it never had them. Audio that
    // precedes the stream's first video frame is kept (players waiting for the publisher
    // then get the whole stream).
    const bool early_audio = p.info().kind == FrameKind::audio_frame && !video_started_;
    if (is_start(p))
      pl.waiting_start = false;
    else if (!early_audio)
      return;
  }
  note_progress(pl, now);
  const Backlog& b = pl.backlog;
  const bool over = b.bytes() > config_.player_queue_bytes ||
                    b.duration_ms() > config_.player_queue_ms || b.full();
  if (pl.skipping) {
    const bool drained = b.bytes() <= config_.player_queue_bytes / 2 &&
                         b.duration_ms() <= config_.player_queue_ms / 2;
    if (is_start(p) && drained) {
      spdlog::info("relay: player caught up app={} key={} session={} skipped={} frames in {:.1f}s",
                   app_, key_, pl.id, pl.skip_run, seconds(now - pl.skip_since));
      pl.skipping = false;
      send(pl, p);
    } else {
      ++pl.frames_dropped;
      ++pl.skip_run;
      ++dropped_;
    }
    return;
  }
  if (over) {
    spdlog::warn(
        "relay: player behind app={} key={} session={} backlog_bytes={} backlog_ms={}: "
        "skipping to the next keyframe",
        app_, key_, pl.id, b.bytes(), b.duration_ms());
    pl.skipping = true;
    pl.skip_since = now;
    pl.skip_run = 1;
    ++pl.frames_dropped;
    ++dropped_;
    return;
  }
  send(pl, p);
}

void Stream::send(Player& pl, Packet& p) {
  const SharedBytes& wire = p.wire(pl.chunk_size, pl.stream_id);
  pl.session->send_encoded(wire, p.header(pl.stream_id));
  pl.backlog.sent(wire->size(), p.timestamp(), p.info().droppable());
  ++pl.frames_sent;
  pl.bytes_sent += wire->size();
  bytes_out_ += wire->size();
  window_bytes_out_ += wire->size();
}

void Stream::send_user_control(Player& pl, int event) {
  // User Control messages go on message stream 0 (spec §6.2) and name the played stream in
  // their payload; encoded here because Session::send_message puts stream 0 on the played
  // stream.
  Message m = control::user_control({static_cast<control::UserEvent>(event), pl.stream_id, 0});
  Bytes wire;
  ChunkEncoder::encode_standalone(m, pl.chunk_size, wire);
  pl.session->send_encoded(make_shared_bytes(std::move(wire)), m);
}

void Stream::note_progress(Player& pl, TimePoint now) {
  pl.backlog.update(pl.session->pending_output());
  const std::uint64_t written = pl.backlog.total_sent() - pl.backlog.bytes();
  if (pl.backlog.bytes() == 0 || written != pl.written_seen) {
    pl.written_seen = written;
    pl.progress_at = now;
  }
}

bool Stream::stalled(const Player& pl, TimePoint now) const {
  return pl.backlog.bytes() > 0 && now - pl.progress_at > config_.slow_player_timeout;
}

void Stream::disconnect_stalled(Player& pl, TimePoint now) {
  ++slow_disconnects_;
  spdlog::warn(
      "relay: player stalled app={} key={} session={} remote={}: nothing written for {:.1f}s "
      "(backlog_bytes={} backlog_ms={}): disconnecting",
      app_, key_, pl.id, pl.session->remote_address(), seconds(now - pl.progress_at),
      pl.backlog.bytes(), pl.backlog.duration_ms());
  log_player_left(pl, "stalled");
  pl.session->abort(Error(errc::timeout, "player stalled: disconnected by the relay"));
}

void Stream::disconnect_slow(Player& pl, TimePoint now) {
  ++slow_disconnects_;
  spdlog::warn(
      "relay: player too slow app={} key={} session={} remote={}: still behind after "
      "{:.1f}s (backlog_bytes={} backlog_ms={}, skipped {} frames): disconnecting",
      app_, key_, pl.id, pl.session->remote_address(), seconds(now - pl.skip_since),
      pl.backlog.bytes(), pl.backlog.duration_ms(), pl.skip_run);
  log_player_left(pl, "too slow");
  pl.session->abort(Error(errc::output_full, "player too slow: disconnected by the relay"));
}

// ---- housekeeping ----

void Stream::tick(TimePoint now) {
  std::lock_guard lock(mutex_);
  auto window = now - window_start_;
  if (window >= std::chrono::seconds(1)) {
    double s = seconds(window);
    fps_ = static_cast<double>(window_video_) / s;
    kbps_in_ = static_cast<double>(window_bytes_in_) * 8 / 1000 / s;
    kbps_out_ = static_cast<double>(window_bytes_out_) * 8 / 1000 / s;
    window_video_ = window_bytes_in_ = window_bytes_out_ = 0;
    window_start_ = now;
  }
  meter_.tick(now);
  if (recorder_) {
    if (auto r = recorder_->tick(now); !r)
      spdlog::error("relay: {}; recording stopped", r.error().message());
  }
  for (std::size_t i = players_.size(); i-- > 0;) {
    Player& pl = players_[i];
    if (pl.eof_due && now >= *pl.eof_due) {
      send_user_control(pl, static_cast<int>(control::UserEvent::stream_eof));
      pl.eof_due.reset();
    }
    if (pl.wait_deadline && now >= *pl.wait_deadline) {
      spdlog::info("relay: player gave up waiting app={} key={} session={}: no publisher", app_,
                   key_, pl.id);
      pl.session->send_status("error", "NetStream.Play.StreamNotFound", key_ + " is not live");
      pl.session->close();
      remove_player(i, "no publisher");
    } else if (pl.skipping && now - pl.skip_since > config_.slow_player_timeout) {
      disconnect_slow(pl, now);
      players_.erase(players_.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (note_progress(pl, now); stalled(pl, now)) {
      disconnect_stalled(pl, now);
      players_.erase(players_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
}

void Stream::shutdown(std::string_view reason) {
  std::lock_guard lock(mutex_);
  for (auto& pl : players_) {
    pl.session->send_status("status", "NetStream.Play.UnpublishNotify", std::string(reason));
    send_user_control(pl, static_cast<int>(control::UserEvent::stream_eof));
    pl.session->close();
    log_player_left(pl, reason);
  }
  players_.clear();
  if (publisher_) {
    spdlog::info(
        "relay: unpublish app={} key={} session={} reason=\"{}\" video_frames={} "
        "audio_frames={} bytes_in={}",
        app_, key_, publisher_id_, reason, video_in_, audio_in_, bytes_in_);
    report_publish_done(Clock::now());
    publisher_->close();
    publisher_.reset();
    publisher_id_ = 0;
  }
  gop_.clear();
  close_recorder();
}

void Stream::close_recorder() {
  if (!recorder_) return;
  auto path = recorder_->path().string();
  auto tags = recorder_->tags();
  auto bytes = recorder_->bytes();
  if (auto r = recorder_->close(); !r)
    spdlog::error("relay: {}", r.error().message());
  else
    spdlog::info("relay: recording closed app={} key={} file={} tags={} bytes={}", app_, key_, path,
                 tags, bytes);
  recorder_.reset();
}

bool Stream::unused() const {
  std::lock_guard lock(mutex_);
  return !publisher_ && players_.empty();
}

bool Stream::live() const {
  std::lock_guard lock(mutex_);
  return publisher_ != nullptr;
}

StreamStats Stream::stats(TimePoint now, bool with_players) const {
  std::lock_guard lock(mutex_);
  StreamStats s;
  s.app = app_;
  s.key = key_;
  s.live = publisher_ != nullptr;
  s.publisher_session = publisher_id_;
  s.publisher_remote = publisher_ ? publisher_remote_ : std::string();
  s.uptime_s = publisher_ ? seconds(now - publish_start_) : 0;
  s.video_codec = video_codec_;
  s.audio_codec = audio_codec_;
  s.width = width_;
  s.height = height_;
  s.audio_sample_rate = sample_rate_;
  s.audio_channels = channels_;
  s.fps = fps_;
  s.bitrate_in_kbps = kbps_in_;
  s.bitrate_out_kbps = kbps_out_;
  s.bytes_in = bytes_in_;
  s.bytes_out = bytes_out_;
  s.video_frames_in = video_in_;
  s.audio_frames_in = audio_in_;
  s.frames_dropped = dropped_;
  s.players_dropped_slow = slow_disconnects_;
  s.players_total = players_total_;
  s.players = players_.size();
  s.gop_cache_packets = gop_.gop_packets();
  s.gop_cache_bytes = gop_.gop_bytes();
  if (recorder_) s.recording = recorder_->path().string();
  s.media = meter_.stats();
  if (with_players) {
    for (const auto& pl : players_) {
      PlayerStats p;
      p.session_id = pl.id;
      p.remote = pl.session->remote_address();
      p.connected_s = seconds(now - pl.joined);
      p.frames_sent = pl.frames_sent;
      p.frames_dropped = pl.frames_dropped;
      p.bytes_sent = pl.bytes_sent;
      p.backlog_bytes = pl.backlog.bytes();
      p.backlog_ms = pl.backlog.duration_ms();
      p.skipping = pl.skipping;
      p.waiting = pl.waiting_start || pl.wait_deadline.has_value();
      s.player_list.push_back(std::move(p));
    }
  }
  return s;
}

// What a new publisher (a publish or a takeover) starts from: its identity, fresh meters, no
// cached GOP and no codec facts; players are checked again at its sequence headers.
void Stream::start_publisher(const std::shared_ptr<Session>& session, TimePoint now) {
  publisher_ = session;
  publisher_id_ = session->id();
  publisher_remote_ = session->remote_address();
  publish_start_ = now;
  last_input_ = now;
  meter_.reset(now);
  window_start_ = now;
  gop_.clear();
  video_started_ = false;
  demuxer_.reset();
  video_codec_.clear();
  audio_codec_.clear();
  width_ = height_ = sample_rate_ = channels_ = 0;
  codecs_.clear();
  legacy_filter_ = TrackFilter(TrackFilter::Target::legacy);
  one_track_filter_ = TrackFilter(TrackFilter::Target::enhanced_one_track);
}

}  // namespace rtmp::relay
