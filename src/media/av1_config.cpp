#include "rtmp/media/av1_config.hpp"

#include <string>

namespace rtmp {

Result<Av1Config> parse_av1_config(ByteView record) {
  if (record.size() < 4)
    return Error(errc::truncated,
                 "av1C: " + std::to_string(record.size()) + " bytes, need at least 4");
  const std::uint8_t b0 = record[0], b1 = record[1], b2 = record[2], b3 = record[3];
  if (!(b0 & 0x80)) return Error(errc::malformed, "av1C: marker bit is 0");
  if ((b0 & 0x7F) != 1) return Error(errc::malformed, "av1C: version " + std::to_string(b0 & 0x7F));
  Av1Config c;
  c.seq_profile = b1 >> 5;
  c.seq_level_idx_0 = b1 & 0x1F;
  c.seq_tier_0 = b2 >> 7;
  c.high_bitdepth = (b2 >> 6 & 1) != 0;
  c.twelve_bit = (b2 >> 5 & 1) != 0;
  c.monochrome = (b2 >> 4 & 1) != 0;
  c.chroma_subsampling_x = b2 >> 3 & 1;
  c.chroma_subsampling_y = b2 >> 2 & 1;
  c.chroma_sample_position = b2 & 3;
  c.initial_presentation_delay_present = (b3 >> 4 & 1) != 0;
  c.initial_presentation_delay_minus_one =
      c.initial_presentation_delay_present ? (b3 & 0x0F) : std::uint8_t{0};
  c.config_obus = record.subspan(4);
  return c;
}

}  // namespace rtmp
