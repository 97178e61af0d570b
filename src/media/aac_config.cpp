#include "rtmp/media/aac_config.hpp"

#include "bit_reader.hpp"

#include <array>
#include <string>

namespace rtmp {
namespace {

// ISO/IEC 14496-3 Table 1.18 (indices 13, 14 reserved; 15 = explicit).
constexpr std::array<std::uint32_t, 13> sample_rates = {
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350};

Result<std::uint8_t> object_type(detail::BitReader& br) {
  auto t = br.read(5, "ASC audioObjectType");
  if (!t) return t.error();
  if (*t != 31) return static_cast<std::uint8_t>(*t);
  auto ext = br.read(6, "ASC audioObjectTypeExt");
  if (!ext) return ext.error();
  return static_cast<std::uint8_t>(32 + *ext);
}

Result<std::uint32_t> sampling_rate(detail::BitReader& br, std::uint8_t& index, const char* what) {
  auto i = br.read(4, what);
  if (!i) return i.error();
  index = static_cast<std::uint8_t>(*i);
  if (*i == 15) {
    auto rate = br.read(24, what);
    if (!rate) return rate.error();
    if (*rate == 0) return Error(errc::malformed, std::string(what) + ": explicit rate 0");
    return *rate;
  }
  if (*i >= sample_rates.size())
    return Error(errc::malformed,
                 std::string(what) + ": reserved samplingFrequencyIndex " + std::to_string(*i));
  return sample_rates[*i];
}

}  // namespace

Result<AacConfig> parse_aac_config(ByteView asc) {
  detail::BitReader br(asc);
  AacConfig c;
  auto ot = object_type(br);
  if (!ot) return ot.error();
  if (*ot == 0) return Error(errc::malformed, "ASC: audioObjectType 0");
  c.object_type = *ot;
  auto rate = sampling_rate(br, c.sampling_index, "ASC samplingFrequency");
  if (!rate) return rate.error();
  c.sample_rate = *rate;
  auto ch = br.read(4, "ASC channelConfiguration");
  if (!ch) return ch.error();
  c.channel_config = static_cast<std::uint8_t>(*ch);
  // Table 1.19 (plus 11..14 from 14496-3:2009/Amd 4); 8..10 and 15 reserved.
  static constexpr std::array<std::int8_t, 16> channels = {0,  1,  2,  3, 4, 5,  6, 8,
                                                           -1, -1, -1, 7, 8, 24, 8, -1};
  if (channels[*ch] < 0)
    return Error(errc::malformed, "ASC: reserved channelConfiguration " + std::to_string(*ch));
  c.channels = static_cast<std::uint8_t>(channels[*ch]);
  // Explicit hierarchical signalling of SBR (5) / PS (29), §1.6.2.1.
  if (c.object_type == 5 || c.object_type == 29) {
    std::uint8_t ext_index = 0;
    auto ext = sampling_rate(br, ext_index, "ASC extensionSamplingFrequency");
    if (!ext) return ext.error();
    c.extension_sample_rate = *ext;
    auto core = object_type(br);
    if (!core) return core.error();
    c.core_object_type = *core;
  }
  return c;
}

Result<Bytes> make_aac_config(std::uint8_t object_type, std::uint32_t sample_rate,
                              std::uint8_t channel_config) {
  std::size_t index = 0;
  while (index < sample_rates.size() && sample_rates[index] != sample_rate) ++index;
  if (object_type == 0 || object_type >= 31 || index == sample_rates.size() ||
      channel_config == 0 || channel_config > 7)
    return Error(errc::invalid_argument, "ASC: object type " + std::to_string(object_type) +
                                             ", rate " + std::to_string(sample_rate) +
                                             ", channels " + std::to_string(channel_config));
  // 5 + 4 + 4 bits, then GASpecificConfig's three zero flags.
  const unsigned v =
      unsigned(object_type) << 11 | unsigned(index) << 7 | unsigned(channel_config) << 3;
  return Bytes{static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

}  // namespace rtmp
