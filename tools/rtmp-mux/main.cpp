// rtmp-mux: writes Enhanced RTMP FLV files from MP4 files, with rtmpcxx's own Muxer and
// FlvWriter (Debian's FFmpeg 5.1 cannot put HEVC/AV1/VP9/Opus/FLAC/AC-3 in FLV), and dumps
// any FLV file as rtmpcxx demuxes it (JSON lines, docs/json-lines.md), to check files and
// recordings. The muxing is library code (src/media/mp4_to_flv.hpp); this is its CLI.
//
//   rtmp-mux -o hevc.flv hevc_opus.mp4
//   rtmp-mux -o multi.flv --multitrack v0.mp4 v1.mp4 v2.mp4 a0.mp4 a1.mp4
//   rtmp-mux --dump multi.flv
#include "common/media_json.hpp"
#include "media/mp4_reader.hpp"
#include "media/mp4_to_flv.hpp"
#include "rtmp/core/amf.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/media/av1_config.hpp"
#include "rtmp/media/avc_config.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/flv_tag.hpp"
#include "rtmp/media/hevc_config.hpp"
#include "rtmp/media/muxer.hpp"
#include "rtmp/media/vp9_config.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace rtmp;
using json = nlohmann::ordered_json;

struct Options {
  std::string output;
  std::vector<std::string> inputs;
  std::string dump;
  Mp4ToFlvOptions mux;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "rtmp-mux: %s\n", what.c_str());
  std::exit(1);
}

Result<SharedBytes> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error(errc::io_error, "cannot open " + path);
  Bytes data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return make_shared_bytes(std::move(data));
}

// ---- --dump ----

int dump(const std::string& path) {
  auto data = read_file(path);
  if (!data) die(data.error().message());
  FlvReader reader;
  std::vector<Message> tags;
  if (auto r = reader.feed(**data, tags); !r) die(path + ": " + r.error().message());
  if (auto r = reader.finish(); !r) die(path + ": " + r.error().message());
  Demuxer demuxer;
  std::vector<MediaEvent> events;
  auto print = [](const json& j) { std::puts(j.dump().c_str()); };
  std::uint64_t multi_part = 0;
  for (const auto& m : tags) {
    if (m.type == msg::data_amf0) {
      if (auto v = parse_data(m)) {
        if (const amf::Value* meta = find_metadata(*v)) print(tools::lines::metadata_json(*meta));
      }
      continue;
    }
    events.clear();
    if (auto r = demuxer.push(m, events); !r)
      die(path + ": message at " + std::to_string(m.timestamp) + " ms: " + r.error().message());
    if (events.size() > 1) ++multi_part;
    for (const auto& e : events) print(tools::lines::event_json(e));
  }
  json summary = tools::lines::line("summary");
  summary.update(
      {{"tags", tags.size()}, {"multitrack_messages", multi_part}, {"dropped", demuxer.dropped()}});
  print(summary);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rtmp-mux: Enhanced RTMP FLV files from MP4 files, and FLV dumps"};
  Options o;
  app.add_option("inputs", o.inputs, "MP4 files (every video and audio track is muxed)");
  app.add_option("-o,--output", o.output, "FLV file to write");
  app.add_option("--dump", o.dump, "Print FLV_FILE's media as rtmpcxx demuxes it (JSON lines)");
  app.add_flag("--multitrack", o.mux.multitrack,
               "Multitrack framing (OneTrack + track id) even with one track per media type; "
               "implied by several video or audio tracks");
  app.add_flag("--pack", o.mux.pack,
               "Put the tracks of one timestamp in one ManyTracks / ManyTracksManyCodecs "
               "message when they share packet and frame type (implies --multitrack)");
  app.add_flag("--fourcc-all", o.mux.fourcc_all,
               "FourCC headers (avc1, mp4a, .mp3) for codecs that have legacy ones");
  app.add_flag("--legacy-hevc", o.mux.legacy_hevc, "HEVC with the legacy codec id 12 header");
  app.add_flag("--coded-frames-x", o.mux.coded_frames_x,
               "AVC/HEVC frames with composition time 0 as CodedFramesX");
  app.add_flag("--color-info", o.mux.color_info,
               "A Metadata (colorInfo) packet before each video track's sequence start");
  app.add_flag("--channel-config", o.mux.channel_config,
               "A MultichannelConfig packet after each Enhanced audio track's sequence start");
  app.add_flag("!--no-sequence-end", o.mux.sequence_end,
               "No SequenceEnd for video tracks at the end");
  app.add_flag("!--no-metadata", o.mux.metadata, "No onMetaData script tag");
  app.add_flag("--av1-mpeg2ts", o.mux.av1_mpeg2ts,
               "AV1 tracks start with MPEG2TSSequenceStart (AV1 video descriptor), not av1C");
  app.add_flag("--nano-offsets", o.mux.nano_offsets,
               "Floor timestamps to ms and send the rest as ModEx TimestampOffsetNano "
               "(Enhanced tracks)");
  CLI11_PARSE(app, argc, argv);

  if (!o.dump.empty()) return dump(o.dump);
  if (o.output.empty() || o.inputs.empty()) {
    std::fprintf(stderr, "%s", app.help().c_str());
    return 2;
  }
  std::vector<Mp4File> files;
  for (const auto& in : o.inputs) {
    auto data = read_file(in);
    if (!data) die(data.error().message());
    auto file = read_mp4(*data);
    if (!file) die(in + ": " + file.error().message());
    files.push_back(std::move(*file));
  }
  auto flv = mp4_to_flv(files, o.mux);
  if (!flv) die(flv.error().message());
  const Bytes& out = flv->flv;
  std::FILE* f = std::fopen(o.output.c_str(), "wb");
  if (!f || std::fwrite(out.data(), 1, out.size(), f) != out.size() || std::fclose(f) != 0)
    die("cannot write " + o.output);
  std::fprintf(stderr, "rtmp-mux: %s: %zu tracks, %llu messages (%llu packed), %zu bytes\n",
               o.output.c_str(), flv->tracks, static_cast<unsigned long long>(flv->messages),
               static_cast<unsigned long long>(flv->packed), out.size());
  return 0;
}
