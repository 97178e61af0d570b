#include "rtmp/media/codec_string.hpp"

#include <cstdio>

namespace rtmp {
namespace {

std::string avc(const AvcConfig& c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "avc1.%02x%02x%02x", c.profile, c.compatibility, c.level);
  return buf;
}

// ISO/IEC 14496-15 Annex E.3.
std::string hevc(const HevcConfig& c) {
  std::string s = "hvc1.";
  if (c.general_profile_space > 0) s += static_cast<char>('A' + c.general_profile_space - 1);
  s += std::to_string(c.general_profile_idc);
  std::uint32_t reversed = 0;
  for (int i = 0; i < 32; ++i)
    reversed |= ((c.general_profile_compatibility_flags >> i) & 1u) << (31 - i);
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%X.", reversed);
  s += buf;
  s += c.general_tier_flag ? 'H' : 'L';
  s += std::to_string(c.general_level_idc);
  // Six constraint bytes, trailing zero bytes omitted.
  int last = -1;
  for (int i = 0; i < 6; ++i)
    if ((c.general_constraint_indicator_flags >> (8 * (5 - i))) & 0xFF) last = i;
  for (int i = 0; i <= last; ++i) {
    std::snprintf(
        buf, sizeof buf, ".%X",
        static_cast<unsigned>((c.general_constraint_indicator_flags >> (8 * (5 - i))) & 0xFF));
    s += buf;
  }
  return s;
}

// AV1 Codec ISO Media File Format Binding, Codecs Parameter String (the mandatory fields).
std::string av1(const Av1Config& c) {
  const int depth = c.high_bitdepth ? (c.twelve_bit ? 12 : 10) : 8;
  char buf[32];
  std::snprintf(buf, sizeof buf, "av01.%u.%02u%c.%02d", c.seq_profile, c.seq_level_idx_0,
                c.seq_tier_0 ? 'H' : 'M', depth);
  return buf;
}

std::string vp9(const Vp9Config& c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "vp09.%02u.%02u.%02u", c.profile, c.level, c.bit_depth);
  return buf;
}

}  // namespace

Result<std::string> codec_string(const Codec& codec) {
  const auto missing = [&] {
    return Error(errc::malformed,
                 std::string("codec string: no parsed config for ") + codec_name(codec.id));
  };
  switch (codec.id) {
    case CodecId::h264:
      if (auto* c = std::get_if<AvcConfig>(&codec.details)) return avc(*c);
      return missing();
    case CodecId::h265:
      if (auto* c = std::get_if<HevcConfig>(&codec.details)) return hevc(*c);
      return missing();
    case CodecId::av1:
      if (auto* c = std::get_if<Av1Config>(&codec.details)) return av1(*c);
      if (codec.mpeg2ts) return Error(errc::unsupported, "codec string: AV1 from a TS descriptor");
      return missing();
    case CodecId::vp9:
      if (auto* c = std::get_if<Vp9Config>(&codec.details)) return vp9(*c);
      return missing();
    case CodecId::aac:
      if (auto* c = std::get_if<AacConfig>(&codec.details))
        return "mp4a.40." + std::to_string(c->object_type);
      return missing();
    case CodecId::mp3:
    case CodecId::mp3_8k:
      return std::string("mp4a.40.34");
    case CodecId::opus:
      return std::string("opus");
    case CodecId::flac:
      return std::string("fLaC");
    case CodecId::ac3:
      return std::string("ac-3");
    case CodecId::eac3:
      return std::string("ec-3");
    default:
      return Error(errc::unsupported,
                   std::string("codec string: no RFC 6381 name for ") + codec_name(codec.id));
  }
}

}  // namespace rtmp
