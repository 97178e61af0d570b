// parse_hevc_config over arbitrary bytes: never crashes, views stay inside the input.
#include "rtmp/media/hevc_config.hpp"

#include <cstdint>
#include <cstdlib>

namespace {
[[maybe_unused]] void check_view(rtmp::ByteView v, const std::uint8_t* data, std::size_t size) {
  if (!v.empty() && (v.data() < data || v.data() + v.size() > data + size)) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = rtmp::parse_hevc_config(rtmp::ByteView(data, size));
  if (!r) return 0;
  for (const auto& a : r->arrays)
    for (auto v : a.nalus) check_view(v, data, size);
  if (r->nal_length_size != 1 && r->nal_length_size != 2 && r->nal_length_size != 4) std::abort();
  return 0;
}
