#include "media/hls_format.hpp"

#include "rtmp/media/fmp4.hpp"
#include "rtmp/media/ts_muxer.hpp"

#include <algorithm>
#include <limits>
#include <vector>

namespace rtmp::hls {

std::uint32_t audio_timescale(const Codec& codec) noexcept {
  const auto t = fmp4::default_timescale(codec);
  return t ? t : 1000;
}

std::uint32_t audio_frame_units(const Codec& codec) noexcept {
  switch (codec.id) {
    case CodecId::aac:
      return 1024;
    case CodecId::opus:
      return 960;  // 20 ms at 48 kHz, the usual Opus frame
    case CodecId::mp3:
    case CodecId::mp3_8k:
      return audio_timescale(codec) >= 32000 ? 1152 : 576;  // MPEG-1 vs MPEG-2 LSF layer III
    default:
      return 0;
  }
}

namespace {

constexpr std::uint32_t video_id = 1, audio_id = 2;
constexpr std::int64_t video_timescale = 90'000;

std::string left_out(const char* kind, const Codec& c, const Error& e) {
  return std::string(kind) + " " + codec_name(c.id) + " left out: " + e.message();
}

// ms on the output timeline -> track timescale units.
std::int64_t units(std::int64_t ms, std::int64_t timescale) {
  return ms * timescale / 1000;
}

std::int32_t clamp32(std::int64_t v) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(
      v, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
}

std::uint32_t duration32(std::int64_t v) {
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(v, 0, std::numeric_limits<std::uint32_t>::max()));
}

class Fmp4Format final : public Format {
 public:
  Configured configure(const Codec* video, const Codec* audio) override {
    Configured cfg;
    std::vector<fmp4::Track> tracks;
    // Each track alone first: a codec fMP4 cannot carry is left out, not the stream.
    if (video) {
      fmp4::Track t{video_id, *video, 0, 0, 0};
      if (auto r = fmp4::init_segment({&t, 1}); r) {
        tracks.push_back(t);
        cfg.video = true;
      } else {
        cfg.note = left_out("video", *video, r.error());
      }
    }
    if (audio) {
      fmp4::Track t{audio_id, *audio, 0, 0, 0};
      if (auto r = fmp4::init_segment({&t, 1}); r) {
        tracks.push_back(t);
        cfg.audio = true;
        audio_timescale_ = audio_timescale(*audio);
        audio_frame_ = audio_frame_units(*audio);
      } else {
        cfg.note += (cfg.note.empty() ? "" : "; ") + left_out("audio", *audio, r.error());
      }
    }
    if (!tracks.empty()) {
      if (auto r = fmp4::init_segment(tracks); r) cfg.init = *r;
    }
    return cfg;
  }

  SharedBytes write(const Chunk& c) override {
    video_.clear();
    audio_.clear();
    for (std::size_t i = 0; i < c.video.size(); ++i) {
      const auto& s = c.video[i];
      const std::int64_t next = i + 1 < c.video.size() ? c.video[i + 1].dts : c.end_ms;
      const std::int64_t dts = units(s.dts, video_timescale);
      video_.push_back({dts, clamp32(units(s.pts - s.dts, video_timescale)),
                        duration32(units(next, video_timescale) - dts), s.keyframe, s.data});
    }
    for (std::size_t i = 0; i < c.audio.size(); ++i) {
      const auto& s = c.audio[i];
      const std::int64_t dts = units(s.timestamp, audio_timescale_);
      std::int64_t d = audio_frame_;
      if (i + 1 < c.audio.size()) d = units(c.audio[i + 1].timestamp, audio_timescale_) - dts;
      if (d <= 0 && audio_frame_ == 0) d = units(c.end_ms, audio_timescale_) - dts;
      audio_.push_back({dts, 0, duration32(d), true, s.data});
    }
    fmp4::Run runs[2];
    std::size_t n = 0;
    if (!video_.empty()) runs[n++] = {video_id, video_};
    if (!audio_.empty()) runs[n++] = {audio_id, audio_};
    Bytes out;
    fmp4::write_fragment(c.sequence, {runs, n}, out);
    return make_shared_bytes(std::move(out));
  }

 private:
  std::int64_t audio_timescale_ = 1000;
  std::int64_t audio_frame_ = 0;
  std::vector<fmp4::Sample> video_, audio_;
};

class TsFormat final : public Format {
 public:
  Configured configure(const Codec* video, const Codec* audio) override {
    Configured cfg;
    mux_.clear_track(TrackType::video);
    mux_.clear_track(TrackType::audio);
    if (video) {
      if (auto r = mux_.set_codec(*video); r)
        cfg.video = true;
      else
        cfg.note = left_out("video", *video, r.error());
    }
    if (audio) {
      if (auto r = mux_.set_codec(*audio); r)
        cfg.audio = true;
      else
        cfg.note += (cfg.note.empty() ? "" : "; ") + left_out("audio", *audio, r.error());
    }
    return cfg;
  }

  SharedBytes write(const Chunk& c) override {
    Bytes out;
    if (c.segment_start) mux_.write_tables(out);
    // Interleave by decode time so a demuxer's buffers stay small.
    std::size_t v = 0, a = 0;
    while (v < c.video.size() || a < c.audio.size()) {
      if (a == c.audio.size() || (v < c.video.size() && c.video[v].dts <= c.audio[a].timestamp))
        mux_.write_video(c.video[v++], out);
      else
        mux_.write_audio(c.audio[a++], out);
    }
    return make_shared_bytes(std::move(out));
  }

 private:
  ts::Muxer mux_;
};

}  // namespace

std::unique_ptr<Format> make_format(Container container) {
  if (container == Container::mpegts) return std::make_unique<TsFormat>();
  return std::make_unique<Fmp4Format>();
}

}  // namespace rtmp::hls
