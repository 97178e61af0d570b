// Movie fragments: moof + mdat (ISO/IEC 14496-12 §8.8).
#include "box_writer.hpp"
#include "rtmp/media/fmp4.hpp"

#include <limits>

namespace rtmp::fmp4 {
namespace {

// §8.8.3.1 sample flags: sample_depends_on = 2 (an I picture) for sync samples; otherwise
// sample_depends_on = 1 and sample_is_non_sync_sample.
constexpr std::uint32_t sync_flags = 0x02000000;
constexpr std::uint32_t non_sync_flags = 0x01010000;

// tfhd flag: base data offset is the start of the moof (CMAF requires it).
constexpr std::uint32_t default_base_is_moof = 0x020000;
// trun flags: data-offset, sample-duration, sample-size, sample-flags, composition offset.
constexpr std::uint32_t trun_flags = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800;

constexpr std::size_t mfhd_size = 16;
constexpr std::size_t tfhd_size = 16;
constexpr std::size_t tfdt_size = 20;
constexpr std::size_t trun_fixed = 20;  // header, version/flags, sample_count, data_offset
constexpr std::size_t trun_per_sample = 16;

std::size_t traf_size(std::size_t samples) {
  return 8 + tfhd_size + tfdt_size + trun_fixed + trun_per_sample * samples;
}

std::size_t moof_size(std::span<const Run> runs) {
  std::size_t n = 8 + mfhd_size;
  for (const auto& r : runs)
    if (!r.samples.empty()) n += traf_size(r.samples.size());
  return n;
}

std::uint64_t payload_size(std::span<const Run> runs) {
  std::uint64_t n = 0;
  for (const auto& r : runs)
    for (const auto& s : r.samples) n += s.data.size();
  return n;
}

std::size_t mdat_header_size(std::uint64_t payload) {
  return payload + 8 > std::numeric_limits<std::uint32_t>::max() ? 16 : 8;
}

void write_traf(detail::BoxWriter& w, const Run& run, std::uint64_t data_offset) {
  w.box("traf", [&] {
    w.full_box("tfhd", 0, default_base_is_moof, [&] { w.u32be(run.track_id); });
    const std::int64_t base = run.samples.front().dts;
    w.full_box("tfdt", 1, 0, [&] { w.u64be(static_cast<std::uint64_t>(base < 0 ? 0 : base)); });
    w.full_box("trun", 1, trun_flags, [&] {
      w.u32be(static_cast<std::uint32_t>(run.samples.size()));
      w.u32be(static_cast<std::uint32_t>(data_offset));
      for (const auto& s : run.samples) {
        w.u32be(s.duration);
        w.u32be(static_cast<std::uint32_t>(s.data.size()));
        w.u32be(s.keyframe ? sync_flags : non_sync_flags);
        w.u32be(static_cast<std::uint32_t>(s.cts));  // version 1: signed
      }
    });
  });
}

}  // namespace

std::size_t fragment_size(std::span<const Run> runs) noexcept {
  const std::uint64_t payload = payload_size(runs);
  return moof_size(runs) + mdat_header_size(payload) + static_cast<std::size_t>(payload);
}

void write_fragment(std::uint32_t sequence_number, std::span<const Run> runs, Bytes& out) {
  const std::size_t moof = moof_size(runs);
  const std::uint64_t payload = payload_size(runs);
  const std::size_t mdat_header = mdat_header_size(payload);
  out.reserve(out.size() + moof + mdat_header + payload);

  detail::BoxWriter w(out);
  const std::size_t moof_start = w.begin("moof");
  w.full_box("mfhd", 0, 0, [&] { w.u32be(sequence_number); });
  // data_offset counts from the moof's first byte (default-base-is-moof); each run's bytes
  // follow the previous run's in the one mdat.
  std::uint64_t offset = moof + mdat_header;
  for (const auto& run : runs) {
    if (run.samples.empty()) continue;
    write_traf(w, run, offset);
    for (const auto& s : run.samples) offset += s.data.size();
  }
  w.end(moof_start);

  if (mdat_header == 16) {
    w.u32be(1);
    w.string("mdat");
    w.u64be(payload + 16);
  } else {
    w.u32be(static_cast<std::uint32_t>(payload + 8));
    w.string("mdat");
  }
  for (const auto& run : runs)
    for (const auto& s : run.samples) w.bytes(s.data);
}

}  // namespace rtmp::fmp4
