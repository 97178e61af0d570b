// parse_aac_config over arbitrary bytes: never crashes, views stay inside the input.
#include "rtmp/media/aac_config.hpp"

#include <cstdint>
#include <cstdlib>

namespace {
[[maybe_unused]] void check_view(rtmp::ByteView v, const std::uint8_t* data, std::size_t size) {
  if (!v.empty() && (v.data() < data || v.data() + v.size() > data + size)) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = rtmp::parse_aac_config(rtmp::ByteView(data, size));
  if (!r) return 0;
  if (r->object_type == 0 || r->sample_rate == 0) std::abort();
  return 0;
}
