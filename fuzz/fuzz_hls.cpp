// HLS segmenter + playlist renderer over arbitrary event sequences: codec (re)configurations,
// video and audio frames with jumping, backward and wrapping timestamps, sequence ends,
// discontinuities and ends, through the real fMP4 or MPEG-TS adapter.
//
// Invariants checked after every change: media sequence numbers strictly increase; the
// window holds at most Options::window segments; a segment that was not a forced cut starts
// with an independent part; durations are positive and a segment's is its parts' sum; every
// segment's rounded duration is at most EXT-X-TARGETDURATION, which never changes once the
// playlist is listed; the playlist parses back (known tags only, each EXTINF followed by a
// URI that lookup() finds, the media sequence of the first segment) and every listed part
// is found.
//
// Speed: at most max_steps events per input, each complete segment checked once, the
// playlist rendered every 32nd change; run with -max_len=1024 or so.
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/hls_playlist.hpp"
#include "rtmp/media/hls_segmenter.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace rtmp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Codecs as the Demuxer makes them from legacy sequence headers: FFmpeg's 1280x720 avcC
// (two variants, for codec changes) and AAC LC (44.1 kHz stereo, 48 kHz stereo).
Codec make_codec(std::uint8_t which) {
  static const char* const avcc =
      "0164001fffe1001a6764001facd9405005bb011000000300100000030320f183196001000668ebe3cb22c0";
  Bytes body;
  if (which < 2) {
    body = {0x17, 0x00, 0x00, 0x00, 0x00};
    for (const char* p = avcc; p[0] && p[1]; p += 2)
      body.push_back(static_cast<std::uint8_t>(std::stoi(std::string(p, 2), nullptr, 16)));
    if (which == 1) body[8] = 0x1e;  // another level: another config
  } else {
    body = {0xAF, 0x00, 0x12, static_cast<std::uint8_t>(which == 2 ? 0x10 : 0x90)};
    if (which == 3) body[2] = 0x11;
  }
  Message m;
  m.type = which < 2 ? msg::video : msg::audio;
  m.payload = make_shared_bytes(std::move(body));
  Demuxer d;
  std::vector<MediaEvent> out;
  if (!d.push(m, out) || out.empty() || !std::holds_alternative<Codec>(out[0])) std::abort();
  return std::get<Codec>(out[0]);
}

const Codec& codec(std::uint8_t which) {
  static const std::array<Codec, 4> codecs = {make_codec(0), make_codec(1), make_codec(2),
                                              make_codec(3)};
  return codecs[which & 3];
}

constexpr std::size_t max_steps = 160;

bool known_tag(std::string_view line) {
  static const char* const tags[] = {"#EXTM3U",
                                     "#EXT-X-VERSION:",
                                     "#EXT-X-TARGETDURATION:",
                                     "#EXT-X-SERVER-CONTROL:",
                                     "#EXT-X-PART-INF:",
                                     "#EXT-X-MEDIA-SEQUENCE:",
                                     "#EXT-X-DISCONTINUITY-SEQUENCE:",
                                     "#EXT-X-INDEPENDENT-SEGMENTS",
                                     "#EXT-X-SKIP:",
                                     "#EXT-X-MAP:URI=\"",
                                     "#EXT-X-PROGRAM-DATE-TIME:",
                                     "#EXT-X-PART:DURATION=",
                                     "#EXTINF:",
                                     "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"",
                                     "#EXT-X-ENDLIST",
                                     "#EXT-X-DISCONTINUITY"};
  for (const char* t : tags)
    if (line.starts_with(t)) return true;
  return false;
}

std::string quoted_uri(std::string_view line) {
  const auto at = line.find("URI=\"");
  if (at == std::string_view::npos) return {};
  const auto start = at + 5, end = line.find('"', start);
  check(end != std::string_view::npos);
  return std::string(line.substr(start, end - start));
}

