#include "media/adts.hpp"

#include <string>

namespace rtmp::ts {
namespace {

// samplingFrequencyIndex table (ISO/IEC 14496-3 Table 1.18), indices 0..12.
constexpr std::array<std::uint32_t, 13> rates{96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                              22050, 16000, 12000, 11025, 8000,  7350};

int rate_index(std::uint32_t rate) {
  for (std::size_t i = 0; i < rates.size(); ++i)
    if (rates[i] == rate) return static_cast<int>(i);
  return -1;
}

}  // namespace

Result<AdtsParams> adts_params(const AacConfig& c) {
  std::uint8_t object = c.object_type;
  // SBR (5) and PS (29) with an explicit core: ADTS carries the core, decoders find SBR.
  if ((object == 5 || object == 29) && c.core_object_type != 0) object = c.core_object_type;
  if (object < 1 || object > 4)
    return Error(errc::unsupported,
                 "ADTS cannot carry AAC object type " + std::to_string(c.object_type));
  // Index 15 (explicit rate) maps back to the table when the rate is in it.
  int index = c.sampling_index < 13 ? c.sampling_index : rate_index(c.sample_rate);
  if (index < 0)
    return Error(errc::unsupported,
                 "ADTS has no sampling index for " + std::to_string(c.sample_rate) + " Hz");
  if (c.channel_config < 1 || c.channel_config > 7)
    return Error(errc::unsupported,
                 "ADTS channel configuration " + std::to_string(c.channel_config));
  return AdtsParams{static_cast<std::uint8_t>(object - 1), static_cast<std::uint8_t>(index),
                    c.channel_config};
}

Result<std::array<std::uint8_t, adts_header_size>> adts_header(const AdtsParams& p,
                                                               std::size_t payload_size) {
  const std::size_t frame_length = payload_size + adts_header_size;
  if (frame_length > 0x1FFF)
    return Error(errc::invalid_argument,
                 "AAC frame of " + std::to_string(payload_size) + " bytes exceeds ADTS's 13 bits");
  const auto len = static_cast<std::uint32_t>(frame_length);
  constexpr std::uint32_t fullness = 0x7FF;
  std::array<std::uint8_t, adts_header_size> h{};
  h[0] = 0xFF;  // syncword 0xFFF
  h[1] = 0xF1;  // syncword, ID 0 (MPEG-4), layer 00, protection_absent 1
  h[2] = static_cast<std::uint8_t>((p.profile & 3) << 6 | (p.sampling_index & 0xF) << 2 |
                                   (p.channel_config >> 2 & 1));  // private_bit 0
  h[3] = static_cast<std::uint8_t>((p.channel_config & 3) << 6 | len >> 11);
  h[4] = static_cast<std::uint8_t>(len >> 3);
  h[5] = static_cast<std::uint8_t>((len & 7) << 5 | fullness >> 6);
  h[6] = static_cast<std::uint8_t>((fullness & 0x3F) << 2);  // number_of_raw_data_blocks 0
  return h;
}

}  // namespace rtmp::ts
