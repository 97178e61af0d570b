// Differential test against ffprobe: demux every tag of ffmpeg-made FLV files and compare the
// samples with ffprobe's packet list, then mux everything back and require the original file.
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/muxer.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace rtmp {
namespace {

struct Packet {
  std::string type;
  std::int64_t pts = 0, dts = 0;
  std::size_t size = 0;
  bool key = false;
  bool operator==(const Packet&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Packet& p) {
  return os << p.type << " pts " << p.pts << " dts " << p.dts << " size " << p.size
            << (p.key ? " K" : "");
}

// codec_type,stream_index,pts,dts,size,flags
std::vector<Packet> read_csv(const std::string& path) {
  std::ifstream f(path);
  std::vector<Packet> out;
  std::string line;
  while (std::getline(f, line)) {
    std::stringstream ss(line);
    std::string type, index, pts, dts, size, flags;
    std::getline(ss, type, ',');
    std::getline(ss, index, ',');
    std::getline(ss, pts, ',');
    std::getline(ss, dts, ',');
    std::getline(ss, size, ',');
    std::getline(ss, flags, ',');
    out.push_back({type, std::stoll(pts), std::stoll(dts), std::stoul(size), flags[0] == 'K'});
  }
  return out;
}

void check_fixture(const std::string& stem, std::size_t expected_codecs) {
  const std::string dir = std::string(RTMP_TEST_DATA_DIR) + "/media/";
  const Bytes file = test::read_file(dir + stem + ".flv");
  ASSERT_FALSE(file.empty()) << dir + stem + ".flv";
  const auto expected = read_csv(dir + stem + ".packets.csv");
  ASSERT_FALSE(expected.empty());

  FlvReader reader;
  std::vector<Message> tags;
  ASSERT_TRUE(reader.feed(file, tags));
  ASSERT_TRUE(reader.finish());

  Demuxer demuxer;
  std::vector<Packet> got;
  std::size_t codecs = 0, ends = 0;
  Bytes rebuilt;
  FlvWriter::header(rebuilt, reader.header()->has_audio, reader.header()->has_video);
  for (const Message& tag : tags) {
    std::vector<MediaEvent> events;
    auto r = demuxer.push(tag, events);
    ASSERT_TRUE(r) << r.error().message();
    std::vector<Message> back;
    for (const auto& e : events) {
      if (auto* v = std::get_if<VideoSample>(&e)) {
        got.push_back({"video", v->pts, v->dts, v->data.size(), v->keyframe});
        std::size_t total = 0;
        for (auto n : v->nalus) total += n.size() + 4;
        EXPECT_EQ(total, v->data.size());  // x264 output: every unit split, 4-byte lengths
      } else if (auto* a = std::get_if<AudioSample>(&e)) {
        got.push_back({"audio", a->timestamp, a->timestamp, a->data.size(), true});
      } else if (auto* c = std::get_if<Codec>(&e)) {
        ++codecs;
        if (!Muxer::has_wire_form(*c)) continue;
      } else if (std::holds_alternative<SequenceEnd>(e)) {
        ++ends;
      }
      back.push_back(Muxer::mux(e, tag.stream_id));
    }
    if (tag.type == msg::data_amf0) back.push_back(tag);  // onMetaData passes through
    ASSERT_EQ(back.size(), 1u) << "tag at " << tag.timestamp;
    EXPECT_EQ(back[0], tag) << "tag at " << tag.timestamp;
    ASSERT_TRUE(FlvWriter::tag(rebuilt, back[0]));
  }
  EXPECT_EQ(demuxer.dropped(), 0u);
  EXPECT_EQ(codecs, expected_codecs);
  EXPECT_LE(ends, 1u);
  ASSERT_EQ(got.size(), expected.size());
  std::size_t differences = 0;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!(got[i] == expected[i])) {
      ++differences;
      ADD_FAILURE() << "packet " << i << ": got " << got[i] << ", ffprobe " << expected[i];
    }
  EXPECT_EQ(differences, 0u);
  EXPECT_TRUE(rebuilt == file) << "mux of the demuxed tags differs from the file";
}

TEST(FfmpegFixture, H264HighBFramesAndAac) {
  check_fixture("h264_aac", 2);
}

TEST(FfmpegFixture, Mp3AudioOnly) {
  check_fixture("mp3", 1);
}

}  // namespace
}  // namespace rtmp
