#include "rtmp/media/vp9_config.hpp"

#include <string>

namespace rtmp {
namespace {

// The record itself: 8 fixed bytes then codecInitializationData.
bool fits(ByteView rec) {
  return rec.size() >= 8 && 8u + (std::size_t(rec[6]) << 8 | rec[7]) == rec.size();
}

}  // namespace

Result<Vp9Config> parse_vp9_config(ByteView record) {
  if (record.size() < 8)
    return Error(errc::truncated,
                 "vpcC: " + std::to_string(record.size()) + " bytes, need at least 8");
  Vp9Config c;
  ByteView rec;
  // FFmpeg (ff_isom_write_vpcc) and the spec's VPCodecConfigurationBox prefix the record with
  // FullBox version 1 + flags 0; some senders put the bare record. Pick the form whose
  // codecInitializationDataSize ends exactly at the end.
  if (record.size() >= 12 && record[0] == 1 && record[1] == 0 && record[2] == 0 && record[3] == 0 &&
      fits(record.subspan(4))) {
    c.version = 1;
    rec = record.subspan(4);
  } else if (fits(record)) {
    c.version = 0;
    rec = record;
  } else {
    return Error(errc::malformed, "vpcC: " + std::to_string(record.size()) +
                                      " bytes match neither the box nor the bare record");
  }
  c.profile = rec[0];
  c.level = rec[1];
  c.bit_depth = rec[2] >> 4;
  c.chroma_subsampling = rec[2] >> 1 & 7;
  c.video_full_range = (rec[2] & 1) != 0;
  c.colour_primaries = rec[3];
  c.transfer_characteristics = rec[4];
  c.matrix_coefficients = rec[5];
  c.codec_init_data = rec.subspan(8);
  return c;
}

}  // namespace rtmp
