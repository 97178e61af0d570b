// parse_avc_config over arbitrary bytes: never crashes, views stay inside the input.
#include "rtmp/media/avc_config.hpp"

#include <cstdint>
#include <cstdlib>

namespace {
[[maybe_unused]] void check_view(rtmp::ByteView v, const std::uint8_t* data, std::size_t size) {
  if (!v.empty() && (v.data() < data || v.data() + v.size() > data + size)) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = rtmp::parse_avc_config(rtmp::ByteView(data, size));
  if (!r) return 0;
  for (auto v : r->sps) check_view(v, data, size);
  for (auto v : r->pps) check_view(v, data, size);
  for (auto v : r->sps_ext) check_view(v, data, size);
  // A record rebuilt from the parsed parameter sets parses to the same sets.
  if (!r->sps.empty() && r->sps[0].size() >= 4 && r->sps.size() <= 31) {
    auto rebuilt = rtmp::make_avc_config(r->sps, r->pps, r->nal_length_size);
    if (!rebuilt) std::abort();
    auto again = rtmp::parse_avc_config(*rebuilt);
    if (!again || again->sps.size() != r->sps.size() || again->pps.size() != r->pps.size())
      std::abort();
  }
  return 0;
}
