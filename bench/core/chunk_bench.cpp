// Chunk stream throughput: decode, encode (compressed headers) and encode_standalone (the
// fan-out path), for 1 MiB messages in 4 KiB chunks and 4 KiB messages in 128-byte chunks.
// Bytes/s counts wire bytes (payload plus chunk headers).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "rtmp/core/chunk.hpp"
#include "rtmp/core/control.hpp"

namespace {

using rtmp::Bytes;
using rtmp::ChunkDecoder;
using rtmp::ChunkEncoder;
using rtmp::Message;

// About 8 MiB of video messages on csid 6, 33 ms apart.
std::vector<Message> video_messages(std::size_t size) {
  const std::size_t count = std::max<std::size_t>(1, (8u << 20) / size);
  std::vector<Message> out;
  for (std::size_t i = 0; i < count; ++i) {
    Bytes p(size);
    for (std::size_t j = 0; j < size; ++j) p[j] = static_cast<std::uint8_t>(i + j * 31);
    out.push_back(Message{rtmp::csid::video, rtmp::msg::video, static_cast<std::uint32_t>(i * 33),
                          1, rtmp::make_shared_bytes(std::move(p))});
  }
  return out;
}

Bytes encoded_stream(std::uint32_t chunk_size, const std::vector<Message>& msgs) {
  ChunkEncoder enc;
  Bytes wire;
  enc.encode(rtmp::control::set_chunk_size(chunk_size), wire);
  enc.set_chunk_size(chunk_size);
  for (const auto& m : msgs) enc.encode(m, wire);
  return wire;
}

void BM_ChunkDecode(benchmark::State& state) {
  const auto chunk_size = static_cast<std::uint32_t>(state.range(0));
  const auto msgs = video_messages(static_cast<std::size_t>(state.range(1)));
  const Bytes wire = encoded_stream(chunk_size, msgs);
  std::size_t decoded = 0;
  for (auto _ : state) {
    ChunkDecoder dec;
    rtmp::ByteView in(wire);
    while (!in.empty()) {
      auto s = dec.decode(in);
      if (!s) {
        state.SkipWithError(s.error().message().c_str());
        return;
      }
      in = in.subspan(s->consumed);
      if (s->message) {
        benchmark::DoNotOptimize(s->message->payload);
        ++decoded;
      }
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
  state.counters["msgs/s"] =
      benchmark::Counter(static_cast<double>(decoded), benchmark::Counter::kIsRate);
}

void BM_ChunkEncode(benchmark::State& state) {
  const auto chunk_size = static_cast<std::uint32_t>(state.range(0));
  auto msgs = video_messages(static_cast<std::size_t>(state.range(1)));
  ChunkEncoder enc(chunk_size);
  Bytes out;
  std::size_t wire = 0;
  std::uint32_t base = 0;
  for (auto _ : state) {
    out.clear();  // keeps its capacity, as a connection's output buffer would
    for (auto& m : msgs) {
      m.timestamp += base;  // keep timestamps rising across iterations
      enc.encode(m, out);
      m.timestamp -= base;
    }
    base += static_cast<std::uint32_t>(msgs.size() * 33);
    wire += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(wire));
}

void BM_ChunkEncodeStandalone(benchmark::State& state) {
  const auto chunk_size = static_cast<std::uint32_t>(state.range(0));
  const auto msgs = video_messages(static_cast<std::size_t>(state.range(1)));
  Bytes out;
  std::size_t wire = 0;
  for (auto _ : state) {
    out.clear();
    for (const auto& m : msgs) ChunkEncoder::encode_standalone(m, chunk_size, out);
    wire += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(wire));
}

// {chunk size, message size}
#define CHUNK_ARGS ArgNames({"chunk", "msg"})->Args({4096, 1 << 20})->Args({128, 4096})
BENCHMARK(BM_ChunkDecode)->CHUNK_ARGS;
BENCHMARK(BM_ChunkEncode)->CHUNK_ARGS;
BENCHMARK(BM_ChunkEncodeStandalone)->CHUNK_ARGS;

}  // namespace
