// The HLS muxers: fMP4 fragments (moof + mdat) and MPEG-TS, MB/s of media per core and heap
// allocations per frame in steady state (the caller's output buffer is reused, as the HLS
// segmenter does).
#include "alloc_count.hpp"
#include "h264_gop.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/fmp4.hpp"
#include "rtmp/media/ts_muxer.hpp"

#include <benchmark/benchmark.h>

#include <variant>

namespace {

using rtmp::Bytes;

std::vector<rtmp::MediaEvent> gop_events() {
  rtmp::Demuxer demuxer;
  std::vector<rtmp::MediaEvent> events;
  for (const auto& m : bench::h264_aac_gop(3000)) (void)demuxer.push(m, events);
  return events;
}

// One GOP as fMP4 samples per track (video 90 kHz, audio 48 kHz), durations from the next dts.
struct Fmp4Gop {
  std::vector<rtmp::fmp4::Sample> video, audio;
  std::size_t bytes = 0;
};

Fmp4Gop fmp4_gop(const std::vector<rtmp::MediaEvent>& events) {
  Fmp4Gop g;
  for (const auto& e : events) {
    if (const auto* v = std::get_if<rtmp::VideoSample>(&e)) {
      g.video.push_back({v->dts * 90, static_cast<std::int32_t>((v->pts - v->dts) * 90), 2970,
                         v->keyframe, v->data});
      g.bytes += v->data.size();
    } else if (const auto* a = std::get_if<rtmp::AudioSample>(&e)) {
      g.audio.push_back({a->timestamp * 48, 0, 1024, true, a->data});
      g.bytes += a->data.size();
    }
  }
  return g;
}

void BM_Fmp4Fragment(benchmark::State& state) {
  const auto events = gop_events();
  const auto g = fmp4_gop(events);
  const rtmp::fmp4::Run runs[] = {{1, g.video}, {2, g.audio}};
  Bytes out;
  std::uint32_t seq = 1;
  rtmp::fmp4::write_fragment(seq++, runs, out);  // grows `out` once
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    out.clear();
    rtmp::fmp4::write_fragment(seq++, runs, out);
    benchmark::DoNotOptimize(out.data());
  }
  const auto frames = state.iterations() * (g.video.size() + g.audio.size());
  state.counters["allocs_per_frame"] = bench::allocs_per(allocs_before, frames);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(frames));
}
BENCHMARK(BM_Fmp4Fragment);

void BM_TsMux(benchmark::State& state) {
  const auto events = gop_events();
  rtmp::ts::Muxer muxer;
  std::size_t bytes = 0, frames_per_gop = 0;
  for (const auto& e : events) {
    if (const auto* c = std::get_if<rtmp::Codec>(&e)) (void)muxer.set_codec(*c);
    if (const auto* v = std::get_if<rtmp::VideoSample>(&e))
      bytes += v->data.size(), ++frames_per_gop;
    if (const auto* a = std::get_if<rtmp::AudioSample>(&e))
      bytes += a->data.size(), ++frames_per_gop;
  }
  Bytes out;
  auto mux_gop = [&] {
    out.clear();
    muxer.write_tables(out);
    for (const auto& e : events) {
      if (const auto* v = std::get_if<rtmp::VideoSample>(&e)) muxer.write_video(*v, out);
      if (const auto* a = std::get_if<rtmp::AudioSample>(&e)) muxer.write_audio(*a, out);
    }
  };
  mux_gop();  // grows `out` and the muxer's scratch once
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    mux_gop();
    benchmark::DoNotOptimize(out.data());
  }
  const auto frames = state.iterations() * frames_per_gop;
  state.counters["allocs_per_frame"] = bench::allocs_per(allocs_before, frames);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(frames));
}
BENCHMARK(BM_TsMux);

}  // namespace
