#include "rtmp/media/hevc_config.hpp"

#include <string>

namespace rtmp {

Result<HevcConfig> parse_hevc_config(ByteView record) {
  // 23 fixed bytes (§8.3.3.1.2) before the arrays.
  if (record.size() < 23)
    return Error(errc::truncated,
                 "hvcC: " + std::to_string(record.size()) + " bytes, need at least 23");
  ByteReader r(record);
  HevcConfig c;
  const std::uint8_t version = *r.u8();
  if (version > 1)
    return Error(errc::malformed, "hvcC: configurationVersion " + std::to_string(version));
  std::uint8_t b = *r.u8();
  c.general_profile_space = b >> 6;
  c.general_tier_flag = b >> 5 & 1;
  c.general_profile_idc = b & 0x1F;
  c.general_profile_compatibility_flags = *r.u32be();
  const std::uint64_t constraint_hi = *r.u16be();  // two reads: keep their order explicit
  c.general_constraint_indicator_flags = constraint_hi << 32 | *r.u32be();
  c.general_level_idc = *r.u8();
  c.min_spatial_segmentation_idc = *r.u16be() & 0x0FFF;
  c.parallelism_type = *r.u8() & 3;
  c.chroma_format_idc = *r.u8() & 3;
  c.bit_depth_luma = static_cast<std::uint8_t>((*r.u8() & 7) + 8);
  c.bit_depth_chroma = static_cast<std::uint8_t>((*r.u8() & 7) + 8);
  c.avg_frame_rate = *r.u16be();
  b = *r.u8();
  c.constant_frame_rate = b >> 6;
  c.num_temporal_layers = b >> 3 & 7;
  c.temporal_id_nested = b >> 2 & 1;
  if ((b & 3) == 2) return Error(errc::malformed, "hvcC: lengthSizeMinusOne 2");
  c.nal_length_size = static_cast<std::uint8_t>((b & 3) + 1);
  const std::uint8_t num_arrays = *r.u8();
  c.arrays.reserve(num_arrays);
  for (std::uint8_t i = 0; i < num_arrays; ++i) {
    const std::string where = "hvcC array " + std::to_string(i);
    auto hdr = r.u8();
    auto count = hdr ? r.u16be() : Result<std::uint16_t>(hdr.error());
    if (!count) return Error(errc::truncated, where + ": header: " + count.error().detail);
    HevcConfig::Array a;
    a.array_completeness = (*hdr & 0x80) != 0;
    a.nal_type = *hdr & 0x3F;
    a.nalus.reserve(*count);
    for (std::uint16_t j = 0; j < *count; ++j) {
      auto len = r.u16be();
      auto nal = len ? r.bytes(*len) : Result<ByteView>(len.error());
      if (!nal)
        return Error(errc::truncated,
                     where + " NAL " + std::to_string(j) + ": " + nal.error().detail);
      a.nalus.push_back(*nal);
    }
    c.arrays.push_back(std::move(a));
  }
  return c;
}

}  // namespace rtmp
