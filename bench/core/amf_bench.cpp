// AMF0 decode/encode throughput on the two messages every session sees: FFmpeg's connect
// command and an @setDataFrame/onMetaData data message. Reported as bytes/s (MB/s) and heap
// allocations per message (decoding builds amf::Values, so it allocates; encoding into a
// reused buffer should not).
#include "alloc_count.hpp"
#include "rtmp/core/amf.hpp"

#include <benchmark/benchmark.h>

namespace {

using namespace rtmp;
using amf::Value;

std::vector<Value> connect_values() {
  return {"connect", 1,
          Value::object({
              {"app", "live"},
              {"flashVer", "LNX 9,0,124,2"},
              {"tcUrl", "rtmp://localhost:1935/live"},
              {"fpad", false},
              {"capabilities", 15},
              {"audioCodecs", 4071},
              {"videoCodecs", 252},
              {"videoFunction", 1},
          })};
}

std::vector<Value> metadata_values() {
  return {"@setDataFrame", "onMetaData",
          Value::ecma_array({
              {"duration", 0},
              {"width", 1920},
              {"height", 1080},
              {"videodatarate", 6000},
              {"framerate", 30},
              {"videocodecid", 7},
              {"audiodatarate", 160},
              {"audiosamplerate", 48000},
              {"audiosamplesize", 16},
              {"stereo", true},
              {"audiocodecid", 10},
              {"encoder", "Lavf60.16.100"},
              {"filesize", 0},
          })};
}

Bytes wire(const std::vector<Value>& values) {
  Bytes out;
  amf::encode_amf0_all(values, out);
  return out;
}

void decode(benchmark::State& state, const std::vector<Value>& values) {
  const Bytes body = wire(values);
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    auto v = amf::decode_amf0_all(body);
    benchmark::DoNotOptimize(v);
  }
  state.counters["allocs_per_msg"] = bench::allocs_per(allocs_before, state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

void encode(benchmark::State& state, const std::vector<Value>& values) {
  const std::size_t size = wire(values).size();
  Bytes out;
  out.reserve(size);
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    out.clear();  // keeps capacity, as a session reusing its output buffer would
    amf::encode_amf0_all(values, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["allocs_per_msg"] = bench::allocs_per(allocs_before, state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void BM_AmfDecodeConnect(benchmark::State& s) {
  decode(s, connect_values());
}
void BM_AmfEncodeConnect(benchmark::State& s) {
  encode(s, connect_values());
}
void BM_AmfDecodeOnMetaData(benchmark::State& s) {
  decode(s, metadata_values());
}
void BM_AmfEncodeOnMetaData(benchmark::State& s) {
  encode(s, metadata_values());
}

// The same connect object as a Flash Player sends it with objectEncoding 3 (type 17 body).
void BM_Amf3DecodeConnect(benchmark::State& state) {
  std::vector<Value> values = connect_values();
  values[2] = Value::avmplus(values[2]);
  Bytes body;
  amf::encode_command_amf3(values, body);
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    auto v = amf::decode_command_amf3(body);
    benchmark::DoNotOptimize(v);
  }
  state.counters["allocs_per_msg"] = bench::allocs_per(allocs_before, state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

BENCHMARK(BM_AmfDecodeConnect);
BENCHMARK(BM_AmfEncodeConnect);
BENCHMARK(BM_AmfDecodeOnMetaData);
BENCHMARK(BM_AmfEncodeOnMetaData);
BENCHMARK(BM_Amf3DecodeConnect);

}  // namespace
