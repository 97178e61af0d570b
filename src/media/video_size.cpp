#include "rtmp/media/video_size.hpp"

#include <string>

namespace rtmp {
namespace {

// MSB-first reader over an RBSP (emulation prevention bytes removed) with Exp-Golomb codes.
// Errors are sticky: a failed read returns 0 and later reads fail too, so the parsers below
// read field after field and check ok() where a value steers the parse or at the end.
class RbspBits {
 public:
  // `escaped`: H.264/HEVC NAL units carry emulation prevention bytes; AV1 OBUs do not.
  RbspBits(ByteView nal, std::size_t header_bytes, bool escaped = true) {
    rbsp_.reserve(nal.size());
    int zeros = 0;
    for (std::size_t i = header_bytes; i < nal.size(); ++i) {
      // H.264 §7.4.1: 0x03 after two zero bytes is an emulation prevention byte.
      if (escaped && zeros >= 2 && nal[i] == 3) {
        zeros = 0;
        continue;
      }
      zeros = nal[i] == 0 ? zeros + 1 : 0;
      rbsp_.push_back(nal[i]);
    }
  }

  std::uint32_t u(unsigned n) {
    if (err_ != errc::ok) return 0;
    if (rbsp_.size() * 8 - pos_ < n) {
      err_ = errc::truncated;
      return 0;
    }
    std::uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i, ++pos_)
      v = v << 1 | ((rbsp_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1u);
    return v;
  }
  bool flag() { return u(1) != 0; }
  std::uint32_t ue() {
    unsigned zeros = 0;
    while (err_ == errc::ok && u(1) == 0)
      if (++zeros > 31) err_ = errc::malformed;
    if (err_ != errc::ok) return 0;
    return ((1u << zeros) - 1) + u(zeros);
  }
  // In int64: ue() reaches 2^32 - 1, whose se() magnitude does not fit an int32.
  std::int64_t se() {
    const std::uint32_t k = ue();
    const std::int64_t mag = (std::int64_t{k} + 1) / 2;
    return (k & 1) ? mag : -mag;
  }
  void skip(unsigned n) {
    while (n > 32) n -= 32, u(32);
    u(n);
  }
  void fail(errc e) {
    if (err_ == errc::ok) err_ = e;
  }
  bool ok() const noexcept { return err_ == errc::ok; }
  Error error(const char* what) const {
    return Error(
        err_, std::string(what) + (err_ == errc::truncated ? ": ends before the picture size fields"
                                                           : ": invalid Exp-Golomb code or value"));
  }

 private:
  Bytes rbsp_;
  std::size_t pos_ = 0;
  errc err_ = errc::ok;
};

Result<VideoSize> cropped(const char* what, std::uint64_t w, std::uint64_t h, std::uint64_t crop_w,
                          std::uint64_t crop_h) {
  if (w <= crop_w || h <= crop_h || w - crop_w > 65535 || h - crop_h > 65535)
    return Error(errc::malformed, std::string(what) + ": size " + std::to_string(w) + "x" +
                                      std::to_string(h) + " with cropping " +
                                      std::to_string(crop_w) + "x" + std::to_string(crop_h));
  return VideoSize{static_cast<std::uint32_t>(w - crop_w), static_cast<std::uint32_t>(h - crop_h)};
}

// H.264 §7.3.2.1.1.1 scaling_list(): only consumed.
void skip_scaling_list(RbspBits& b, int size) {
  int last = 8, next = 8;
  for (int j = 0; j < size && b.ok(); ++j) {
    // delta_scale is -128..127; a larger one is malformed, and stays harmless modulo 256.
    if (next != 0) next = static_cast<int>(((last + b.se()) % 256 + 256) % 256);
    last = next == 0 ? last : next;
  }
}

bool h264_has_chroma_info(std::uint32_t profile) {
  switch (profile) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

// HEVC §7.3.3 profile_tier_level(1, max_sub_layers_minus1): only consumed.
void skip_profile_tier_level(RbspBits& b, std::uint32_t max_sub_layers_minus1) {
  b.skip(96);  // general profile (88 bits) + general_level_idc
  bool profile_present[8] = {}, level_present[8] = {};
  for (std::uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = b.flag();
    level_present[i] = b.flag();
  }
  if (max_sub_layers_minus1 > 0) b.skip(2 * (8 - max_sub_layers_minus1));
  for (std::uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) b.skip(88);
    if (level_present[i]) b.skip(8);
  }
}

// AV1 §4.10.3 uvlc(): only consumed.
void skip_uvlc(RbspBits& b) {
  unsigned zeros = 0;
  while (b.ok() && !b.flag() && zeros < 32) ++zeros;
  if (zeros < 32) b.skip(zeros);
}

// AV1 §5.3.4 leb128().
Result<std::uint64_t> leb128(ByteReader& r) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    auto byte = r.u8();
    if (!byte) return Error(errc::truncated, "AV1 OBU: leb128 size cut short");
    v |= std::uint64_t(*byte & 0x7F) << (7 * i);
    if (!(*byte & 0x80)) return v;
  }
  return Error(errc::malformed, "AV1 OBU: leb128 size longer than 8 bytes");
}

