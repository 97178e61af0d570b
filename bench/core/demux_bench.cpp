// Demux / mux / FLV read throughput for H.264 + AAC-like traffic, and heap allocations per
// message (alloc_count.hpp; -1 if another operator new is linked in).
#include "alloc_count.hpp"
#include "h264_gop.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/muxer.hpp"

#include <benchmark/benchmark.h>

namespace {

using rtmp::Bytes;
using rtmp::Message;

// The shared GOP with 3000-byte P slices.
std::vector<Message> gop() {
  return bench::h264_aac_gop(3000);
}

std::size_t total_bytes(const std::vector<Message>& ms) {
  std::size_t n = 0;
  for (const auto& m : ms) n += m.size();
  return n;
}

void BM_DemuxH264Aac(benchmark::State& state) {
  const auto msgs = gop();
  rtmp::Demuxer demuxer;
  std::vector<rtmp::MediaEvent> events;
  events.reserve(4);
  std::uint64_t messages = 0;
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    for (const auto& m : msgs) {
      demuxer.recycle(events);  // keeps the NAL lists: steady state allocates nothing
      auto r = demuxer.push(m, events);
      benchmark::DoNotOptimize(r);
      ++messages;
    }
  }
  events.clear();
  state.counters["allocs_per_msg"] = bench::allocs_per(allocs_before, messages);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes(msgs)));
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
}
BENCHMARK(BM_DemuxH264Aac);

void BM_MuxH264Aac(benchmark::State& state) {
  const auto msgs = gop();
  rtmp::Demuxer demuxer;
  std::vector<rtmp::MediaEvent> events;
  for (const auto& m : msgs) (void)demuxer.push(m, events);
  std::uint64_t messages = 0;
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    for (const auto& e : events) {
      Message m = rtmp::Muxer::mux(e);
      benchmark::DoNotOptimize(m);
      ++messages;
    }
  }
  state.counters["allocs_per_msg"] = bench::allocs_per(allocs_before, messages);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes(msgs)));
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
}
BENCHMARK(BM_MuxH264Aac);

void BM_FlvRead(benchmark::State& state) {
  const auto msgs = gop();
  Bytes file;
  rtmp::FlvWriter::header(file, true, true);
  for (const auto& m : msgs) (void)rtmp::FlvWriter::tag(file, m);
  std::vector<Message> tags;
  tags.reserve(msgs.size());
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    tags.clear();
    rtmp::FlvReader reader;
    auto r = reader.feed(file, tags);
    benchmark::DoNotOptimize(r);
  }
  tags.clear();
  state.counters["allocs_per_msg"] =
      bench::allocs_per(allocs_before, state.iterations() * msgs.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file.size()));
}
BENCHMARK(BM_FlvRead);

}  // namespace
