// The media layer's MP4 reader (rtmp-mux's input): any input either fails with an error or
// yields tracks whose every sample lies inside the file and whose configs are views into it.
#include "media/mp4_reader.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto file = rtmp::make_shared_bytes(rtmp::Bytes(data, data + size));
  auto r = rtmp::read_mp4(file);
  if (!r) return 0;
  const auto* begin = file->data();
  const auto* end = begin + file->size();
  for (const auto& t : r->tracks) {
    if (!t.config.empty() && (t.config.data() < begin || t.config.data() + t.config.size() > end))
      std::abort();
    for (const auto& s : t.samples)
      if (s.offset > file->size() || s.size > file->size() - s.offset) std::abort();
  }
  return 0;
}
