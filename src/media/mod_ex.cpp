#include "rtmp/media/mod_ex.hpp"

#include <algorithm>
#include <string>

namespace rtmp::flv {

Result<std::uint32_t> read_mod_ex(ByteReader& r, std::uint8_t& type, const char* what) {
  auto unsupported = [what](const std::string& why) {
    return Error(errc::unsupported, std::string(what) + ": ModEx " + why +
                                        " (only one 3-byte TimestampOffsetNano is supported)");
  };
  auto size = r.u8();
  if (!size) return unsupported("cut short before its size");
  // UI8 + 1, or UI16 + 1 after 0xFF: either way not the 3 bytes of TimestampOffsetNano.
  if (*size + 1u != 3) return unsupported("data of " + std::to_string(*size + 1u) + "+ bytes");
  auto data = r.u24be();
  if (!data) return unsupported("cut short in its data");
  auto next = r.u8();
  if (!next) return unsupported("cut short before its type");
  const std::uint8_t mod_type = *next >> 4;
  type = *next & 0x0F;
  if (mod_type != mod_ex_timestamp_offset_nano)
    return unsupported("type " + std::to_string(mod_type));
  if (type == packet_type_mod_ex) return unsupported("chain");
  if (*data > max_timestamp_nano_offset)
    return unsupported("TimestampOffsetNano " + std::to_string(*data) + " ns above 999999");
  return *data;
}

void write_mod_ex(ByteWriter& w, std::uint32_t nano, std::uint8_t next_type) {
  w.u8(3 - 1);
  w.u24be(std::min(nano, max_timestamp_nano_offset));
  w.u8(static_cast<std::uint8_t>(mod_ex_timestamp_offset_nano << 4 | (next_type & 0x0F)));
}

}  // namespace rtmp::flv
