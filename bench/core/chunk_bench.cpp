// Chunk stream throughput and heap allocations per message (alloc_count.hpp), in steady
// state: one decoder/encoder for the whole run, warmed up by one pass before counting.
//  - decode: 1 MiB messages in 4 KiB chunks and 4 KiB messages in 128-byte chunks; each
//    message released at once, or held in a ring of 64 (a GOP cache, a player's queue);
//  - encode (compressed headers, into a reused buffer), encode_standalone into a reused
//    buffer, and encode-once as the relay does it: one shared buffer per message
//    (Bytes + make_shared_bytes, or the pooled overload when the tree has it);
//  - decode + demux of H.264/AAC (what a playing client does per message).
// Bytes/s counts wire bytes (payload plus chunk headers).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "alloc_count.hpp"
#include "h264_gop.hpp"
#include "rtmp/core/chunk.hpp"
#include "rtmp/core/control.hpp"
#include "rtmp/media/demuxer.hpp"
#if __has_include("rtmp/core/buffer_pool.hpp")
#include "rtmp/core/buffer_pool.hpp"
#define RTMP_BENCH_HAS_POOL 1
#endif

namespace {

using rtmp::Bytes;
using rtmp::ChunkDecoder;
using rtmp::ChunkEncoder;
using rtmp::Message;

Message make(std::uint32_t csid, std::uint8_t type, std::uint32_t ts, Bytes payload) {
  return Message{csid, type, ts, 1, rtmp::make_shared_bytes(std::move(payload))};
}

// About 8 MiB of video messages on csid 6, 33 ms apart.
std::vector<Message> video_messages(std::size_t size) {
  const std::size_t count = std::max<std::size_t>(1, (8u << 20) / size);
  std::vector<Message> out;
  for (std::size_t i = 0; i < count; ++i) {
    Bytes p(size);
    for (std::size_t j = 0; j < size; ++j) p[j] = static_cast<std::uint8_t>(i + j * 31);
    out.push_back(make(rtmp::csid::video, rtmp::msg::video, static_cast<std::uint32_t>(i * 33),
                       std::move(p)));
  }
  return out;
}

std::vector<Message> h264_aac_gop() {
  return bench::h264_aac_gop();
}

Bytes encoded_stream(std::uint32_t chunk_size, const std::vector<Message>& msgs) {
  ChunkEncoder enc;
  Bytes wire;
  enc.encode(rtmp::control::set_chunk_size(chunk_size), wire);
  enc.set_chunk_size(chunk_size);
  for (const auto& m : msgs) enc.encode(m, wire);
  return wire;
}

// Decodes all of `wire`, handing each message to `sink`; false on a decode error.
template <class Sink>
bool decode_all(ChunkDecoder& dec, rtmp::ByteView in, benchmark::State& state, Sink&& sink) {
  while (!in.empty()) {
    auto s = dec.decode(in);
    if (!s) {
      state.SkipWithError(s.error().message().c_str());
      return false;
    }
    in = in.subspan(s->consumed);
    if (s->message) sink(std::move(*s->message));
  }
  return true;
}

// held = 0: each message is released at once; else the last `held` messages stay alive.
void decode(benchmark::State& state, std::size_t held) {
  const auto chunk_size = static_cast<std::uint32_t>(state.range(0));
  const auto msgs = video_messages(static_cast<std::size_t>(state.range(1)));
  const Bytes wire = encoded_stream(chunk_size, msgs);
  ChunkDecoder dec;  // the wire starts with type 0 headers: it can be fed again and again
  std::vector<Message> ring(held);
  std::size_t next = 0;
  std::uint64_t decoded = 0;
  auto sink = [&](Message&& m) {
    benchmark::DoNotOptimize(m.payload);
    ++decoded;
    if (held) ring[next++ % held] = std::move(m);
  };
  // Warm-up: until the ring is full, more buffers are out every message.
  do {
    if (!decode_all(dec, wire, state, sink)) return;
  } while (decoded < held + msgs.size());
  decoded = 0;
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    if (!decode_all(dec, wire, state, sink)) return;
  }
  state.counters["allocs_per_msg"] = bench::allocs_per(allocs_before, decoded);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
  state.counters["msgs/s"] =
      benchmark::Counter(static_cast<double>(decoded), benchmark::Counter::kIsRate);
}

void BM_ChunkDecode(benchmark::State& state) {
  decode(state, 0);
}
void BM_ChunkDecodeHold64(benchmark::State& state) {
  decode(state, 64);
}

void BM_ChunkEncode(benchmark::State& state) {
  const auto chunk_size = static_cast<std::uint32_t>(state.range(0));
  auto msgs = video_messages(static_cast<std::size_t>(state.range(1)));
  ChunkEncoder enc(chunk_size);
  Bytes out;
  std::uint32_t base = 0;
  auto pass = [&] {
    out.clear();  // keeps its capacity, as a connection's output buffer would
    for (auto& m : msgs) {
      m.timestamp += base;  // keep timestamps rising across iterations
      enc.encode(m, out);
      m.timestamp -= base;
    }
    base += static_cast<std::uint32_t>(msgs.size() * 33);
    benchmark::DoNotOptimize(out.data());
  };
  pass();
  std::size_t wire = 0;
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    pass();
    wire += out.size();
  }
  state.counters["allocs_per_msg"] =
      bench::allocs_per(allocs_before, state.iterations() * msgs.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(wire));
}

