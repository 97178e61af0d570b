// RFC 6381 codec strings ("codecs" parameter) for HLS CODECS attributes and MSE types.
#pragma once

#include "rtmp/error.hpp"
#include "rtmp/media.hpp"

#include <string>

namespace rtmp {

// From a Codec's parsed details (as the Demuxer fills them):
//   H.264  "avc1.PPCCLL"        profile, compatibility, level from avcC (lower-case hex)
//   HEVC   "hvc1.[A-C]P.F.TL.CC..."  ISO/IEC 14496-15 Annex E: profile space + idc, the
//          compatibility flags bit-reversed in hex, tier L/H + level_idc, constraint bytes
//          in hex with trailing zero bytes left out
//   AV1    "av01.P.LLT.DD"      profile, level (2 digits), tier M/H, bit depth (2 digits)
//   VP9    "vp09.PP.LL.DD"      from vpcC
//   AAC    "mp4a.40.N"          N = audioObjectType (2 LC, 5 HE, 29 HE v2)
//   MP3    "mp4a.40.34"
//   Opus   "opus", FLAC "fLaC", AC-3 "ac-3", E-AC-3 "ec-3"
// Errors: errc::unsupported (other codecs, or an AV1 config from an MPEG-2 TS descriptor),
// errc::malformed (details missing for a codec that needs them).
Result<std::string> codec_string(const Codec& codec);

}  // namespace rtmp
