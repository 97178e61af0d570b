// FlvReader over arbitrary bytes fed in pieces, then FlvWriter: what the reader returns must
// read back identically from the writer's output.
//
// Input: [piece size byte][file bytes...]; the file is fed in pieces of (byte % 64) + 1.
#include "rtmp/media/flv_file.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t piece = (data[0] % 64) + 1;
  rtmp::ByteView file(data + 1, size - 1);
  rtmp::FlvReaderOptions options;
  options.limits.max_message_length = 1 << 20;
  rtmp::FlvReader reader(options);
  std::vector<rtmp::Message> tags;
  for (std::size_t pos = 0; pos < file.size(); pos += piece)
    if (!reader.feed(file.subspan(pos, std::min(piece, file.size() - pos)), tags)) break;
  (void)reader.finish();
  if (!reader.header()) return 0;

  rtmp::Bytes out;
  rtmp::FlvWriter::header(out, reader.header()->has_audio, reader.header()->has_video);
  for (const auto& t : tags)
    if (!rtmp::FlvWriter::tag(out, t)) std::abort();
  rtmp::FlvReader again(options);
  std::vector<rtmp::Message> tags2;
  if (!again.feed(out, tags2) || !again.finish() || tags2 != tags) std::abort();
  return 0;
}
