// Demux / mux / FLV read throughput for H.264 + AAC-like traffic, and heap allocations per
// message (alloc_count.hpp; -1 if another operator new is linked in).
#include "alloc_count.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/muxer.hpp"

#include <benchmark/benchmark.h>

namespace {

using rtmp::Bytes;
using rtmp::Message;

Message make(std::uint8_t type, std::uint32_t ts, Bytes payload) {
  Message m;
  m.type = type;
  m.csid = type == rtmp::msg::audio ? rtmp::csid::audio : rtmp::csid::video;
  m.timestamp = ts;
  m.stream_id = 1;
  m.payload = rtmp::make_shared_bytes(std::move(payload));
  return m;
}

void add_nal(Bytes& b, std::size_t n, std::uint8_t header) {
  b.insert(b.end(), {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                     static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  b.push_back(header);
  for (std::size_t i = 1; i < n; ++i) b.push_back(static_cast<std::uint8_t>(i * 131));
}

// One 2 s GOP at 30 fps (~1 Mb/s): IDR of 4 NAL units (AUD, SEI, 2 slices), P/B frames of
// 2 units (AUD, slice), AAC frames of 200 bytes at 43/s, after the two sequence headers.
std::vector<Message> gop() {
  std::vector<Message> out;
  out.push_back(make(rtmp::msg::video, 0,
                     {0x17, 0,    0,    0,    0,    0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1,
                      0x00, 0x04, 0x67, 0x64, 0x00, 0x1F, 0x01, 0x00, 0x02, 0x68, 0xEE}));
  out.push_back(make(rtmp::msg::audio, 0, {0xAF, 0x00, 0x12, 0x10}));
  for (int f = 0; f < 60; ++f) {
    Bytes v = {static_cast<std::uint8_t>(f == 0 ? 0x17 : 0x27), 0x01, 0x00, 0x00, 0x21};
    add_nal(v, 2, 0x09);
    if (f == 0) {
      add_nal(v, 40, 0x06);
      add_nal(v, 12000, 0x65);
      add_nal(v, 12000, 0x65);
    } else {
      add_nal(v, 3000, 0x41);
    }
    out.push_back(make(rtmp::msg::video, static_cast<std::uint32_t>(f * 33), std::move(v)));
    if (f % 7 != 0) {
      Bytes a = {0xAF, 0x01};
      a.resize(200, 0x5A);
      out.push_back(make(rtmp::msg::audio, static_cast<std::uint32_t>(f * 33), std::move(a)));
    }
  }
  return out;
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