// AV1 §5.5.1 sequence_header_obu() up to max_frame_height_minus_1.
Result<VideoSize> av1_sequence_header(ByteView payload) {
  RbspBits b(payload, 0, false);
  b.skip(3);  // seq_profile
  b.skip(1);  // still_picture
  if (b.flag()) {
    b.skip(5);  // reduced_still_picture_header: seq_level_idx[0]
  } else {
    bool decoder_model_info = false;
    unsigned buffer_delay_bits = 0;
    if (b.flag()) {                // timing_info_present_flag
      b.skip(64);                  // num_units_in_display_tick, time_scale
      if (b.flag()) skip_uvlc(b);  // equal_picture_interval: num_ticks_per_picture_minus_1
      decoder_model_info = b.flag();
      if (decoder_model_info) {
        buffer_delay_bits = b.u(5) + 1;
        b.skip(32 + 5 + 5);  // decoding tick, removal time and presentation time lengths
      }
    }
    const bool initial_display_delay = b.flag();
    const std::uint32_t operating_points = b.u(5) + 1;
    for (std::uint32_t i = 0; i < operating_points && b.ok(); ++i) {
      b.skip(12);                          // operating_point_idc
      if (b.u(5) > 7) b.skip(1);           // seq_level_idx > 7: seq_tier
      if (decoder_model_info && b.flag())  // decoder_model_present_for_this_op
        b.skip(2 * buffer_delay_bits + 1);
      if (initial_display_delay && b.flag()) b.skip(4);
    }
  }
  const unsigned width_bits = b.u(4) + 1, height_bits = b.u(4) + 1;
  const std::uint64_t w = std::uint64_t(b.u(width_bits)) + 1;
  const std::uint64_t h = std::uint64_t(b.u(height_bits)) + 1;
  if (!b.ok()) return b.error("AV1 sequence header");
  return cropped("AV1 sequence header", w, h, 0, 0);
}

}  // namespace

Result<VideoSize> h264_sps_size(ByteView sps) {
  if (sps.empty() || (sps[0] & 0x1F) != 7)
    return Error(errc::malformed, "H.264 SPS: not an SPS NAL unit");
  RbspBits b(sps, 1);
  const std::uint32_t profile = b.u(8);
  b.skip(16);  // constraint flags, level_idc
  b.ue();      // seq_parameter_set_id
  std::uint32_t chroma_format = 1;
  bool separate_planes = false;
  if (h264_has_chroma_info(profile)) {
    chroma_format = b.ue();
    if (chroma_format > 3) b.fail(errc::malformed);
    if (chroma_format == 3) separate_planes = b.flag();
    b.ue();        // bit_depth_luma_minus8
    b.ue();        // bit_depth_chroma_minus8
    b.skip(1);     // qpprime_y_zero_transform_bypass_flag
    if (b.flag())  // seq_scaling_matrix_present_flag
      for (int i = 0; i < (chroma_format != 3 ? 8 : 12); ++i)
        if (b.flag()) skip_scaling_list(b, i < 6 ? 16 : 64);
  }
  b.ue();  // log2_max_frame_num_minus4
  const std::uint32_t poc_type = b.ue();
  if (poc_type == 0) {
    b.ue();  // log2_max_pic_order_cnt_lsb_minus4
  } else if (poc_type == 1) {
    b.skip(1);  // delta_pic_order_always_zero_flag
    b.se();     // offset_for_non_ref_pic
    b.se();     // offset_for_top_to_bottom_field
    const std::uint32_t cycle = b.ue();
    if (cycle > 255) b.fail(errc::malformed);
    for (std::uint32_t i = 0; i < cycle && b.ok(); ++i) b.se();
  }
  b.ue();     // max_num_ref_frames
  b.skip(1);  // gaps_in_frame_num_value_allowed_flag
  const std::uint64_t width_mbs = std::uint64_t(b.ue()) + 1;
  const std::uint64_t height_units = std::uint64_t(b.ue()) + 1;
  const bool frame_mbs_only = b.flag();
  if (!frame_mbs_only) b.skip(1);  // mb_adaptive_frame_field_flag
  b.skip(1);                       // direct_8x8_inference_flag
  std::uint64_t left = 0, right = 0, top = 0, bottom = 0;
  if (b.flag()) {
    left = b.ue(), right = b.ue(), top = b.ue(), bottom = b.ue();
  }
  if (!b.ok()) return b.error("H.264 SPS");
  // §7.4.2.1.1 CropUnitX/CropUnitY (ChromaArrayType 0 when monochrome or separate planes).
  const std::uint64_t frame_factor = frame_mbs_only ? 1 : 2;
  std::uint64_t unit_x = 1, unit_y = frame_factor;
  if (!separate_planes && chroma_format != 0) {
    unit_x = chroma_format == 3 ? 1 : 2;
    unit_y = (chroma_format == 1 ? 2 : 1) * frame_factor;
  }
  return cropped("H.264 SPS", width_mbs * 16, height_units * 16 * frame_factor,
                 unit_x * (left + right), unit_y * (top + bottom));
}

