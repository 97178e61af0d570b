// ts-dump IN.flv OUT.ts: demuxes an FLV file and writes its audio/video as one MPEG-TS
// stream with rtmp::ts::Muxer, for the interop check against ffprobe (tests/interop/
// ts_check.py). Tracks the muxer cannot carry are left out and named on stderr. PAT/PMT
// go out before the first frame and again after any codec change. Prints a summary line.
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/ts_muxer.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <variant>

namespace {

struct Dump {
  rtmp::ts::Muxer mux;
  rtmp::Bytes out;
  bool tables_due = true;
  rtmp::CodecId video_codec = rtmp::CodecId::unknown, audio_codec = rtmp::CodecId::unknown;
  std::size_t video = 0, audio = 0;  // frames of the tracks the muxer carries

  void on_event(const rtmp::MediaEvent& e) {
    if (const auto* c = std::get_if<rtmp::Codec>(&e)) {
      if (auto r = mux.set_codec(*c); !r) {
        std::cerr << "ts-dump: leaving out " << rtmp::codec_name(c->id) << ": "
                  << r.error().message() << "\n";
        return;
      }
      (c->type == rtmp::TrackType::video ? video_codec : audio_codec) = c->id;
      tables_due = true;
    } else if (const auto* v = std::get_if<rtmp::VideoSample>(&e)) {
      tables();
      mux.write_video(*v, out);
      video += v->codec == video_codec;
    } else if (const auto* a = std::get_if<rtmp::AudioSample>(&e)) {
      tables();
      mux.write_audio(*a, out);
      audio += a->codec == audio_codec;
    }
  }
  void tables() {
    if (!tables_due) return;
    mux.write_tables(out);
    tables_due = false;
  }
};

int run(const char* in_path, const char* out_path) {
  std::ifstream in(in_path, std::ios::binary);
  if (!in) {
    std::cerr << "ts-dump: cannot open " << in_path << "\n";
    return 1;
  }
  const rtmp::Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rtmp::FlvReader reader;
  std::vector<rtmp::Message> tags;
  if (auto r = reader.feed(file, tags); !r) {
    std::cerr << "ts-dump: " << r.error().message() << "\n";
    return 1;
  }
  rtmp::Demuxer demuxer;
  Dump dump;
  std::vector<rtmp::MediaEvent> events;
  for (const auto& m : tags) {
    demuxer.recycle(events);
    if (auto r = demuxer.push(m, events); !r) {
      std::cerr << "ts-dump: demux: " << r.error().message() << "\n";
      return 1;
    }
    for (const auto& e : events) dump.on_event(e);
  }
  std::ofstream os(out_path, std::ios::binary);
  os.write(reinterpret_cast<const char*>(dump.out.data()),
           static_cast<std::streamsize>(dump.out.size()));
  if (!os) {
    std::cerr << "ts-dump: cannot write " << out_path << "\n";
    return 1;
  }
  std::printf("%zu video, %zu audio frames, %zu TS packets, %llu malformed\n", dump.video,
              dump.audio, dump.out.size() / 188,
              static_cast<unsigned long long>(dump.mux.malformed_frames()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: ts-dump IN.flv OUT.ts\n";
    return 2;
  }
  return run(argv[1], argv[2]);
}
