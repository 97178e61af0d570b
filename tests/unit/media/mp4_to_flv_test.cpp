#include "media/mp4_to_flv.hpp"

#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"

#include "mp4_fixture.hpp"

#include <gtest/gtest.h>

#include <variant>

namespace rtmp {
namespace {

// The media events of a whole FLV file, as the Demuxer reads them.
std::vector<MediaEvent> demux_file(ByteView flv) {
  FlvReader reader;
  std::vector<Message> tags;
  EXPECT_TRUE(reader.feed(flv, tags));
  EXPECT_TRUE(reader.finish());
  Demuxer demuxer;
  std::vector<MediaEvent> all, events;
  for (const auto& m : tags) {
    if (m.type != msg::audio && m.type != msg::video) continue;
    events.clear();
    EXPECT_TRUE(demuxer.push(m, events));
    all.insert(all.end(), events.begin(), events.end());
  }
  return all;
}

// ms from 1/48000, rounded half away from zero (as av_rescale_q).
std::int64_t ms(std::int64_t t) {
  return t >= 0 ? (t * 1000 + 24000) / 48000 : -((-t * 1000 + 24000) / 48000);
}

std::vector<Mp4File> opus_input() {
  std::vector<Mp4File> in;
  auto file = read_mp4(make_shared_bytes(test::read_file(test::opus_mp4_path())));
  EXPECT_TRUE(file);
  if (file) in.push_back(std::move(*file));
  return in;
}

TEST(Mp4ToFlv, OpusTrackBecomesEnhancedAudioWithFfprobesTimes) {
  auto in = opus_input();
  ASSERT_EQ(in.size(), 1u);
  auto out = mp4_to_flv(in, {});
  ASSERT_TRUE(out) << out.error().message();
  const auto want = test::opus_mp4_packets();
  EXPECT_EQ(out->tracks, 1u);
  EXPECT_EQ(out->messages, want.size() + 1);  // + the sequence start
  auto events = demux_file(out->flv);
  ASSERT_EQ(events.size(), want.size() + 1);
  const auto* codec = std::get_if<Codec>(&events[0]);
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->id, CodecId::opus);
  ASSERT_GE(codec->config.size(), 8u);
  EXPECT_EQ(test::to_bytes(codec->config.first(8)), test::str("OpusHead"));
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto* a = std::get_if<AudioSample>(&events[i + 1]);
    ASSERT_NE(a, nullptr) << "event " << i + 1;
    EXPECT_EQ(a->codec, CodecId::opus);
    EXPECT_EQ(a->data.size(), want[i].size) << "sample " << i;
    EXPECT_EQ(a->timestamp, ms(want[i].dts) - ms(want[0].dts)) << "sample " << i;
  }
}

TEST(Mp4ToFlv, MultitrackFramingCarriesTheTrackId) {
  auto in = opus_input();
  ASSERT_EQ(in.size(), 1u);
  in.push_back(in[0]);  // two Opus tracks: ids 0 and 1
  auto out = mp4_to_flv(in, {});
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->tracks, 2u);
  std::size_t per_track[2] = {0, 0};
  for (const auto& e : demux_file(out->flv))
    if (const auto* a = std::get_if<AudioSample>(&e)) {
      EXPECT_NE(a->multitrack, MultitrackMode::none);
      ASSERT_LT(a->track_id, 2);
      ++per_track[a->track_id];
    }
  EXPECT_EQ(per_track[0], in[0].tracks[0].samples.size());
  EXPECT_EQ(per_track[1], in[0].tracks[0].samples.size());
}

TEST(Mp4ToFlv, NoTracksIsAnError) {
  auto out = mp4_to_flv({}, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace rtmp
