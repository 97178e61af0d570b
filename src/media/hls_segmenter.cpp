#include "rtmp/media/hls_segmenter.hpp"

#include "media/hls_format.hpp"

#include <algorithm>

namespace rtmp::hls {

namespace {

bool same_codec(const Codec& a, const Codec& b) {
  return a.id == b.id && a.sound_flags == b.sound_flags &&
         std::equal(a.config.begin(), a.config.end(), b.config.begin(), b.config.end());
}

// A republished or jumping stream continues this long after the last frame when no frame
// interval is known yet.
constexpr std::int64_t default_step_ms = 20;
// The wall-clock anchor of EXT-X-PROGRAM-DATE-TIME is renewed when the media timeline and
// the wall clock drift apart by more than this (a publisher slower or faster than real
// time); bursts such as a GOP delivered at once stay below it.
constexpr std::int64_t max_wall_drift_ms = 10'000;
// Once EXT-X-TARGETDURATION is fixed, a segment may last this much longer and still round
// to it (below the half second, so a one-ms part added at a clamped cut cannot cross it).
constexpr std::int64_t max_round_up_ms = 400;

}  // namespace

std::string Init::name() const {
  return version <= 1 ? std::string("init.mp4") : "init-" + std::to_string(version) + ".mp4";
}

Segmenter::Segmenter(Options options) : Segmenter(options, make_format(options.container)) {}

Segmenter::Segmenter(Options o, std::unique_ptr<Format> format) : format_(std::move(format)) {
  o.target_ms = std::max<std::int64_t>(o.target_ms, 100);
  o.part_target_ms = std::clamp<std::int64_t>(o.part_target_ms, 20, o.target_ms);
  o.window = std::max<std::size_t>(o.window, 1);
  if (o.max_segment_ms <= 0) o.max_segment_ms = 3 * o.target_ms;
  o.max_segment_ms = std::max(o.max_segment_ms, o.target_ms);
  o.jump_ms = std::max<std::int64_t>(o.jump_ms, 1000);
  state_.options = o;
  state_.target_duration_s = (o.target_ms + 999) / 1000;
}

Segmenter::~Segmenter() = default;

namespace {
// Times beyond ±2^40 ms (35 years) come from no real stream (the Demuxer unwraps 32-bit
// timestamps); leaving them out keeps every later sum and product (ms × 90 kHz) in int64.
constexpr std::int64_t max_abs_ms = std::int64_t{1} << 40;
bool sane(std::int64_t t) {
  return t > -max_abs_ms && t < max_abs_ms;
}
}  // namespace

void Segmenter::push(const MediaEvent& event, std::int64_t wall_ms) {
  if (!sane(wall_ms)) wall_ms = 0;
  if (const auto* c = std::get_if<Codec>(&event)) {
    on_codec(*c);
  } else if (const auto* v = std::get_if<VideoSample>(&event)) {
    if (v->track_id == 0 && sane(v->dts) && sane(v->pts)) on_video(*v, wall_ms);
  } else if (const auto* a = std::get_if<AudioSample>(&event)) {
    if (a->track_id == 0 && sane(a->timestamp)) on_audio(*a, wall_ms);
  } else if (const auto* e = std::get_if<SequenceEnd>(&event)) {
    if (e->track_id == 0) on_sequence_end(e->type);
  }
}

void Segmenter::on_codec(const Codec& c) {
  if (c.track_id != 0) return;
  auto& slot = c.type == TrackType::video ? video_codec_ : audio_codec_;
  if (slot && same_codec(*slot, c)) return;  // a repeated sequence header
  slot = c;
  codecs_changed_ = true;
  // The frames after a new config need the new init: the segment ends here.
  if (state_.current) close_segment(last_end());
}

void Segmenter::on_sequence_end(TrackType type) {
  auto& slot = type == TrackType::video ? video_codec_ : audio_codec_;
  if (!slot) return;
  slot.reset();
  codecs_changed_ = true;
  if (state_.current) close_segment(last_end());
}

void Segmenter::reconfigure() {
  codecs_changed_ = false;
  Configured cfg = format_->configure(video_codec_ ? &*video_codec_ : nullptr,
                                      audio_codec_ ? &*audio_codec_ : nullptr);
  status_ = std::move(cfg.note);
  // Any later configuration is a change of codecs: the next segment is a discontinuity.
  if (state_.video || state_.audio || state_.next_msn > 0) pending_discontinuity_ = true;
  state_.video = cfg.video;
  state_.audio = cfg.audio;
  if (cfg.init) {
    ++init_version_;
    state_.inits.push_back({init_version_, std::move(cfg.init)});
  }
  changed();
}

std::int64_t Segmenter::map_time(std::int64_t in, TrackClock& clock) {
  std::int64_t out = in + offset_;
  if (rebase_next_) {
    // Republish: continue after the latest frame of either track.
    rebase_next_ = false;
    std::int64_t base = std::max(video_clock_.seen ? video_clock_.last + video_clock_.delta : 0,
                                 audio_clock_.seen ? audio_clock_.last + audio_clock_.delta : 0);
    offset_ = base - in;
    out = base;
  } else if (clock.seen && (out < clock.last || out > clock.last + state_.options.jump_ms)) {
    // A backward step or a jump: rebase so this track continues one frame on.
    const std::int64_t step = clock.delta > 0 ? clock.delta : default_step_ms;
    offset_ += clock.last + step - out;
    out = clock.last + step;
  }
  // Only a frame interval is remembered: a republish's rebase can move a track far ahead
  // of its last frame, and taking that as its step would grow the timeline by it again at
  // every republish.
  if (clock.seen && out > clock.last && out - clock.last <= state_.options.jump_ms)
    clock.delta = out - clock.last;
  clock.last = out;
  clock.seen = true;
  return out;
}

std::int64_t Segmenter::last_end() const {
  std::int64_t end = part_start_;
  for (const auto* c : {&video_clock_, &audio_clock_})
    if (c->seen) end = std::max(end, c->last + std::max<std::int64_t>(c->delta, 1));
  return end;
}

std::int64_t Segmenter::max_duration_ms() const {
  const auto& o = state_.options;
  if (!target_fixed_) return o.max_segment_ms;
  return std::min(o.max_segment_ms, 1000 * state_.target_duration_s + max_round_up_ms);
}

// Cut before the frame after this one (one step on) would take the segment past the
// longest allowed duration.
bool Segmenter::runaway(std::int64_t ts, std::int64_t step) const {
  const auto& o = state_.options;
  return ts + std::max<std::int64_t>(step, 0) - state_.current->start_ms > max_duration_ms() ||
         state_.current->bytes + pending_bytes_ >= o.max_segment_bytes;
}

void Segmenter::on_video(const VideoSample& s, std::int64_t wall_ms) {
  if (codecs_changed_) reconfigure();
  if (!state_.video) return;
  if (state_.ended) discontinuity(wall_ms);
  const auto& o = state_.options;
  const std::int64_t ts = map_time(s.dts, video_clock_);
  if (!state_.current) {
    if (!s.keyframe) return;  // a segment starts with a keyframe
    open_segment(ts, wall_ms);
  } else if (s.keyframe && ts - state_.current->start_ms >= o.target_ms) {
    close_segment(ts);
    open_segment(ts, wall_ms);
  } else if (runaway(ts, video_clock_.delta)) {
    close_segment(ts);
    open_segment(ts, wall_ms);
    state_.current->forced = !s.keyframe;
  } else if (!part_video_.empty() && ts + video_clock_.delta - part_start_ > o.part_target_ms) {
    flush_part(ts);
  }
  VideoSample& v = part_video_.emplace_back(s);
  v.pts = ts + (s.pts - s.dts);
  v.dts = ts;
  pending_bytes_ += s.data.size();
}

void Segmenter::on_audio(const AudioSample& s, std::int64_t wall_ms) {
  if (codecs_changed_) reconfigure();
  if (!state_.audio) return;
  if (state_.ended) discontinuity(wall_ms);
  const auto& o = state_.options;
  const std::int64_t ts = map_time(s.timestamp, audio_clock_);
  const bool has_pending = !part_video_.empty() || !part_audio_.empty();
  if (state_.video) {
    // Video decides the cuts; audio only cuts when video stalls.
    if (!state_.current) return;
    if (runaway(ts, audio_clock_.delta)) {
      close_segment(ts);
      open_segment(ts, wall_ms);
      state_.current->forced = true;
    } else if (has_pending && ts - part_start_ >= 2 * o.part_target_ms) {
      flush_part(ts);
    }
  } else if (!state_.current) {
    open_segment(ts, wall_ms);
  } else if (ts - state_.current->start_ms >= o.target_ms) {
    close_segment(ts);
    open_segment(ts, wall_ms);
  } else if (has_pending && ts + audio_clock_.delta - part_start_ > o.part_target_ms) {
    flush_part(ts);
  }
  AudioSample& a = part_audio_.emplace_back(s);
  a.timestamp = ts;
  pending_bytes_ += s.data.size();
}

void Segmenter::open_segment(std::int64_t start_ms, std::int64_t wall_ms) {
  Segment seg;
  seg.msn = state_.next_msn;
  seg.start_ms = start_ms;
  seg.discontinuity = pending_discontinuity_;
  seg.init_version = init_version_;
  pending_discontinuity_ = false;
  if (!wall_anchor_ || seg.discontinuity ||
      std::abs(*wall_anchor_ + (start_ms - *media_anchor_) - wall_ms) > max_wall_drift_ms) {
    wall_anchor_ = wall_ms;
    media_anchor_ = start_ms;
  }
  seg.wall_ms = *wall_anchor_ + (start_ms - *media_anchor_);
  state_.current = std::move(seg);
  part_start_ = start_ms;
  changed();
}

void Segmenter::flush_part(std::int64_t end_ms) {
  if (!state_.current || (part_video_.empty() && part_audio_.empty())) return;
  Segment& seg = *state_.current;
  Chunk chunk{seg.parts.empty(), ++fragment_seq_, part_video_, part_audio_, end_ms};
  Part p;
  p.data = format_->write(chunk);
  p.start_ms = part_start_;
  p.duration_ms = std::max<std::int64_t>(end_ms - part_start_, 1);
  p.independent = state_.video ? !part_video_.empty() && part_video_.front().keyframe : true;
  seg.bytes += p.data ? p.data->size() : 0;
  seg.duration_ms += p.duration_ms;
  part_start_ += p.duration_ms;
  seg.parts.push_back(std::move(p));
  part_video_.clear();
  part_audio_.clear();
  pending_bytes_ = 0;
  changed();
}

void Segmenter::close_segment(std::int64_t end_ms) {
  if (!state_.current) return;
  // A gap between frames can still overshoot: the segment then ends at the longest allowed
  // duration (the next one starts at its first frame's time all the same).
  if (target_fixed_) end_ms = std::min(end_ms, state_.current->start_ms + max_duration_ms());
  flush_part(end_ms);
  Segment seg = std::move(*state_.current);
  state_.current.reset();
  changed();
  if (seg.parts.empty()) {
    pending_discontinuity_ = pending_discontinuity_ || seg.discontinuity;
    return;
  }
  if (!target_fixed_) {
    // EXTINF rounded to the nearest integer must not exceed EXT-X-TARGETDURATION, which
    // may not change once a playlist is out: the first segment (one or more whole GOPs)
    // decides it.
    target_fixed_ = true;
    state_.target_duration_s = std::max(state_.target_duration_s, (seg.duration_ms + 500) / 1000);
  }
  state_.segments.push_back(std::move(seg));
  ++state_.next_msn;
  evict();
}

void Segmenter::evict() {
  while (state_.segments.size() > state_.options.window) {
    if (state_.segments.front().discontinuity) ++state_.discontinuity_sequence;
    state_.segments.pop_front();
  }
  std::uint32_t oldest = init_version_;
  for (const auto& s : state_.segments) oldest = std::min(oldest, s.init_version);
  if (state_.current) oldest = std::min(oldest, state_.current->init_version);
  std::erase_if(state_.inits, [&](const Init& i) { return i.version < oldest; });
}

void Segmenter::discontinuity(std::int64_t /*wall_ms*/) {
  if (state_.current) close_segment(last_end());
  if (state_.next_msn > 0) pending_discontinuity_ = true;
  rebase_next_ = video_clock_.seen || audio_clock_.seen;
  state_.ended = false;
  changed();
}

void Segmenter::end(std::int64_t /*wall_ms*/) {
  if (state_.current) close_segment(last_end());
  target_fixed_ = true;  // the playlist is listed from now on
  state_.ended = true;
  changed();
}

}  // namespace rtmp::hls
