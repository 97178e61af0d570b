// The MP4 seed the mp4_reader and mp4_to_flv tests share, with ffprobe's packet list of it
// (tests/data/media/README.md says how both were made).
#pragma once

#include "media/mp4_reader.hpp"
#include "support/bytes.hpp"

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace rtmp::test {

struct ProbePacket {
  std::int64_t pts = 0, dts = 0;  // track timescale (1/48000)
  std::uint32_t size = 0;
  bool key = false;
};

inline std::string opus_mp4_path() {
  return std::string(RTMP_FUZZ_CORPUS_DIR) + "/mp4_reader/mt_opus_whole.mp4";
}

// pts,dts,size,flags per line.
inline std::vector<ProbePacket> opus_mp4_packets() {
  std::ifstream f(std::string(RTMP_TEST_DATA_DIR) + "/media/mt_opus_whole.packets.csv");
  std::vector<ProbePacket> out;
  std::string line;
  while (std::getline(f, line)) {
    ProbePacket p;
    std::size_t a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
    p.pts = std::stoll(line.substr(0, a));
    p.dts = std::stoll(line.substr(a + 1, b - a - 1));
    p.size = static_cast<std::uint32_t>(std::stoul(line.substr(b + 1, c - b - 1)));
    p.key = line.substr(c + 1, 1) == "K";
    out.push_back(p);
  }
  return out;
}

}  // namespace rtmp::test
