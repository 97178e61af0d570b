#include "relay/record_mp4.hpp"

#include <algorithm>
#include <type_traits>

namespace rtmp::relay {

namespace {

// The RTMP clock: recorded times are the source's, to the millisecond.
constexpr std::uint32_t timescale = 1000;

bool same_codec(const Codec& a, const Codec& b) {
  return a.id == b.id && a.type == b.type &&
         std::equal(a.config.begin(), a.config.end(), b.config.begin(), b.config.end());
}

}  // namespace

Mp4Fragmenter::Mp4Fragmenter(std::chrono::milliseconds max_fragment)
    : max_fragment_(max_fragment) {}

Result<void> Mp4Fragmenter::push(const Message& m, std::vector<Mp4Fragment>& ready) {
  if (m.type != msg::audio && m.type != msg::video) return {};
  demuxer_.recycle(events_);
  auto demuxed = demuxer_.push(m, events_);
  Result<void> result = demuxed;
  for (const auto& e : events_) {
    if (const auto* c = std::get_if<Codec>(&e)) {
      on_codec(*c);
    } else if (const auto* v = std::get_if<VideoSample>(&e); v && v->track_id == 0) {
      if (auto r = add_sample(video_, v->dts, static_cast<std::int32_t>(v->pts - v->dts),
                              v->keyframe, v->data, v->owner, ready);
          !r && result)
        result = r;
    } else if (const auto* a = std::get_if<AudioSample>(&e); a && a->track_id == 0) {
      if (auto r = add_sample(audio_, a->timestamp, 0, true, a->data, a->owner, ready);
          !r && result)
        result = r;
    }
  }
  return result;
}

void Mp4Fragmenter::on_codec(const Codec& c) {
  if (c.track_id != 0) return;
  TrackState& t = c.type == TrackType::video ? video_ : audio_;
  if (t.codec && same_codec(*t.codec, c)) return;  // a repeated sequence header
  t.codec = c;
  reinit_due_ = true;
}

Result<void> Mp4Fragmenter::fix_tracks() {
  reinit_due_ = false;
  tracks_.clear();
  pending_init_.reset();
  video_.id = audio_.id = 0;
  if (video_.codec && fmp4::default_timescale(*video_.codec) != 0) {
    video_.id = 1;
    tracks_.push_back({.id = 1, .codec = *video_.codec, .timescale = timescale});
  }
  if (audio_.codec && fmp4::default_timescale(*audio_.codec) != 0) {
    audio_.id = 2;
    tracks_.push_back({.id = 2, .codec = *audio_.codec, .timescale = timescale});
  }
  if (tracks_.empty()) return {};
  auto init = fmp4::init_segment(tracks_);
  if (!init) {
    tracks_.clear();
    video_.id = audio_.id = 0;
    return init.error();
  }
  pending_init_ = std::move(*init);
  return {};
}

Result<void> Mp4Fragmenter::add_sample(TrackState& t, std::int64_t dts, std::int32_t cts, bool key,
                                       ByteView data, const SharedBytes& owner,
                                       std::vector<Mp4Fragment>& ready) {
  if (reinit_due_) {
    cut(ready);  // what is buffered belongs to the old tracks
    if (auto r = fix_tracks(); !r) return r;
  }
  if (t.id == 0) return {};  // a track the recording does not hold
  if (!t.samples.empty()) {
    const auto delta = std::max<std::int64_t>(0, dts - t.samples.back().dts);
    t.samples.back().duration = static_cast<std::uint32_t>(std::min<std::int64_t>(delta, 1 << 30));
    t.last_duration = t.samples.back().duration;
  }
  const bool video_key = key && &t == &video_;
  if (fragment_start_ && (video_key || dts - *fragment_start_ >= max_fragment_.count())) cut(ready);
  if (!fragment_start_) fragment_start_ = dts;
  t.samples.push_back({.dts = dts, .cts = cts, .duration = 0, .keyframe = key, .data = data});
  t.owners.push_back(owner);
  return {};
}

bool Mp4Fragmenter::buffered() const noexcept {
  return !video_.samples.empty() || !audio_.samples.empty();
}

void Mp4Fragmenter::cut(std::vector<Mp4Fragment>& ready) {
  if (!buffered()) return;
  Mp4Fragment f;
  f.init = std::move(pending_init_);
  pending_init_.reset();
  fmp4::Run runs[2];
  std::size_t n = 0;
  bool first = true;
  for (TrackState* t : {&video_, &audio_}) {
    if (t->samples.empty()) continue;
    auto& last = t->samples.back();
    if (last.duration == 0) last.duration = t->last_duration;  // its successor is not known
    const std::int64_t start = t->samples.front().dts;
    const std::int64_t end = last.dts + last.duration;
    f.start_ms = first ? start : std::min(f.start_ms, start);
    f.end_ms = first ? end : std::max(f.end_ms, end);
    first = false;
    f.frames += t->samples.size();
    runs[n++] = {t->id, t->samples};
  }
  f.keyframe_start = video_.id == 0 || (!video_.samples.empty() && video_.samples.front().keyframe);
  fmp4::write_fragment(sequence_++, std::span(runs, n), f.bytes);
  for (TrackState* t : {&video_, &audio_}) {
    t->samples.clear();
    t->owners.clear();
  }
  fragment_start_.reset();
  ready.push_back(std::move(f));
}

void Mp4Fragmenter::finish(std::vector<Mp4Fragment>& ready) {
  cut(ready);
}

}  // namespace rtmp::relay
