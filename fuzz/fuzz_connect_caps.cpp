// Enhanced RTMP connect capabilities (fourCcList, videoFourCcInfoMap, audioFourCcInfoMap,
// capsEx): the input is an AMF0 body (a connect command or any values); every value is read
// as a command object. Parsing never fails; what it reads must survive write + parse
// unchanged, and the flag queries must agree with the parsed maps.
#include "rtmp/core/connect_caps.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace rtmp;

namespace {

void check(const amf::Value& v) {
  ConnectCaps caps = parse_connect_caps(v);
  amf::Value out = amf::Value::object();
  write_connect_caps(out, caps);
  ConnectCaps again = parse_connect_caps(out);
  if (!(again == caps)) std::abort();
  if (caps.enhanced() != (out.properties().size() > 0)) std::abort();
  for (const char* f : {"hvc1", "av01", "vp09", "avc1", "Opus", "fLaC", "ac-3", "*", ""}) {
    if (caps.video_flags(f) != again.video_flags(f)) std::abort();
    if (caps.audio_flags(f) != again.audio_flags(f)) std::abort();
    // The wildcard entry applies to every codec.
    if (auto it = caps.video_fourcc_info.find("*"); it != caps.video_fourcc_info.end())
      if ((caps.video_flags(f) & it->second) != it->second) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto values = amf::decode_amf0_all(ByteView(data, size));
  if (!values) return 0;
  for (const auto& v : *values) {
    check(v);
    // Nested objects too (a connect's optional argument objects, a _result's info object).
    for (const auto& [key, member] : v.properties()) check(member);
  }
  return 0;
}
