#include "media/ts_packetizer.hpp"

#include <algorithm>

namespace rtmp::ts {
namespace {

constexpr std::size_t header_size = 4;
constexpr std::size_t max_payload = packet_size - header_size;  // 184

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i << 24;
    for (int k = 0; k < 8; ++k) c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
    t[i] = c;
  }
  return t;
}
constexpr auto crc_table = make_crc_table();

void put_header(Bytes& out, std::uint16_t pid, bool unit_start, bool has_af, std::uint8_t& cc) {
  out.push_back(sync_byte);
  // transport_error_indicator 0, transport_priority 0.
  out.push_back(static_cast<std::uint8_t>((unit_start ? 0x40 : 0) | (pid >> 8 & 0x1F)));
  out.push_back(static_cast<std::uint8_t>(pid));
  // Not scrambled; adaptation_field_control 01 (payload) or 11 (adaptation field + payload).
  out.push_back(static_cast<std::uint8_t>((has_af ? 0x30 : 0x10) | (cc & 0x0F)));
  cc = static_cast<std::uint8_t>((cc + 1) & 0x0F);
}

// program_clock_reference: 33-bit base, 6 reserved bits, 9-bit extension (0).
void put_pcr(Bytes& out, std::uint64_t pcr) {
  const std::uint64_t b = pcr & pts_mask;
  out.push_back(static_cast<std::uint8_t>(b >> 25));
  out.push_back(static_cast<std::uint8_t>(b >> 17));
  out.push_back(static_cast<std::uint8_t>(b >> 9));
  out.push_back(static_cast<std::uint8_t>(b >> 1));
  out.push_back(static_cast<std::uint8_t>((b & 1) << 7 | 0x7E));
  out.push_back(0x00);
}

// Bytes the adaptation field takes for these fields, before any stuffing; 0 = none needed.
std::size_t af_base(const FirstPacket* f) {
  if (!f || (!f->random_access && !f->pcr)) return 0;
  return 2 + (f->pcr ? 6 : 0);  // adaptation_field_length, flags, PCR
}

// One packet: the adaptation field (when `f` asks for one or stuffing is needed) then as
// much of `payload` as fits. Returns the payload bytes written.
std::size_t put_packet(Bytes& out, std::uint16_t pid, std::uint8_t& cc, bool unit_start,
                       const FirstPacket* f, ByteView payload) {
  const std::size_t base = af_base(f);
  const std::size_t n = std::min(payload.size(), max_payload - base);
  const std::size_t stuffing = max_payload - base - n;
  const bool has_af = base != 0 || stuffing != 0;
  put_header(out, pid, unit_start, has_af, cc);
  if (has_af) {
    // adaptation_field_length counts the bytes after itself.
    const std::size_t af_len = base + stuffing - 1;
    out.push_back(static_cast<std::uint8_t>(af_len));
    if (af_len > 0) {
      std::uint8_t flags = 0;
      if (f && f->random_access) flags |= 0x40;
      if (f && f->pcr) flags |= 0x10;
      out.push_back(flags);
      if (f && f->pcr) put_pcr(out, *f->pcr);
      const std::size_t fill = af_len - (base == 0 ? 1 : base - 1);
      out.insert(out.end(), fill, 0xFF);
    }
  }
  out.insert(out.end(), payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n));
  return n;
}

}  // namespace

std::uint32_t crc32_mpeg(ByteView data) noexcept {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::uint8_t b : data) crc = crc << 8 ^ crc_table[(crc >> 24 ^ b) & 0xFF];
  return crc;
}

void write_section(std::uint16_t pid, std::uint8_t& cc, ByteView section, Bytes& out) {
  put_header(out, pid, true, false, cc);
  out.push_back(0x00);  // pointer_field: the section starts right after it
  const std::size_t n = std::min(section.size(), max_payload - 1);
  out.insert(out.end(), section.begin(), section.begin() + static_cast<std::ptrdiff_t>(n));
  out.insert(out.end(), max_payload - 1 - n, 0xFF);
}

void write_pcr_packet(std::uint16_t pid, std::uint8_t cc, std::uint64_t pcr, Bytes& out) {
  out.push_back(sync_byte);
  out.push_back(static_cast<std::uint8_t>(pid >> 8 & 0x1F));
  out.push_back(static_cast<std::uint8_t>(pid));
  // adaptation_field_control 10: no payload, so the counter repeats the last one sent.
  out.push_back(static_cast<std::uint8_t>(0x20 | ((cc - 1) & 0x0F)));
  out.push_back(static_cast<std::uint8_t>(max_payload - 1));  // the whole packet
  out.push_back(0x10);                                        // PCR_flag
  put_pcr(out, pcr);
  out.insert(out.end(), max_payload - 2 - 6, 0xFF);
}

std::array<std::uint8_t, 5> encode_timestamp(std::uint8_t prefix, std::uint64_t ts) noexcept {
  ts &= pts_mask;
  return {static_cast<std::uint8_t>(prefix << 4 | (ts >> 29 & 0x0E) | 1),
          static_cast<std::uint8_t>(ts >> 22), static_cast<std::uint8_t>((ts >> 14 & 0xFE) | 1),
          static_cast<std::uint8_t>(ts >> 7), static_cast<std::uint8_t>((ts << 1 & 0xFE) | 1)};
}

void append_pes_header(const PesFields& f, std::size_t payload_size, Bytes& out) {
  const bool with_dts = f.dts && (*f.dts & pts_mask) != (f.pts & pts_mask);
  const std::uint8_t header_data = with_dts ? 10 : 5;
  // PES_packet_length counts everything after itself: 3 flag bytes + header data + payload.
  const std::size_t length = 3 + header_data + payload_size;
  const std::size_t field = (f.bounded && length <= 0xFFFF) ? length : 0;
  const std::array<std::uint8_t, 9> fixed{
      0x00, 0x00, 0x01, f.stream_id, static_cast<std::uint8_t>(field >> 8),
      static_cast<std::uint8_t>(field),
      // '10', not scrambled, priority 0, data_alignment_indicator, not copyrighted, copy.
      static_cast<std::uint8_t>(0x80 | (f.data_alignment ? 0x04 : 0)),
      static_cast<std::uint8_t>(with_dts ? 0xC0 : 0x80),  // PTS_DTS_flags, no other fields
      header_data};
  out.insert(out.end(), fixed.begin(), fixed.end());
  const auto pts = encode_timestamp(with_dts ? 0x3 : 0x2, f.pts);
  out.insert(out.end(), pts.begin(), pts.end());
  if (with_dts) {
    const auto dts = encode_timestamp(0x1, *f.dts);
    out.insert(out.end(), dts.begin(), dts.end());
  }
}

void write_pes_packets(std::uint16_t pid, std::uint8_t& cc, const FirstPacket& first, ByteView pes,
                       Bytes& out) {
  std::size_t pos = put_packet(out, pid, cc, true, &first, pes);
  while (pos < pes.size()) pos += put_packet(out, pid, cc, false, nullptr, pes.subspan(pos));
}

}  // namespace rtmp::ts