Result<VideoSize> hevc_sps_size(ByteView sps) {
  if (sps.size() < 2 || (sps[0] >> 1 & 0x3F) != 33)
    return Error(errc::malformed, "HEVC SPS: not an SPS NAL unit");
  RbspBits b(sps, 2);
  b.skip(4);  // sps_video_parameter_set_id
  const std::uint32_t max_sub_layers_minus1 = b.u(3);
  b.skip(1);  // sps_temporal_id_nesting_flag
  if (max_sub_layers_minus1 > 6) b.fail(errc::malformed);
  skip_profile_tier_level(b, max_sub_layers_minus1);
  b.ue();  // sps_seq_parameter_set_id
  const std::uint32_t chroma_format = b.ue();
  if (chroma_format > 3) b.fail(errc::malformed);
  bool separate_planes = false;
  if (chroma_format == 3) separate_planes = b.flag();
  const std::uint64_t w = b.ue(), h = b.ue();
  std::uint64_t left = 0, right = 0, top = 0, bottom = 0;
  if (b.flag()) {
    left = b.ue(), right = b.ue(), top = b.ue(), bottom = b.ue();
  }
  if (!b.ok()) return b.error("HEVC SPS");
  // H.265 Table 6-1 SubWidthC/SubHeightC; 1 for ChromaArrayType 0.
  const bool has_chroma = chroma_format != 0 && !separate_planes;
  const std::uint64_t sub_w = has_chroma && chroma_format != 3 ? 2 : 1;
  const std::uint64_t sub_h = has_chroma && chroma_format == 1 ? 2 : 1;
  return cropped("HEVC SPS", w, h, sub_w * (left + right), sub_h * (top + bottom));
}

Result<VideoSize> av1_sequence_header_size(ByteView obus) {
  ByteReader r(obus);
  while (!r.empty()) {
    const std::uint8_t header = *r.u8();
    if (header & 0x80) return Error(errc::malformed, "AV1 OBU: forbidden bit set");
    const std::uint8_t type = header >> 3 & 0x0F;
    if ((header & 0x04) && !r.skip(1))
      return Error(errc::truncated, "AV1 OBU: extension cut short");
    std::uint64_t size = r.remaining();
    if (header & 0x02) {
      auto s = leb128(r);
      if (!s) return s.error();
      size = *s;
    }
    if (size > r.remaining()) return Error(errc::truncated, "AV1 OBU: size past the end");
    const ByteView payload = *r.bytes(static_cast<std::size_t>(size));
    if (type == 1) return av1_sequence_header(payload);
  }
  return Error(errc::malformed, "AV1: no sequence header OBU");
}

Result<VideoSize> vp9_frame_size(ByteView frame) {
  RbspBits b(frame, 0, false);
  const std::uint32_t marker = b.u(2);
  const std::uint32_t low = b.u(1);  // profile_low_bit, then profile_high_bit
  const std::uint32_t profile = low | b.u(1) << 1;
  if (profile == 3) b.skip(1);  // reserved_zero
  const bool show_existing = b.flag(), inter = b.flag();
  b.skip(2);  // show_frame, error_resilient_mode
  const std::uint32_t sync = b.u(24);
  if (!b.ok()) return b.error("VP9 frame header");
  if (marker != 2) return Error(errc::malformed, "VP9: frame_marker is not 2");
  if (show_existing) return Error(errc::unsupported, "VP9: show_existing_frame");
  if (inter) return Error(errc::unsupported, "VP9: not a key frame");
  if (sync != 0x498342) return Error(errc::malformed, "VP9: bad frame_sync_code");
  // color_config()
  if (profile >= 2) b.skip(1);                            // ten_or_twelve_bit
  const bool rgb = b.u(3) == 7;                           // color_space == CS_RGB
  if (!rgb) b.skip(1);                                    // color_range
  if (profile == 1 || profile == 3) b.skip(rgb ? 1 : 3);  // subsampling_x/y, reserved_zero
  const std::uint64_t w = std::uint64_t(b.u(16)) + 1, h = std::uint64_t(b.u(16)) + 1;
  if (!b.ok()) return b.error("VP9 frame header");
  return VideoSize{static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h)};
}

Result<VideoSize> video_size(const Codec& codec) {
  if (const auto* avc = std::get_if<AvcConfig>(&codec.details)) {
    if (avc->sps.empty()) return Error(errc::malformed, "avcC: no SPS");
    return h264_sps_size(avc->sps.front());
  }
  if (const auto* hevc = std::get_if<HevcConfig>(&codec.details)) {
    for (const auto& a : hevc->arrays)
      if (a.nal_type == 33 && !a.nalus.empty()) return hevc_sps_size(a.nalus.front());
    return Error(errc::malformed, "hvcC: no SPS");
  }
  if (const auto* av1 = std::get_if<Av1Config>(&codec.details))
    return av1_sequence_header_size(av1->config_obus);
  return Error(errc::unsupported,
               std::string("video size: no sequence header parser for ") + codec_name(codec.id));
}

}  // namespace rtmp
