#include "rtmp/media/nalu.hpp"

#include <string>

namespace rtmp {

Result<void> split_nalus(ByteView data, std::uint8_t length_size, std::vector<ByteView>& out) {
  if (length_size < 1 || length_size > 4)
    return Error(errc::invalid_argument,
                 "NAL length size " + std::to_string(length_size) + " (must be 1..4)");
  std::size_t pos = 0;
  const std::size_t n = data.size();
  while (pos < n) {
    if (n - pos < length_size)
      return Error(errc::malformed, "NAL length prefix at offset " + std::to_string(pos) + ": " +
                                        std::to_string(n - pos) + " bytes left, need " +
                                        std::to_string(length_size));
    std::uint32_t len = 0;
    for (std::uint8_t i = 0; i < length_size; ++i) len = len << 8 | data[pos + i];
    pos += length_size;
    if (len > n - pos)
      return Error(errc::malformed, "NAL unit at offset " + std::to_string(pos - length_size) +
                                        ": length " + std::to_string(len) + " overruns the " +
                                        std::to_string(n) + "-byte frame");
    if (len != 0) out.push_back(data.subspan(pos, len));
    pos += len;
  }
  return {};
}

void split_annexb(ByteView data, std::vector<ByteView>& out) {
  const std::size_t n = data.size();
  // Find each 00 00 01; a unit runs to the next start code minus trailing zeros (which also
  // absorbs the leading zero of a 4-byte start code).
  auto next_start = [&](std::size_t from) -> std::size_t {
    for (std::size_t i = from; i + 2 < n; ++i) {
      if (data[i + 2] > 1) {
        i += 2;  // no start code can begin at i, i+1 or i+2
        continue;
      }
      if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) return i;
    }
    return n;
  };
  std::size_t sc = next_start(0);
  while (sc < n) {
    std::size_t begin = sc + 3;
    std::size_t next = next_start(begin);
    std::size_t end = next;
    while (end > begin && data[end - 1] == 0) --end;
    if (end > begin) out.push_back(data.subspan(begin, end - begin));
    sc = next;
  }
}

Result<void> append_length_prefixed(Bytes& out, const std::vector<ByteView>& nalus,
                                    std::uint8_t length_size) {
  if (length_size != 1 && length_size != 2 && length_size != 4)
    return Error(errc::invalid_argument,
                 "NAL length size " + std::to_string(length_size) + " (must be 1, 2 or 4)");
  const std::uint64_t max = length_size == 4 ? 0xFFFFFFFFull : (1ull << (8 * length_size)) - 1;
  for (std::size_t i = 0; i < nalus.size(); ++i)
    if (nalus[i].size() > max)
      return Error(errc::invalid_argument,
                   "NAL unit " + std::to_string(i) + " of " + std::to_string(nalus[i].size()) +
                       " bytes does not fit a " + std::to_string(length_size) + "-byte length");
  ByteWriter w(out);
  for (auto n : nalus) {
    for (std::uint8_t i = length_size; i-- > 0;)
      w.u8(static_cast<std::uint8_t>(n.size() >> (8 * i)));
    w.bytes(n);
  }
  return {};
}

}  // namespace rtmp
