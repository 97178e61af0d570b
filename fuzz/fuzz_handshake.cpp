// Feeds arbitrary bytes to a ServerHandshake or a ClientHandshake in pieces and checks
// the feed/drain contract.
//
// Input: one control byte, then the peer's bytes.
//   bit 7     0: server (input is C0 C1 C2 ...), 1: client (input is S0 S1 S2 ...)
//   bit 6     client only: simple C1 instead of a digest C1
//   bits 0-5  piece size: 0 = whole input, 1-31 = that many bytes, 32-63 = (n - 31) * 128
// Random bytes come from a counter, so a recorded S0S1S2 seed stays valid for the client.
#include "rtmp/core/handshake.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

rtmp::RandomSource counting() {
  return [n = std::uint8_t{0}](std::span<std::uint8_t> out) mutable {
    for (auto& b : out) b = n++;
  };
}

void check(bool ok) {
  if (!ok) std::abort();
}

template <class Hs>
void run(Hs& hs, const std::uint8_t* data, std::size_t size, std::size_t piece) {
  std::size_t at = 0;
  while (at < size) {
    const std::size_t n = piece < size - at ? piece : size - at;
    const bool was_done = hs.done();
    auto r = hs.feed(rtmp::ByteView(data + at, n));
    if (!r) {
      check(r.error().code == rtmp::errc::handshake_failed && !r.error().detail.empty());
      check(!hs.feed(rtmp::ByteView(data + at, n)).has_value());  // sticky
      return;
    }
    check(*r <= n);
    if (was_done) check(*r == 0);
    if (!hs.done()) check(*r == n);  // never stops early while it still needs bytes
    check(hs.output().size() <= 1 + 2 * rtmp::handshake_packet_size);
    // Drain part of the output to exercise consume_output.
    hs.consume_output(n);
    at += n;
    if (hs.done() && *r < n) return;  // the rest belongs to the chunk stream
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t ctl = data[0];
  ++data;
  --size;
  const unsigned s = ctl & 0x3F;
  const std::size_t piece = s == 0 ? (size ? size : 1) : s < 32 ? s : (s - 31) * 128;
  if (ctl & 0x80) {
    rtmp::ClientHandshake hs(counting(), (ctl & 0x40) == 0);
    check(hs.output().size() == 1 + rtmp::handshake_packet_size);
    hs.consume_output(hs.output().size());
    run(hs, data, size, piece);
    if (hs.done()) check(hs.output().size() <= rtmp::handshake_packet_size);
  } else {
    rtmp::ServerHandshake hs(counting());
    run(hs, data, size, piece);
    if (hs.done()) check(hs.digest() == (hs.scheme() >= 0));
  }
  return 0;
}
