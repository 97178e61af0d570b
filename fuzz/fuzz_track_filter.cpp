// TrackFilter over arbitrary audio/video messages, for both targets: whatever it passes on
// must parse, as one part, without multitrack framing, and (legacy target) with a legacy
// header; the blocked codecs must be ones a legacy player cannot decode.
//
// Input: records [kind][len: 2 bytes BE][payload: len bytes], kind's low bit = audio, bit 1
// picks the track the filters keep (0 or 1).
#include "rtmp/media/track_filter.hpp"

#include <cstdlib>

using namespace rtmp;

namespace {

void check(TrackFilter& f, const Message& m) {
  auto r = f.apply(m);
  if (!r || !*r) return;
  const Message& out = **r;
  if (out.size() == 0) return;
  bool enhanced = false, framed = false;
  std::size_t n = 0;
  if (out.type == msg::video) {
    std::vector<flv::VideoTagPart> parts;
    if (!flv::parse_video_tag(out.data(), parts)) std::abort();
    n = parts.size();
    enhanced = parts[0].enhanced;
    framed = parts[0].multitrack != MultitrackMode::none;
  } else {
    std::vector<flv::AudioTagPart> parts;
    if (!flv::parse_audio_tag(out.data(), parts)) std::abort();
    n = parts.size();
    enhanced = parts[0].enhanced;
    framed = parts[0].multitrack != MultitrackMode::none;
  }
  if (n != 1 || framed) std::abort();
  if (f.target() == TrackFilter::Target::legacy && enhanced) std::abort();
  for (CodecId c : {f.blocked_video(), f.blocked_audio()})
    if (c != CodecId::unknown && legacy_player_codec(c)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  TrackFilter legacy0(TrackFilter::Target::legacy), one0(TrackFilter::Target::enhanced_one_track);
  TrackFilter legacy1(TrackFilter::Target::legacy, 1, 1);
  TrackFilter one1(TrackFilter::Target::enhanced_one_track, 1, 1);
  std::size_t pos = 0;
  while (pos + 3 <= size) {
    const std::uint8_t kind = data[pos];
    std::size_t len = std::size_t(data[pos + 1]) << 8 | data[pos + 2];
    pos += 3;
    len = std::min(len, size - pos);
    Message m;
    m.type = (kind & 1) ? msg::audio : msg::video;
    m.csid = (kind & 1) ? csid::audio : csid::video;
    m.stream_id = 1;
    m.payload = make_shared_bytes(Bytes(data + pos, data + pos + len));
    pos += len;
    check((kind & 2) ? legacy1 : legacy0, m);
    check((kind & 2) ? one1 : one0, m);
  }
  return 0;
}
