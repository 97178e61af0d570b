// MPEG-TS packet layer (ISO/IEC 13818-1 §2.4.3): 188-byte transport packets, adaptation
// fields (PCR, random_access_indicator, stuffing), PSI sections with CRC32 and PES headers.
// Internal to the TS muxer; stateless apart from the caller's continuity counters.
#pragma once

#include "rtmp/core/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace rtmp::ts {

constexpr std::size_t packet_size = 188;
constexpr std::uint8_t sync_byte = 0x47;
constexpr std::uint64_t pts_mask = (std::uint64_t{1} << 33) - 1;  // 33-bit 90 kHz clock

// CRC_32 of PSI sections (13818-1 Annex A): polynomial 0x04C11DB7, initial value
// 0xFFFFFFFF, MSB first, no final XOR. A section including its CRC yields 0.
std::uint32_t crc32_mpeg(ByteView data) noexcept;

// Writes one packet carrying a whole PSI section (it must fit: at most 183 bytes):
// payload_unit_start_indicator set, pointer_field 0, the section, 0xFF filler.
// `cc` is the PID's continuity counter: used, then incremented mod 16.
void write_section(std::uint16_t pid, std::uint8_t& cc, ByteView section, Bytes& out);

struct PesFields {
  std::uint8_t stream_id = 0xE0;     // 0xE0 video, 0xC0 audio
  std::uint64_t pts = 0;             // 90 kHz, masked to 33 bits
  std::optional<std::uint64_t> dts;  // written only when given (and != pts)
  bool bounded = true;               // false: PES_packet_length 0 (video may exceed 65535)
  bool data_alignment = true;        // the payload starts with an access unit / sync word
};

// Appends a PES header (13818-1 §2.4.3.6: 9 fixed bytes + 5 or 10 bytes of PTS[/DTS]) for a
// payload of payload_size bytes. A bounded PES longer than 65535 bytes gets length 0.
void append_pes_header(const PesFields& f, std::size_t payload_size, Bytes& out);

// Options for the first packet of a PES.
struct FirstPacket {
  bool random_access = false;        // random_access_indicator
  std::optional<std::uint64_t> pcr;  // PCR base (90 kHz, 33 bits); the extension is 0
};

// Splits `pes` (a whole PES packet) into transport packets on `pid`: the first with
// payload_unit_start_indicator and `first`'s adaptation field; the last padded with
// adaptation-field stuffing so every packet is 188 bytes. `cc` as in write_section.
void write_pes_packets(std::uint16_t pid, std::uint8_t& cc, const FirstPacket& first, ByteView pes,
                       Bytes& out);

// One adaptation-field-only packet carrying a PCR (base `pcr`, 90 kHz), for when the PCR
// PID has no PES due. `cc` is the PID's next counter: a packet without payload repeats the
// previous value (13818-1 §2.4.3.3), so it is not changed.
void write_pcr_packet(std::uint16_t pid, std::uint8_t cc, std::uint64_t pcr, Bytes& out);

// 13818-1 §2.4.3.7 PTS/DTS field: 4-bit prefix, 33 bits in 3+15+15 with marker bits.
std::array<std::uint8_t, 5> encode_timestamp(std::uint8_t prefix, std::uint64_t ts) noexcept;

}  // namespace rtmp::ts
