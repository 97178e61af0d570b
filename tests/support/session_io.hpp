// Sans-IO session plumbing for tests: a deterministic random source for handshakes and a
// drain that takes everything a session queued.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/core/handshake.hpp"
#include "rtmp/core/output_queue.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rtmp::test {

// Deterministic random source: seed, seed+1, ... (mod 256), continuing across calls, so two
// runs of a test produce the same handshake bytes.
inline RandomSource counting_random(std::uint8_t seed = 0) {
  return [seed](std::span<std::uint8_t> out) mutable {
    for (auto& b : out) b = seed++;
  };
}

// Copies out and consumes all queued output of `q`.
inline Bytes drain(OutputQueue& q) {
  Bytes all;
  std::vector<ByteView> views;
  q.views(views, static_cast<std::size_t>(-1));
  for (auto v : views) all.insert(all.end(), v.begin(), v.end());
  q.consume(all.size());
  return all;
}

// Copies out and consumes the pending output of a handshake (ServerHandshake or
// ClientHandshake).
template <class Handshake>
Bytes drain_handshake(Handshake& hs) {
  Bytes b(hs.output().begin(), hs.output().end());
  hs.consume_output(b.size());
  return b;
}

}  // namespace rtmp::test
