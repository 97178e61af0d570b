// RTMP handshake (C0 C1 C2 / S0 S1 S2), sans-IO, for both sides.
//
// Two flavours are spoken on the wire:
//  - simple (RTMP spec 1.0, 5.2): C1/S1 = time, four zero bytes, 1528 random bytes;
//    C2/S2 echo the peer's packet.
//  - digest ("complex", Flash Player 9+, FFmpeg, OBS, librtmp): C1/S1 carry an
//    HMAC-SHA256 digest at a position derived from the packet itself, and C2/S2 end
//    with an HMAC keyed from the peer's digest.
// RTMPE (C0 = 6, 8 or 9) is refused.
//
// Usage (server):
//   ServerHandshake hs{system_random()};
//   auto n = hs.feed(bytes);           // error -> close the connection
//   send(hs.output()); hs.consume_output(sent);
//   if (hs.done()) chunk_decoder.feed(bytes.subspan(*n));
//
// Thread safety: none; one object per connection.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/error.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

namespace rtmp {

// Size of C1, C2, S1, S2.
inline constexpr std::size_t handshake_packet_size = 1536;
// The only RTMP version byte (C0/S0) we speak.
inline constexpr std::uint8_t handshake_version = 3;

// Fills the span with random bytes. Injected so tests are deterministic; the handshake
// random need not be cryptographically strong (spec 5.2.3), but system_random() is.
using RandomSource = std::function<void(std::span<std::uint8_t>)>;

// OpenSSL RAND_bytes (falls back to std::random_device if the DRBG fails).
RandomSource system_random();

// Collects one 1536-byte handshake packet from input that may arrive in any pieces.
class HandshakePacket {
 public:
  // Takes what the packet still needs from in[used...], advancing `used`; true once the
  // packet is complete (it is then in view() until the next fill()).
  bool fill(ByteView in, std::size_t& used) noexcept {
    if (len_ == data_.size()) len_ = 0;
    const std::size_t take = std::min(data_.size() - len_, in.size() - used);
    std::copy_n(in.data() + used, take, data_.data() + len_);
    len_ += take;
    used += take;
    return len_ == data_.size();
  }
  ByteView view() const noexcept { return ByteView(data_); }

 private:
  std::array<std::uint8_t, handshake_packet_size> data_{};
  std::size_t len_ = 0;
};

// Server side: reads C0 C1 C2, writes S0 S1 S2.
class ServerHandshake {
 public:
  // `random` fills S1/S2 (an empty function means system_random()). `epoch_ms` is the
  // server's time field in S1 and the time2 field of a simple S2.
  explicit ServerHandshake(RandomSource random, std::uint32_t epoch_ms = 0);

  // Consumes at most what the handshake still needs (C0+C1, then C2) and returns how
  // many bytes it took; the rest of `in` belongs to the chunk stream. Resumable at any
  // byte: a truncated packet just waits for more. `in` is only read during the call.
  // Errors (sticky: later calls return the same error): errc::handshake_failed when C0
  // is not 3 (the detail names RTMPE for 6/8/9).
  Result<std::size_t> feed(ByteView in);

  // S0+S1+S2 (3073 bytes), queued at once when C0+C1 are in; empty before. The view is
  // valid until the next call to feed() or consume_output().
  ByteView output() const noexcept { return ByteView(out_).subspan(out_pos_, out_len_ - out_pos_); }
  // Marks the first `n` bytes of output() as sent (clamped to its size).
  void consume_output(std::size_t n) noexcept;

  // C2 received: the chunk stream starts with the next byte.
  bool done() const noexcept { return state_ == State::done; }
  // The client's C1 carried a valid digest and we answered with the digest handshake.
  bool digest() const noexcept { return scheme_ >= 0; }
  // 0 (digest offset from C1 bytes 772-775) or 1 (from bytes 8-11) when digest(), else -1.
  int scheme() const noexcept { return scheme_; }
  // C2 echoed S1 or (digest handshake) carried a valid signature. Not enforced: many
  // clients send garbage C2. Meaningful once done().
  bool c2_matched() const noexcept { return c2_matched_; }

 private:
  enum class State { c0, c1, c2, done, failed };
  Result<std::size_t> fail(Error e);
  Result<void> on_c1();
  void on_c2();

  RandomSource random_;
  std::uint32_t epoch_ms_;
  State state_ = State::c0;
  int scheme_ = -1;
  bool c2_matched_ = false;
  std::optional<Error> error_;
  HandshakePacket in_;                                             // C1, then C2
  std::array<std::uint8_t, 32> c2_key_{};                          // HMAC(FP full key, S1 digest)
  std::array<std::uint8_t, 1 + 2 * handshake_packet_size> out_{};  // S0 S1 S2
  std::size_t out_len_ = 0;
  std::size_t out_pos_ = 0;
};

// Client side: writes C0 C1 at once, reads S0 S1 S2, writes C2.
class ClientHandshake {
 public:
  // `random` fills C1/C2 (an empty function means system_random()). With `use_digest`
  // C1 carries a Flash Player digest (version 9.0.124.2) as FFmpeg sends it, placed by
  // `digest_scheme` (1: offset from bytes 8-11, FFmpeg's and librtmp's default; 0: from
  // bytes 772-775); otherwise C1 is simple. `epoch_ms` is the time field of C1.
  explicit ClientHandshake(RandomSource random, bool use_digest = true, std::uint32_t epoch_ms = 0,
                           int digest_scheme = 1);

  // C0+C1 from construction; C2 is appended once S0+S1 are in. The view is valid until
  // the next call to feed() or consume_output().
  ByteView output() const noexcept { return ByteView(out_).subspan(out_pos_, out_len_ - out_pos_); }
  void consume_output(std::size_t n) noexcept;

  // Consumes at most what is left of S0+S1+S2 and returns how many bytes it took; the
  // rest belongs to the chunk stream. Resumable at any byte. Errors (sticky):
  // errc::handshake_failed when S0 is not 3.
  Result<std::size_t> feed(ByteView in);

  // S2 received and C2 queued.
  bool done() const noexcept { return state_ == State::done; }
  // S1 carried a valid Flash Media Server digest (either scheme). With use_digest, C2 is
  // then signed; otherwise C2 echoes S1.
  bool server_digest() const noexcept { return server_scheme_ >= 0; }
  // S2 echoed C1 or (digest handshake) carried a valid signature. Not enforced.
  // Meaningful once done().
  bool s2_matched() const noexcept { return s2_matched_; }

 private:
  enum class State { s0, s1, s2, done, failed };
  Result<std::size_t> fail(Error e);
  Result<void> on_s1();
  void on_s2();

  RandomSource random_;
  State state_ = State::s0;
  int c1_digest_pos_ = -1;  // offset of our digest inside C1, -1 for a simple C1
  int server_scheme_ = -1;
  bool s2_matched_ = false;
  std::optional<Error> error_;
  HandshakePacket in_;                                             // S1, then S2
  std::array<std::uint8_t, 1 + 2 * handshake_packet_size> out_{};  // C0 C1 C2
  std::size_t out_len_ = 0;
  std::size_t out_pos_ = 0;
};

}  // namespace rtmp
