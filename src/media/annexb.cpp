#include "media/annexb.hpp"

#include <array>
#include <string>

namespace rtmp::ts {
namespace {

constexpr std::array<std::uint8_t, 4> start_code{0, 0, 0, 1};

void append_unit(ByteView nal, Bytes& out) {
  out.insert(out.end(), start_code.begin(), start_code.end());
  out.insert(out.end(), nal.begin(), nal.end());
}

// nal_unit_type sits in the low 5 bits of the first byte (H.264) or in bits 1..6 (H.265).
bool is_aud(CodecId codec, ByteView nal) {
  if (nal.empty()) return false;
  if (codec == CodecId::h264) return (nal[0] & 0x1F) == 9;
  return (nal[0] >> 1 & 0x3F) == 35;
}

}  // namespace

void append_parameter_sets(const AvcConfig& c, Bytes& out) {
  for (auto s : c.sps) append_unit(s, out);
  for (auto s : c.sps_ext) append_unit(s, out);
  for (auto p : c.pps) append_unit(p, out);
}

void append_parameter_sets(const HevcConfig& c, Bytes& out) {
  for (const auto& a : c.arrays)
    for (auto n : a.nalus) append_unit(n, out);
}

Result<void> append_aud(CodecId codec, Bytes& out) {
  // H.264: nal_unit_type 9, primary_pic_type 7 ('111') + rbsp_stop_one_bit.
  static constexpr std::array<std::uint8_t, 2> avc{0x09, 0xF0};
  // H.265: nal_unit_type 35, layer 0, TemporalId 0 (+1), pic_type 2 ('010') + stop bit.
  static constexpr std::array<std::uint8_t, 3> hevc{0x46, 0x01, 0x50};
  if (codec == CodecId::h264)
    append_unit(avc, out);
  else if (codec == CodecId::h265)
    append_unit(hevc, out);
  else
    return Error(errc::invalid_argument, std::string("no AUD for ") + codec_name(codec));
  return {};
}

Result<void> append_annexb(CodecId codec, ByteView frame, std::uint8_t length_size, Bytes& out) {
  if (codec != CodecId::h264 && codec != CodecId::h265)
    return Error(errc::invalid_argument, std::string("not a NAL codec: ") + codec_name(codec));
  if (length_size < 1 || length_size > 4)
    return Error(errc::invalid_argument, "NAL length size " + std::to_string(length_size));
  std::size_t pos = 0;
  while (pos < frame.size()) {
    if (frame.size() - pos < length_size)
      return Error(errc::malformed, "partial NAL length at offset " + std::to_string(pos));
    std::size_t len = 0;
    for (std::size_t i = 0; i < length_size; ++i) len = len << 8 | frame[pos + i];
    pos += length_size;
    if (len > frame.size() - pos)
      return Error(errc::malformed, "NAL unit of " + std::to_string(len) + " bytes at offset " +
                                        std::to_string(pos) + " runs past the frame");
    auto nal = frame.subspan(pos, len);
    pos += len;
    if (len != 0 && !is_aud(codec, nal)) append_unit(nal, out);
  }
  return {};
}

}  // namespace rtmp::ts
