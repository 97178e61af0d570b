// rtmp::fmp4 over codecs and samples built from arbitrary bytes: init_segment either fails or
// yields boxes that tile their parents exactly; write_fragment appends exactly
// fragment_size() bytes whose moof/mdat tile, with every trun data_offset pointing at that
// run's sample bytes inside the mdat.
//
// Input (FuzzedDataProvider): per track a config record (random-length string from the
// front), codec choice, track id and picture size from the back; then samples.
#include "rtmp/media/aac_config.hpp"
#include "rtmp/media/av1_config.hpp"
#include "rtmp/media/avc_config.hpp"
#include "rtmp/media/fmp4.hpp"
#include "rtmp/media/hevc_config.hpp"
#include "rtmp/media/opus_head.hpp"
#include "rtmp/media/vp9_config.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace rtmp;

std::uint64_t be(ByteView b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | b[at + i];
  return v;
}

bool is_container(ByteView b, std::size_t at) {
  static const char* const types[] = {"moov", "trak", "mdia", "minf", "dinf",
                                      "stbl", "mvex", "moof", "traf"};
  for (const char* t : types)
    if (std::equal(t, t + 4, b.begin() + static_cast<std::ptrdiff_t>(at) + 4)) return true;
  return false;
}

// Boxes in [from, to) must tile it exactly, recursively through the containers.
void check_tiles(ByteView b, std::size_t from, std::size_t to) {
  while (from < to) {
    if (to - from < 8) std::abort();
    std::uint64_t size = be(b, from, 4);
    std::size_t header = 8;
    if (size == 1) size = be(b, from + 8, 8), header = 16;
    if (size < header || size > to - from) std::abort();
    if (is_container(b, from)) check_tiles(b, from + header, from + size);
    from += size;
  }
}

Codec make_codec(FuzzedDataProvider& in, const std::shared_ptr<const Bytes>& owner) {
  static constexpr CodecId ids[] = {CodecId::h264, CodecId::h265, CodecId::av1,  CodecId::vp9,
                                    CodecId::aac,  CodecId::mp3,  CodecId::opus, CodecId::flac};
  Codec c;
  c.id = ids[in.ConsumeIntegralInRange<std::size_t>(0, std::size(ids) - 1)];
  c.type = codec_track_type(c.id);
  c.owner = owner;
  c.config = *owner;
  switch (c.id) {
    case CodecId::h264:
      if (auto r = parse_avc_config(c.config)) c.details = *r;
      break;
    case CodecId::h265:
      if (auto r = parse_hevc_config(c.config)) c.details = *r;
      break;
    case CodecId::av1:
      if (auto r = parse_av1_config(c.config)) c.details = *r;
      break;
    case CodecId::vp9:
      if (auto r = parse_vp9_config(c.config)) c.details = *r;
      break;
    case CodecId::aac:
      if (auto r = parse_aac_config(c.config)) c.details = *r;
      break;
    case CodecId::opus:
      if (auto r = parse_opus_head(c.config)) c.details = *r;
      break;
    case CodecId::mp3:
      c.details = LegacyAudio::from_byte(in.ConsumeIntegral<std::uint8_t>());
      break;
    default:
      break;
  }
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::vector<std::shared_ptr<const Bytes>> configs;
  std::vector<fmp4::Track> tracks;
  const int track_count = in.ConsumeIntegralInRange(1, 3);
  for (int i = 0; i < track_count; ++i) {
    const std::string s = in.ConsumeRandomLengthString(512);
    configs.push_back(make_shared_bytes(Bytes(s.begin(), s.end())));
    fmp4::Track t;
    t.codec = make_codec(in, configs.back());
    t.id = in.ConsumeIntegralInRange<std::uint32_t>(0, 4);
    t.timescale = in.ConsumeBool() ? 0 : in.ConsumeIntegral<std::uint32_t>();
    if (in.ConsumeBool()) {
      t.width = in.ConsumeIntegralInRange<std::uint32_t>(0, 8192);
      t.height = in.ConsumeIntegralInRange<std::uint32_t>(0, 8192);
    }
    tracks.push_back(std::move(t));
  }
  if (auto init = fmp4::init_segment(tracks)) check_tiles(**init, 0, (*init)->size());

  // Up to 4 runs of up to 64 samples over one payload pool.
  const std::string pool = in.ConsumeRandomLengthString(4096);
  const ByteView bytes(reinterpret_cast<const std::uint8_t*>(pool.data()), pool.size());
  std::vector<std::vector<fmp4::Sample>> samples(in.ConsumeIntegralInRange(0, 4));
  for (auto& run : samples) {
    const int n = in.ConsumeIntegralInRange(0, 64);
    for (int i = 0; i < n; ++i) {
      fmp4::Sample s;
      s.dts = in.ConsumeIntegral<std::int64_t>();
      s.cts = in.ConsumeIntegral<std::int32_t>();
      s.duration = in.ConsumeIntegral<std::uint32_t>();
      s.keyframe = in.ConsumeBool();
      const auto off = in.ConsumeIntegralInRange<std::size_t>(0, bytes.size());
      s.data = bytes.subspan(off, in.ConsumeIntegralInRange<std::size_t>(0, bytes.size() - off));
      run.push_back(s);
    }
  }
  std::vector<fmp4::Run> runs;
  for (std::size_t i = 0; i < samples.size(); ++i)
    runs.push_back({static_cast<std::uint32_t>(i + 1), samples[i]});

  Bytes out(in.ConsumeIntegralInRange<std::size_t>(0, 16), 0xAB);  // appended after these
  const std::size_t start = out.size();
  fmp4::write_fragment(in.ConsumeIntegral<std::uint32_t>(), runs, out);
  if (out.size() - start != fmp4::fragment_size(runs)) std::abort();
  check_tiles(out, start, out.size());
  // Each traf's data_offset (moof-relative) finds its run's bytes.
  const ByteView b = out;
  std::size_t at = start + 8 + 16;  // first traf after the moof header and mfhd
  for (const auto& run : samples) {
    if (run.empty()) continue;
    const std::size_t trun = at + 8 + 16 + 20;
    std::size_t offset = start + be(b, trun + 16, 4);
    for (const auto& s : run) {
      if (offset > out.size() || s.data.size() > out.size() - offset) std::abort();
      if (!std::equal(s.data.begin(), s.data.end(),
                      b.begin() + static_cast<std::ptrdiff_t>(offset)))
        std::abort();
      offset += s.data.size();
    }
    at += be(b, at, 4);
  }
  return 0;
}
