// fmp4-dump: FLV file -> fragmented MP4 through rtmp::fmp4, for the interop check against
// ffprobe (tests/interop/fmp4_check.py).
//
//   fmp4-dump IN.flv OUT.mp4
//
// Demuxes IN.flv (legacy or Enhanced RTMP), takes the first video and the first audio track
// that fmp4 supports, and writes the init segment followed by one fragment per GOP (audio
// only: one per second) into OUT.mp4. Timestamps are converted from milliseconds to the
// track timescale with rounding; a sample lasts until the next one (the last one as long as
// the one before it). VP9's picture size comes from its first key frame. Prints one JSON line: per
// track its codec, codec string, timescale, picture size and sample count, and the number of
// fragments. Exit 1 on any error.
#include "rtmp/media/codec_string.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/fmp4.hpp"
#include "rtmp/media/video_size.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace rtmp;

struct Frame {
  std::int64_t dts_ms = 0, pts_ms = 0;
  bool key = false;
  SharedBytes owner;  // keeps data alive
  ByteView data;
};

struct TrackIn {
  std::optional<Codec> codec;
  std::uint8_t flv_track = 0;
  std::vector<Frame> frames;
  std::vector<fmp4::Sample> samples;
  std::uint32_t timescale = 0;
};

[[noreturn]] void die(const std::string& what) {
  std::cerr << "fmp4-dump: " << what << "\n";
  std::exit(1);
}

std::int64_t rescale(std::int64_t ms, std::uint32_t timescale) {
  const std::int64_t num = ms * timescale;
  return num >= 0 ? (num + 500) / 1000 : -((-num + 500) / 1000);
}

void on_event(const MediaEvent& e, TrackIn& video, TrackIn& audio) {
  if (const auto* c = std::get_if<Codec>(&e)) {
    TrackIn& t = c->type == TrackType::video ? video : audio;
    if (!t.codec && fmp4::default_timescale(*c) != 0) {
      t.codec = *c;
      t.flv_track = c->track_id;
    }
  } else if (const auto* v = std::get_if<VideoSample>(&e)) {
    if (video.codec && v->track_id == video.flv_track && v->codec == video.codec->id)
      video.frames.push_back({v->dts, v->pts, v->keyframe, v->owner, v->data});
  } else if (const auto* a = std::get_if<AudioSample>(&e)) {
    if (audio.codec && a->track_id == audio.flv_track && a->codec == audio.codec->id)
      audio.frames.push_back({a->timestamp, a->timestamp, true, a->owner, a->data});
  }
}

void to_samples(TrackIn& t, std::uint32_t timescale) {
  t.timescale = timescale;
  const auto& f = t.frames;
  for (std::size_t i = 0; i < f.size(); ++i) {
    fmp4::Sample s;
    s.dts = rescale(f[i].dts_ms, timescale);
    s.cts = static_cast<std::int32_t>(rescale(f[i].pts_ms, timescale) - s.dts);
    s.keyframe = f[i].key;
    s.data = f[i].data;
    t.samples.push_back(s);
  }
  for (std::size_t i = 0; i + 1 < t.samples.size(); ++i)
    t.samples[i].duration = static_cast<std::uint32_t>(t.samples[i + 1].dts - t.samples[i].dts);
  if (t.samples.size() > 1) t.samples.back().duration = t.samples[t.samples.size() - 2].duration;
}

// Fragment start times (ms): each video keyframe, or every second of audio.
std::vector<std::int64_t> fragment_starts(const TrackIn& video, const TrackIn& audio) {
  std::vector<std::int64_t> starts;
  if (video.codec) {
    for (const auto& f : video.frames)
      if (f.key || starts.empty()) starts.push_back(f.dts_ms);
  } else if (!audio.frames.empty()) {
    for (auto t = audio.frames.front().dts_ms; t <= audio.frames.back().dts_ms; t += 1000)
      starts.push_back(t);
  }
  return starts;
}

// Samples of `t` whose dts (ms) is before `end`, from index `from`; everything for the last.
std::span<const fmp4::Sample> take(const TrackIn& t, std::size_t& from, std::int64_t end,
                                   bool last) {
  const std::size_t begin = from;
  while (from < t.frames.size() && (last || t.frames[from].dts_ms < end)) ++from;
  return std::span(t.samples).subspan(begin, from - begin);
}

std::string track_json(const TrackIn& t, const fmp4::Track& track) {
  const Codec& c = *t.codec;
  auto cs = codec_string(c);
  std::string s = "{\"id\":" + std::to_string(track.id) + ",\"codec\":\"" + codec_name(c.id) +
                  "\",\"codec_string\":\"" + (cs ? *cs : "") +
                  "\",\"timescale\":" + std::to_string(t.timescale) +
                  ",\"samples\":" + std::to_string(t.samples.size());
  if (c.type == TrackType::video) {
    auto size =
        track.width ? Result<VideoSize>(VideoSize{track.width, track.height}) : video_size(c);
    if (size)
      s += ",\"width\":" + std::to_string(size->width) +
           ",\"height\":" + std::to_string(size->height);
  }
  return s + "}";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) die("usage: fmp4-dump IN.flv OUT.mp4");
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) die(std::string("cannot open ") + argv[1]);
  const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  FlvReader reader;
  std::vector<Message> messages;
  if (auto r = reader.feed(file, messages); !r) die("FLV: " + r.error().message());
  Demuxer demuxer;
  std::vector<MediaEvent> events;
  TrackIn video, audio;
  for (const auto& m : messages) {
    events.clear();
    if (auto r = demuxer.push(m, events); !r) die("demux: " + r.error().message());
    for (const auto& e : events) on_event(e, video, audio);
  }

  std::vector<fmp4::Track> tracks;
  if (video.codec) tracks.push_back({1, *video.codec});
  // VP9 configs carry no picture size: the first key frame's header has it.
  if (video.codec && video.codec->id == CodecId::vp9) {
    for (const auto& f : video.frames)
      if (auto size =
              f.key ? vp9_frame_size(f.data) : Result<VideoSize>(Error(errc::unsupported))) {
        tracks[0].width = size->width, tracks[0].height = size->height;
        break;
      }
  }
  if (audio.codec) tracks.push_back({2, *audio.codec});
  auto init = fmp4::init_segment(tracks);
  if (!init) die("init segment: " + init.error().message());
  if (video.codec) to_samples(video, fmp4::default_timescale(*video.codec));
  if (audio.codec) to_samples(audio, fmp4::default_timescale(*audio.codec));

  Bytes out(**init), fragment;
  const auto starts = fragment_starts(video, audio);
  std::size_t vi = 0, ai = 0;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const bool last = k + 1 == starts.size();
    const std::int64_t end = last ? 0 : starts[k + 1];
    const fmp4::Run runs[] = {{1, take(video, vi, end, last)}, {2, take(audio, ai, end, last)}};
    fragment.clear();
    fmp4::write_fragment(static_cast<std::uint32_t>(k + 1), runs, fragment);
    out.insert(out.end(), fragment.begin(), fragment.end());
  }

  std::ofstream os(argv[2], std::ios::binary);
  os.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (!os) die(std::string("cannot write ") + argv[2]);
  std::string json = "{\"fragments\":" + std::to_string(starts.size()) + ",\"tracks\":[";
  if (video.codec) json += track_json(video, tracks.front());
  if (audio.codec) json += std::string(video.codec ? "," : "") + track_json(audio, tracks.back());
  std::cout << json << "]}\n";
  return 0;
}
