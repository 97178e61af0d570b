#include "rtmp/core/handshake.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>

namespace rtmp {
namespace {

constexpr std::size_t packet_size = handshake_packet_size;
constexpr std::size_t digest_size = 32;  // SHA-256
using Digest = std::array<std::uint8_t, digest_size>;

// The digest handshake's keys are protocol constants (Flash Player / Flash Media Server,
// as in FFmpeg rtmpproto.c and librtmp handshake.h): an ASCII name followed by a fixed
// 32-byte tail. The name alone signs C1 (player) and S1 (server); the full key derives
// the key that signs C2 (player) and S2 (server).
constexpr std::uint8_t key_tail[32] = {
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

template <std::size_t N>
constexpr std::array<std::uint8_t, N - 1 + sizeof key_tail> make_key(const char (&name)[N]) {
  std::array<std::uint8_t, N - 1 + sizeof key_tail> k{};
  for (std::size_t i = 0; i + 1 < N; ++i) k[i] = static_cast<std::uint8_t>(name[i]);
  for (std::size_t i = 0; i < sizeof key_tail; ++i) k[N - 1 + i] = key_tail[i];
  return k;
}

constexpr auto fp_key = make_key("Genuine Adobe Flash Player 001");         // 62 bytes
constexpr auto fms_key = make_key("Genuine Adobe Flash Media Server 001");  // 68 bytes
static_assert(fp_key.size() == 62 && fms_key.size() == 68);
const ByteView fp_key_full(fp_key);
const ByteView fp_key_name = fp_key_full.first(30);
const ByteView fms_key_full(fms_key);
const ByteView fms_key_name = fms_key_full.first(36);

// C1 version field FFmpeg and Flash Player 9 send (FFmpeg's RTMP_CLIENT_VER1..4).
constexpr std::uint8_t client_version[4] = {9, 0, 124, 2};
// S1 version field. FFmpeg (as a player) checks the S1/S2 digests only when the first
// byte is >= 3, so a digest S1 must claim an FMS 3+ version.
constexpr std::uint8_t server_version[4] = {3, 5, 1, 1};

std::uint32_t get_u32(ByteView p, std::size_t at) {
  return (std::uint32_t{p[at]} << 24) | (std::uint32_t{p[at + 1]} << 16) |
         (std::uint32_t{p[at + 2]} << 8) | std::uint32_t{p[at + 3]};
}
void put_u32(std::span<std::uint8_t> p, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) p[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

bool hmac_sha256(ByteView key, ByteView data, Digest& out) {
  unsigned int len = 0;
  return HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
              out.data(), &len) != nullptr &&
         len == digest_size;
}

bool same(ByteView a, ByteView b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Where the digest sits in a C1/S1. The 4 bytes at 772-775 (scheme 0) or 8-11 (scheme 1)
// are summed; the digest lies in the 728 bytes after them (FFmpeg ff_rtmp_calc_digest_pos).
std::size_t digest_offset(ByteView packet, int scheme) {
  const std::size_t base = scheme == 0 ? 772 : 8;
  const unsigned sum =
      unsigned{packet[base]} + packet[base + 1] + packet[base + 2] + packet[base + 3];
  return sum % 728 + base + 4;
}

// HMAC of the packet with the 32 digest bytes at `pos` left out.
bool packet_digest(ByteView packet, std::size_t pos, ByteView key, Digest& out) {
  std::array<std::uint8_t, packet_size - digest_size> joined;
  std::memcpy(joined.data(), packet.data(), pos);
  std::memcpy(joined.data() + pos, packet.data() + pos + digest_size,
              packet_size - pos - digest_size);
  return hmac_sha256(key, joined, out);
}

// Which scheme's digest verifies with `key`, or -1. Scheme 1 first: FFmpeg, OBS (librtmp)
// and Flash Player put it there unless they do RTMPE.
int find_digest(ByteView packet, ByteView key) {
  for (int scheme : {1, 0}) {
    const std::size_t pos = digest_offset(packet, scheme);
    Digest d;
    if (packet_digest(packet, pos, key, d) && same(d, packet.subspan(pos, digest_size)))
      return scheme;
  }
  return -1;
}

// Writes the digest into a filled C1/S1; returns its offset, or -1 if HMAC failed.
int write_digest(std::span<std::uint8_t> packet, int scheme, ByteView key) {
  const std::size_t pos = digest_offset(packet, scheme);
  Digest d;
  if (!packet_digest(packet, pos, key, d)) return -1;
  std::memcpy(packet.data() + pos, d.data(), digest_size);
  return static_cast<int>(pos);
}

// C2/S2 of the digest handshake: the last 32 bytes are HMAC(HMAC(full key, peer's
// digest), the first 1504 bytes).
bool tail_signature(ByteView packet, ByteView full_key, ByteView peer_digest, Digest& out) {
  Digest key;
  return hmac_sha256(full_key, peer_digest, key) &&
         hmac_sha256(key, packet.first(packet_size - digest_size), out);
}

// C2/S2 "echo": same time and random field as the packet it answers (spec 5.2.4); time2
// (bytes 4-7) may differ.
bool is_echo(ByteView reply, ByteView sent) {
  return same(reply.first(4), sent.first(4)) && same(reply.subspan(8), sent.subspan(8));
}

std::optional<Error> check_version(std::uint8_t v, const char* what) {
  if (v == handshake_version) return std::nullopt;
  // 6 is RTMPE, 8 and 9 its XTEA and Blowfish variants (FFmpeg rtmpcrypt.c).
  if (v == 6 || v == 8 || v == 9)
    return Error(errc::handshake_failed, std::string(what) + " version " + std::to_string(v) +
                                             " is RTMPE: encryption is not supported");
  return Error(errc::handshake_failed,
               std::string(what) + " version " + std::to_string(v) + " is not 3");
}

const Error hmac_error(errc::handshake_failed, "HMAC-SHA256 failed (OpenSSL)");

}  // namespace

RandomSource system_random() {
  return [](std::span<std::uint8_t> out) {
    while (!out.empty()) {
      const std::size_t n = std::min<std::size_t>(out.size(), 1 << 20);
      if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
        // The handshake random only has to be unpredictable-ish (spec 5.2.3); never stall.
        std::random_device rd;
        for (auto& b : out) b = static_cast<std::uint8_t>(rd());
        return;
      }
      out = out.subspan(n);
    }
  };
}

// ---------------------------------------------------------------------------------------
// Server

ServerHandshake::ServerHandshake(RandomSource random, std::uint32_t epoch_ms)
    : random_(random ? std::move(random) : system_random()), epoch_ms_(epoch_ms) {}

Result<std::size_t> ServerHandshake::fail(Error e) {
  state_ = State::failed;
  error_ = e;
  return e;
}

void ServerHandshake::consume_output(std::size_t n) noexcept {
  out_pos_ += std::min(n, out_len_ - out_pos_);
}

Result<std::size_t> ServerHandshake::feed(ByteView in) {
  if (state_ == State::failed) return *error_;
  std::size_t used = 0;
  while (used < in.size() && state_ != State::done) {
    if (state_ == State::c0) {
      if (auto e = check_version(in[used], "C0")) return fail(std::move(*e));
      ++used;
      state_ = State::c1;
      continue;
    }
    if (!in_.fill(in, used)) break;
    if (state_ == State::c1) {
      if (auto r = on_c1(); !r) return fail(r.error());
      state_ = State::c2;
    } else {
      on_c2();
      state_ = State::done;
    }
  }
  return used;
}

Result<void> ServerHandshake::on_c1() {
  const ByteView c1 = in_.view();
  // A simple C1 has zero in bytes 4-7 (spec 5.2.3); digest clients put their version
  // there. A C1 whose digest does not verify is answered simple, as nginx-rtmp does.
  scheme_ = get_u32(c1, 4) != 0 ? find_digest(c1, fp_key_name) : -1;

  const std::span<std::uint8_t> s1(out_.data() + 1, packet_size);
  const std::span<std::uint8_t> s2(out_.data() + 1 + packet_size, packet_size);
  out_[0] = handshake_version;
  put_u32(s1, 0, epoch_ms_);
  random_(s1.subspan(8));
  if (scheme_ < 0) {
    put_u32(s1, 4, 0);
    // S2 echoes C1's time and random; time2 is when we read C1 (spec 5.2.4).
    std::memcpy(s2.data(), c1.data(), packet_size);
    put_u32(s2, 4, epoch_ms_);
  } else {
    std::memcpy(s1.data() + 4, server_version, 4);
    // Answer in the client's scheme: Flash Player rejects an S1 signed in the other one.
    const int s1_pos = write_digest(s1, scheme_, fms_key_name);
    if (s1_pos < 0) return hmac_error;
    random_(s2.first(packet_size - digest_size));
    Digest sig;
    const ByteView c1_digest = c1.subspan(digest_offset(c1, scheme_), digest_size);
    if (!tail_signature(s2, fms_key_full, c1_digest, sig)) return hmac_error;
    std::memcpy(s2.data() + packet_size - digest_size, sig.data(), digest_size);
    // C2 is then signed with a key derived from our S1 digest; keep it to check C2.
    if (!hmac_sha256(fp_key_full, ByteView(s1).subspan(s1_pos, digest_size), c2_key_))
      return hmac_error;
  }
  out_len_ = out_.size();
  return {};
}

void ServerHandshake::on_c2() {
  const ByteView c2 = in_.view();
  const ByteView s1(out_.data() + 1, packet_size);
  // Recorded, not enforced: FFmpeg publishing echoes S1 even after a digest C1, and
  // several encoders send C2 garbage.
  c2_matched_ = is_echo(c2, s1);
  if (!c2_matched_ && digest()) {
    Digest d;
    c2_matched_ = hmac_sha256(c2_key_, c2.first(packet_size - digest_size), d) &&
                  same(d, c2.last(digest_size));
  }
}

// ---------------------------------------------------------------------------------------
// Client

ClientHandshake::ClientHandshake(RandomSource random, bool use_digest, std::uint32_t epoch_ms,
                                 int digest_scheme)
    : random_(random ? std::move(random) : system_random()) {
  const std::span<std::uint8_t> c1(out_.data() + 1, packet_size);
  out_[0] = handshake_version;
  put_u32(c1, 0, epoch_ms);
  random_(c1.subspan(8));
  if (use_digest) {
    std::memcpy(c1.data() + 4, client_version, 4);
    // An HMAC failure leaves a simple-looking C1 with a bad digest: servers answer it
    // simple, and so do we.
    c1_digest_pos_ = write_digest(c1, digest_scheme == 0 ? 0 : 1, fp_key_name);
  } else {
    put_u32(c1, 4, 0);
  }
  out_len_ = 1 + packet_size;
}

Result<std::size_t> ClientHandshake::fail(Error e) {
  state_ = State::failed;
  error_ = e;
  return e;
}

void ClientHandshake::consume_output(std::size_t n) noexcept {
  out_pos_ += std::min(n, out_len_ - out_pos_);
}

Result<std::size_t> ClientHandshake::feed(ByteView in) {
  if (state_ == State::failed) return *error_;
  std::size_t used = 0;
  while (used < in.size() && state_ != State::done) {
    if (state_ == State::s0) {
      if (auto e = check_version(in[used], "S0")) return fail(std::move(*e));
      ++used;
      state_ = State::s1;
      continue;
    }
    if (!in_.fill(in, used)) break;
    if (state_ == State::s1) {
      if (auto r = on_s1(); !r) return fail(r.error());
      state_ = State::s2;
    } else {
      on_s2();
      state_ = State::done;
    }
  }
  return used;
}

Result<void> ClientHandshake::on_s1() {
  const ByteView s1 = in_.view();
  server_scheme_ = find_digest(s1, fms_key_name);
  const std::span<std::uint8_t> c2(out_.data() + 1 + packet_size, packet_size);
  if (c1_digest_pos_ >= 0 && server_scheme_ >= 0) {
    random_(c2.first(packet_size - digest_size));
    Digest sig;
    const ByteView s1_digest = s1.subspan(digest_offset(s1, server_scheme_), digest_size);
    if (!tail_signature(c2, fp_key_full, s1_digest, sig)) return hmac_error;
    std::memcpy(c2.data() + packet_size - digest_size, sig.data(), digest_size);
  } else {
    // Echo S1 byte for byte, as FFmpeg does: servers that check C2 compare it whole.
    std::memcpy(c2.data(), s1.data(), packet_size);
  }
  out_len_ = out_.size();
  return {};
}

void ClientHandshake::on_s2() {
  const ByteView s2 = in_.view();
  const ByteView c1(out_.data() + 1, packet_size);
  s2_matched_ = is_echo(s2, c1);
  if (!s2_matched_ && c1_digest_pos_ >= 0) {
    Digest sig;
    s2_matched_ =
        tail_signature(s2, fms_key_full,
                       c1.subspan(static_cast<std::size_t>(c1_digest_pos_), digest_size), sig) &&
        same(sig, s2.last(digest_size));
  }
}

}  // namespace rtmp