void BM_ChunkEncodeStandalone(benchmark::State& state) {
  const auto chunk_size = static_cast<std::uint32_t>(state.range(0));
  const auto msgs = video_messages(static_cast<std::size_t>(state.range(1)));
  Bytes out;
  auto pass = [&] {
    out.clear();
    for (const auto& m : msgs) ChunkEncoder::encode_standalone(m, chunk_size, out);
    benchmark::DoNotOptimize(out.data());
  };
  pass();
  std::size_t wire = 0;
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    pass();
    wire += out.size();
  }
  state.counters["allocs_per_msg"] =
      bench::allocs_per(allocs_before, state.iterations() * msgs.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(wire));
}

// Encode once into one shared buffer per message, held in a ring of 64 (players' queues).
template <class Encode>
void encode_once(benchmark::State& state, Encode&& encode) {
  const auto chunk_size = static_cast<std::uint32_t>(state.range(0));
  const auto msgs = video_messages(static_cast<std::size_t>(state.range(1)));
  std::vector<rtmp::SharedBytes> ring(64);
  std::size_t next = 0;
  std::size_t wire = 0;
  auto pass = [&] {
    for (const auto& m : msgs) {
      auto& slot = ring[next++ % ring.size()];
      slot = encode(m, chunk_size);
      wire += slot->size();
    }
  };
  while (next < ring.size() + msgs.size()) pass();  // warm-up: until the ring is full
  wire = 0;
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) pass();
  state.counters["allocs_per_msg"] =
      bench::allocs_per(allocs_before, state.iterations() * msgs.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(wire));
}

// apps/relay/packet.cpp's way: an exactly reserved Bytes, then make_shared_bytes.
void BM_ChunkEncodeOnceShared(benchmark::State& state) {
  encode_once(state, [](const Message& m, std::uint32_t chunk_size) {
    const std::size_t chunks = m.size() == 0 ? 1 : (m.size() + chunk_size - 1) / chunk_size;
    Bytes out;
    out.reserve(m.size() + 12 + (chunks - 1));
    ChunkEncoder::encode_standalone(m, chunk_size, out);
    return rtmp::make_shared_bytes(std::move(out));
  });
}

#ifdef RTMP_BENCH_HAS_POOL
void BM_ChunkEncodeOncePooled(benchmark::State& state) {
  auto pool = rtmp::BufferPool::create();
  encode_once(state, [&](const Message& m, std::uint32_t chunk_size) {
    return ChunkEncoder::encode_standalone(m, chunk_size, *pool);
  });
}
#endif

// Clears the events, through Demuxer::recycle when the tree has it.
template <class D>
void clear_events(D& demuxer, std::vector<rtmp::MediaEvent>& events) {
  if constexpr (requires { demuxer.recycle(events); })
    demuxer.recycle(events);
  else
    events.clear();
}

// Wire -> messages -> media events, as rtmp::Client does with demux on (events reused).
// The sequence headers go once, in the warm-up (parsing a config allocates its details).
void BM_ChunkDecodeDemuxH264Aac(benchmark::State& state) {
  const auto chunk_size = static_cast<std::uint32_t>(state.range(0));
  auto gop = h264_aac_gop();
  const Bytes headers =
      encoded_stream(chunk_size, std::vector<Message>(gop.begin(), gop.begin() + 2));
  const Bytes wire = encoded_stream(chunk_size, std::vector<Message>(gop.begin() + 2, gop.end()));
  ChunkDecoder dec;
  rtmp::Demuxer demuxer;
  std::vector<rtmp::MediaEvent> events;
  std::uint64_t decoded = 0;
  auto sink = [&](Message&& m) {
    clear_events(demuxer, events);
    auto r = demuxer.push(m, events);
    benchmark::DoNotOptimize(r);
    ++decoded;
  };
  if (!decode_all(dec, headers, state, sink) || !decode_all(dec, wire, state, sink)) return;
  decoded = 0;
  const std::uint64_t allocs_before = bench::allocations();
  for (auto _ : state) {
    if (!decode_all(dec, wire, state, sink)) return;
  }
  state.counters["allocs_per_msg"] = bench::allocs_per(allocs_before, decoded);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}

// {chunk size, message size}
#define CHUNK_ARGS ArgNames({"chunk", "msg"})->Args({4096, 1 << 20})->Args({128, 4096})
BENCHMARK(BM_ChunkDecode)->CHUNK_ARGS;
BENCHMARK(BM_ChunkDecodeHold64)->CHUNK_ARGS;
BENCHMARK(BM_ChunkEncode)->CHUNK_ARGS;
BENCHMARK(BM_ChunkEncodeStandalone)->CHUNK_ARGS;
BENCHMARK(BM_ChunkEncodeOnceShared)->CHUNK_ARGS;
#ifdef RTMP_BENCH_HAS_POOL
BENCHMARK(BM_ChunkEncodeOncePooled)->CHUNK_ARGS;
#endif
BENCHMARK(BM_ChunkDecodeDemuxH264Aac)->ArgNames({"chunk"})->Arg(4096)->Arg(128);

}  // namespace
