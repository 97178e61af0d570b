// Demuxer over arbitrary type 8/9 messages, checking that mux(demux(m)) == m whenever a
// message yields exactly one event with a wire form and nothing of it was dropped.
//
// Input: a sequence of records [kind][ts: 4 bytes BE][len: 2 bytes BE][payload: len bytes];
// kind's low bit picks audio (1) or video (0). A short last record takes what is left.
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/muxer.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rtmp::Demuxer demuxer;
  std::vector<rtmp::MediaEvent> events;
  std::size_t pos = 0;
  while (pos + 7 <= size) {
    const std::uint8_t kind = data[pos];
    const std::uint32_t ts = std::uint32_t(data[pos + 1]) << 24 |
                             std::uint32_t(data[pos + 2]) << 16 |
                             std::uint32_t(data[pos + 3]) << 8 | data[pos + 4];
    std::size_t len = std::size_t(data[pos + 5]) << 8 | data[pos + 6];
    pos += 7;
    len = std::min(len, size - pos);
    rtmp::Message m;
    m.type = (kind & 1) ? rtmp::msg::audio : rtmp::msg::video;
    m.csid = (kind & 1) ? rtmp::csid::audio : rtmp::csid::video;
    m.timestamp = ts;
    m.stream_id = 1;
    m.payload = rtmp::make_shared_bytes(rtmp::Bytes(data + pos, data + pos + len));
    pos += len;

    events.clear();
    const std::uint64_t dropped = demuxer.dropped();
    if (!demuxer.push(m, events)) continue;
    // A multitrack message with a dropped track cannot come back whole.
    if (demuxer.dropped() != dropped) continue;
    std::vector<rtmp::Message> back;
    bool exact = true;
    for (const auto& e : events) {
      if (auto* c = std::get_if<rtmp::Codec>(&e); c && !rtmp::Muxer::has_wire_form(*c)) continue;
      if (auto* v = std::get_if<rtmp::VideoSample>(&e); v && v->frame_type == 0) exact = false;
      back.push_back(rtmp::Muxer::mux(e, m.stream_id));
    }
    if (exact && back.size() == 1 && !(back[0] == m)) std::abort();  // mux is not the inverse
  }
  return 0;
}
