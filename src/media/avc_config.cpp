#include "rtmp/media/avc_config.hpp"

#include <string>

namespace rtmp {
namespace {

Error ctx(Error e, const std::string& where) {
  e.detail = "avcC " + where + ": " + e.detail;
  return e;
}

// numOf...ParameterSets entries: u16 length + NAL unit each.
Result<void> read_sets(ByteReader& r, std::size_t count, const char* what,
                       std::vector<ByteView>& out) {
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto len = r.u16be();
    if (!len) return ctx(len.error(), std::string(what) + " " + std::to_string(i) + " length");
    auto b = r.bytes(*len);
    if (!b) return ctx(b.error(), std::string(what) + " " + std::to_string(i));
    out.push_back(*b);
  }
  return {};
}

}  // namespace

Result<AvcConfig> parse_avc_config(ByteView record) {
  ByteReader r(record);
  if (record.size() < 7)
    return Error(errc::truncated,
                 "avcC: " + std::to_string(record.size()) + " bytes, need at least 7");
  AvcConfig c;
  const std::uint8_t version = *r.u8();
  if (version != 1)
    return Error(errc::malformed, "avcC: configurationVersion " + std::to_string(version));
  c.profile = *r.u8();
  c.compatibility = *r.u8();
  c.level = *r.u8();
  const std::uint8_t len_minus_one = *r.u8() & 3;
  // §5.3.3.1.2: lengthSizeMinusOne 0, 1 or 3 (sizes 1, 2, 4); 3-byte lengths are not allowed.
  if (len_minus_one == 2)
    return Error(errc::malformed, "avcC: lengthSizeMinusOne 2 (3-byte NAL lengths)");
  c.nal_length_size = static_cast<std::uint8_t>(len_minus_one + 1);
  const std::uint8_t num_sps = *r.u8() & 0x1F;
  if (auto e = read_sets(r, num_sps, "SPS", c.sps); !e) return e.error();
  auto num_pps = r.u8();
  if (!num_pps) return ctx(num_pps.error(), "numOfPictureParameterSets");
  if (auto e = read_sets(r, *num_pps, "PPS", c.pps); !e) return e.error();
  // The extension exists only for these profiles; older muxers omit it, so it is optional.
  const bool high = c.profile == 100 || c.profile == 110 || c.profile == 122 || c.profile == 144;
  if (high && r.remaining() >= 4) {
    c.has_ext = true;
    c.chroma_format = *r.u8() & 3;
    c.bit_depth_luma = static_cast<std::uint8_t>((*r.u8() & 7) + 8);
    c.bit_depth_chroma = static_cast<std::uint8_t>((*r.u8() & 7) + 8);
    const std::uint8_t num_ext = *r.u8();
    if (auto e = read_sets(r, num_ext, "SPS extension", c.sps_ext); !e) return e.error();
  }
  return c;
}

Result<Bytes> make_avc_config(const std::vector<ByteView>& sps, const std::vector<ByteView>& pps,
                              std::uint8_t nal_length_size) {
  if (sps.empty() || sps[0].size() < 4)
    return Error(errc::invalid_argument, "avcC: need an SPS of at least 4 bytes");
  if (sps.size() > 31 || pps.size() > 255)
    return Error(errc::invalid_argument, "avcC: too many parameter sets");
  if (nal_length_size != 1 && nal_length_size != 2 && nal_length_size != 4)
    return Error(errc::invalid_argument,
                 "avcC: NAL length size " + std::to_string(nal_length_size));
  for (const auto* list : {&sps, &pps})
    for (auto ps : *list)
      if (ps.size() > 0xFFFF)
        return Error(errc::invalid_argument, "avcC: parameter set above 65535 bytes");
  Bytes out;
  ByteWriter w(out);
  w.u8(1);
  w.u8(sps[0][1]);  // profile_idc, constraint flags, level_idc follow the NAL header byte
  w.u8(sps[0][2]);
  w.u8(sps[0][3]);
  w.u8(static_cast<std::uint8_t>(0xFC | (nal_length_size - 1)));
  w.u8(static_cast<std::uint8_t>(0xE0 | sps.size()));
  for (auto s : sps) {
    w.u16be(static_cast<std::uint16_t>(s.size()));
    w.bytes(s);
  }
  w.u8(static_cast<std::uint8_t>(pps.size()));
  for (auto p : pps) {
    w.u16be(static_cast<std::uint16_t>(p.size()));
    w.bytes(p);
  }
  return out;
}

}  // namespace rtmp
