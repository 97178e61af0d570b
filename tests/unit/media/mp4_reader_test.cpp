#include "media/mp4_reader.hpp"

#include "mp4_fixture.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

TEST(Mp4Reader, SamplesMatchFfprobesPacketList) {
  auto data = make_shared_bytes(test::read_file(test::opus_mp4_path()));
  ASSERT_FALSE(data->empty());
  auto file = read_mp4(data);
  ASSERT_TRUE(file) << file.error().message();
  ASSERT_EQ(file->tracks.size(), 1u);
  const Mp4Track& t = file->tracks[0];
  EXPECT_EQ(t.entry, "Opus");
  EXPECT_FALSE(t.video);
  EXPECT_EQ(t.timescale, 48000u);
  EXPECT_EQ(t.sample_rate, 48000u);
  EXPECT_FALSE(t.config.empty());  // dOps
  const auto want = test::opus_mp4_packets();
  ASSERT_EQ(t.samples.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(t.samples[i].dts, want[i].dts) << "sample " << i;
    EXPECT_EQ(t.samples[i].pts, want[i].pts) << "sample " << i;
    EXPECT_EQ(t.samples[i].size, want[i].size) << "sample " << i;
    EXPECT_EQ(t.samples[i].sync, want[i].key) << "sample " << i;
    EXPECT_LE(t.samples[i].offset + t.samples[i].size, data->size());
  }
}

TEST(Mp4Reader, FileCutBeforeItsMediaIsAnError) {
  Bytes whole = test::read_file(test::opus_mp4_path());
  ASSERT_GT(whole.size(), 1000u);
  whole.resize(whole.size() - 1000);
  auto file = read_mp4(make_shared_bytes(std::move(whole)));
  EXPECT_FALSE(file);
}

TEST(Mp4Reader, NotAnMp4IsMalformed) {
  auto file =
      read_mp4(make_shared_bytes(test::str("\0\0\0\x10"
                                           "free"
                                           "12345678")));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, errc::malformed);
}

}  // namespace
}  // namespace rtmp