void check_playlist(const hls::State& st, bool skip) {
  const std::string text = hls::render_playlist(st, skip);
  std::string_view rest = text;
  auto next_line = [&](std::string_view& line) {
    if (rest.empty()) return false;
    const auto nl = rest.find('\n');
    check(nl != std::string_view::npos);  // every line ends with a newline
    line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    return true;
  };
  std::string_view line;
  check(next_line(line) && line == "#EXTM3U");
  bool want_uri = false;
  std::size_t segments = 0;
  while (next_line(line)) {
    if (want_uri) {
      check(!line.empty() && line[0] != '#');
      check(hls::lookup(st, line).kind == hls::File::Kind::found);
      want_uri = false;
      ++segments;
      continue;
    }
    check(known_tag(line));
    if (line.starts_with("#EXTINF:")) want_uri = true;
    if (line.starts_with("#EXT-X-MEDIA-SEQUENCE:")) {
      const auto first = !st.segments.empty() ? st.segments.front().msn
                         : st.current         ? st.current->msn
                                              : st.next_msn;
      check(line == "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first));
    }
    if (line.starts_with("#EXT-X-PART:") || line.starts_with("#EXT-X-MAP:")) {
      check(hls::lookup(st, quoted_uri(line)).kind == hls::File::Kind::found);
    }
    if (line.starts_with("#EXT-X-PRELOAD-HINT:"))
      check(hls::lookup(st, quoted_uri(line)).kind == hls::File::Kind::wait);
  }
  check(!want_uri);
  check(segments <= st.segments.size());
  if (!skip) check(segments == st.segments.size());
}

struct Seen {
  std::uint64_t max_msn = 0;
  std::optional<std::uint64_t> checked_msn;  // complete segments up to it were checked
  std::optional<std::int64_t> target_s;      // EXT-X-TARGETDURATION once listed
};

void check_state(const hls::State& st, Seen& seen) {
  check(st.segments.size() <= st.options.window);
  if (st.listed()) {
    if (!seen.target_s) seen.target_s = st.target_duration_s;
    check(st.target_duration_s == *seen.target_s);
  }
  std::optional<std::uint64_t> prev;
  for (const auto& s : st.segments) {
    if (prev) check(s.msn == *prev + 1);
    prev = s.msn;
    if (seen.checked_msn && s.msn <= *seen.checked_msn) continue;  // immutable once complete
    seen.checked_msn = s.msn;
    check((s.duration_ms + 500) / 1000 <= st.target_duration_s);
    check(!s.parts.empty());
    if (!s.forced) check(s.parts[0].independent);
    std::int64_t sum = 0;
    for (const auto& p : s.parts) {
      check(p.duration_ms >= 1);
      check(p.data != nullptr);
      sum += p.duration_ms;
    }
    check(sum == s.duration_ms);
  }
  if (!st.segments.empty()) {
    check(st.segments.back().msn + 1 == st.next_msn);
    check(st.segments.back().msn + 1 >= seen.max_msn);
    seen.max_msn = st.segments.back().msn + 1;
  }
  if (st.current) {
    check(st.current->msn == st.next_msn);
    if (!st.current->parts.empty()) check(st.current->parts.back().duration_ms >= 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  hls::Options o;
  o.container = in.ConsumeBool() ? hls::Container::mpegts : hls::Container::fmp4;
  o.target_ms = in.ConsumeIntegralInRange<std::int64_t>(100, 4000);
  o.part_target_ms = in.ConsumeIntegralInRange<std::int64_t>(20, 1000);
  o.window = in.ConsumeIntegralInRange<std::size_t>(1, 8);
  o.max_segment_bytes = in.ConsumeIntegralInRange<std::size_t>(1000, 100'000);
  hls::Segmenter seg(o);
  hls::PlaylistCache cache;
  static const SharedBytes frame = make_shared_bytes(Bytes{0, 0, 0, 2, 0x65, 0x88, 0xAB, 0xCD});
  std::int64_t ts = 0, wall = 1'700'000'000'000;
  Seen seen;
  std::uint64_t version = seg.state().version, changes = 0;
  for (std::size_t step = 0; step < max_steps && in.remaining_bytes() > 0; ++step) {
    const auto op = in.ConsumeIntegralInRange<int>(0, 15);
    // Mostly small steps; sometimes jumps, steps back, or a leap past 2^32.
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
      case 0:
        ts += in.ConsumeIntegralInRange<std::int64_t>(-10'000, 100'000);
        break;
      case 1:
        ts += std::int64_t{1} << 32;
        break;
      default:
        ts += in.ConsumeIntegralInRange<std::int64_t>(0, 70);
    }
    wall += in.ConsumeIntegralInRange<std::int64_t>(0, 100);
    if (op < 6) {
      VideoSample v;
      v.codec = CodecId::h264;
      v.dts = ts;
      v.pts = ts + in.ConsumeIntegralInRange<std::int64_t>(-100, 300);
      v.keyframe = op == 0;
      v.owner = frame;
      v.data = *frame;
      v.track_id = op == 5 ? 1 : 0;
      seg.push(v, wall);
    } else if (op < 11) {
      AudioSample a;
      a.codec = CodecId::aac;
      a.timestamp = ts;
      a.owner = frame;
      a.data = ByteView(*frame).subspan(4);
      seg.push(a, wall);
    } else if (op == 11) {
      seg.push(codec(in.ConsumeIntegralInRange<std::uint8_t>(0, 3)), wall);
    } else if (op == 12) {
      SequenceEnd e;
      e.type = in.ConsumeBool() ? TrackType::video : TrackType::audio;
      seg.push(e, wall);
    } else if (op == 13) {
      seg.discontinuity(wall);
    } else if (op == 14) {
      seg.end(wall);
    } else {
      hls::Query q;
      q.msn = in.ConsumeIntegralInRange<std::uint64_t>(0, 64);
      if (in.ConsumeBool()) q.part = in.ConsumeIntegralInRange<std::uint64_t>(0, 40);
      (void)hls::decide(seg.state(), q);
      (void)cache.get(seg.state(), in.ConsumeBool());
    }
    if (seg.state().version == version) continue;
    version = seg.state().version;
    check_state(seg.state(), seen);
    // Rendering and parsing back is the slow part: every 32nd change, and at the end.
    if (++changes % 32 == 0) {
      check_playlist(seg.state(), false);
      check_playlist(seg.state(), true);
    }
  }
  check_playlist(seg.state(), false);
  check_playlist(seg.state(), true);
  return 0;
}
