// Enhanced RTMP capability negotiation in the connect command (veovera enhanced-rtmp v2,
// "Enhancing NetConnection connect Command"): fourCcList (v1), videoFourCcInfoMap,
// audioFourCcInfoMap and capsEx (v2). The client puts them in its connect command object;
// the server answers with its own in the properties object of the connect _result.
//
//   ConnectCaps caps = parse_connect_caps(connect_command_object);
//   if (caps.can_receive_video("hvc1")) ...           // relay HEVC to this player
//   amf::Value props = ...; write_connect_caps(props, ConnectCaps::forwarder());
//
// Thread safety: plain data; the functions are reentrant.
#pragma once

#include "rtmp/core/amf.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp {

// FourCcInfoMask: what a peer can do with a codec.
namespace fourcc_info {
inline constexpr std::uint32_t can_decode = 0x01;
inline constexpr std::uint32_t can_encode = 0x02;
inline constexpr std::uint32_t can_forward = 0x04;
}  // namespace fourcc_info

// CapsExMask: extended capabilities.
namespace caps_ex {
inline constexpr std::uint32_t reconnect = 0x01;  // handles NetConnection.Connect.ReconnectRequest
inline constexpr std::uint32_t multitrack = 0x02;
inline constexpr std::uint32_t mod_ex = 0x04;                 // parses ModEx packets
inline constexpr std::uint32_t timestamp_nano_offset = 0x08;  // ModEx TimestampOffsetNano
}  // namespace caps_ex

// FourCC string ("hvc1", "Opus", or the wildcard "*") -> FourCcInfoMask bits.
using FourCcInfoMap = std::map<std::string, std::uint32_t, std::less<>>;

struct ConnectCaps {
  std::vector<std::string> fourcc_list;  // fourCcList: codecs (audio and video mixed), or "*"
  FourCcInfoMap video_fourcc_info;       // videoFourCcInfoMap
  FourCcInfoMap audio_fourcc_info;       // audioFourCcInfoMap
  std::uint32_t caps_ex = 0;             // capsEx: caps_ex:: bits

  // True when any Enhanced RTMP property was present (or is set): the peer is not legacy.
  bool enhanced() const noexcept {
    return !fourcc_list.empty() || !video_fourcc_info.empty() || !audio_fourcc_info.empty() ||
           caps_ex != 0;
  }
  bool has_caps_ex(std::uint32_t bits) const noexcept { return (caps_ex & bits) == bits; }

  // FourCcInfoMask bits declared for a codec. From the info map when the peer sent one for
  // that media type: the codec's own entry OR'ed with the "*" entry (the spec's wildcard
  // "overrides" specific entries; its own example reads as a union). Otherwise from
  // fourCcList: listed (or "*") means can_decode | can_forward, since v1 had no finer say.
  // FourCCs compare case-insensitively: the spec's own examples write "Hvc1" and "Avc1".
  std::uint32_t video_flags(std::string_view fourcc) const noexcept;
  std::uint32_t audio_flags(std::string_view fourcc) const noexcept;
  // May this peer be sent the codec: decode or forward.
  bool can_receive_video(std::string_view fourcc) const noexcept {
    return (video_flags(fourcc) & (fourcc_info::can_decode | fourcc_info::can_forward)) != 0;
  }
  bool can_receive_audio(std::string_view fourcc) const noexcept {
    return (audio_flags(fourcc) & (fourcc_info::can_decode | fourcc_info::can_forward)) != 0;
  }

  // What a relay/recorder announces: forwards any audio and video codec ("*": CanForward),
  // handles ReconnectRequest, multitrack, ModEx and its nanosecond timestamp offsets. No
  // fourCcList (v2 recommends the info maps).
  static ConnectCaps forwarder();

  friend bool operator==(const ConnectCaps&, const ConnectCaps&) = default;
};

// Reads the Enhanced RTMP properties of a connect command object (or of a connect _result
// properties object). Lenient, never fails: ill-typed properties and entries are skipped
// (fourCcList items that are not strings; map values that are not numbers); numbers become
// 32-bit flags (fraction dropped; negative and NaN give 0, above 2^32 - 1 gives 0xFFFFFFFF).
// fourCcList may be a strict array (as the spec and FFmpeg send it) or an ECMA array / object
// whose values are taken in order; the maps may be objects or ECMA arrays. Duplicated map
// keys: the first wins (as amf::Value::get).
ConnectCaps parse_connect_caps(const amf::Value& object);

// Sets the properties present in `caps` on `object` (made an object if it is not a property
// map): fourCcList as a strict array, the maps as objects, capsEx as a number. Empty
// properties are not written, so a legacy peer sees nothing new.
void write_connect_caps(amf::Value& object, const ConnectCaps& caps);

// "hvc1" from 0x68766331; non-printable bytes are kept as they are.
std::string fourcc_to_string(std::uint32_t fourcc);

}  // namespace rtmp
