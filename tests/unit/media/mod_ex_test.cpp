#include "rtmp/media/mod_ex.hpp"

#include "media_test_util.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_tag.hpp"
#include "rtmp/media/muxer.hpp"

#include <gtest/gtest.h>

namespace rtmp::flv {
namespace {

using test::bytes;
using test::cat;
using test::str;

// ModEx TimestampOffsetNano of `ns` followed by packet type `next`.
Bytes mod_ex(std::uint32_t ns, std::uint8_t next) {
  return bytes({0x02, int(ns >> 16 & 0xFF), int(ns >> 8 & 0xFF), int(ns & 0xFF), next});
}

std::vector<VideoTagPart> video(const Bytes& b, Result<void>* result = nullptr) {
  std::vector<VideoTagPart> parts;
  auto r = parse_video_tag(b, parts);
  if (result) *result = r;
  return parts;
}
std::vector<AudioTagPart> audio(const Bytes& b, Result<void>* result = nullptr) {
  std::vector<AudioTagPart> parts;
  auto r = parse_audio_tag(b, parts);
  if (result) *result = r;
  return parts;
}
errc video_err(const Bytes& b) {
  Result<void> r;
  video(b, &r);
  return r ? errc::ok : r.error().code;
}
errc audio_err(const Bytes& b) {
  Result<void> r;
  audio(b, &r);
  return r ? errc::ok : r.error().code;
}

TEST(ModEx, VideoCodedFramesWithNanoOffsetRoundTrips) {
  // Key frame, ExHeader, packet type ModEx; then CodedFrames hvc1 with SI24 cts 40.
  const Bytes wire = cat(
      {bytes({0x97}), mod_ex(999'999, 0x01), str("hvc1"), bytes({0x00, 0x00, 0x28, 0xAA, 0xBB})});
  Result<void> r;
  auto parts = video(wire, &r);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].packet_type, VideoPacketType::coded_frames);
  EXPECT_EQ(parts[0].codec, CodecId::h265);
  EXPECT_EQ(parts[0].frame_type, 1);
  EXPECT_EQ(parts[0].composition_time, 40);
  EXPECT_EQ(parts[0].timestamp_nano_offset, 999'999u);
  EXPECT_EQ(test::to_bytes(parts[0].body), bytes({0xAA, 0xBB}));
  Bytes out;
  write_video_tag(out, parts[0]);
  EXPECT_EQ(out, wire);
  EXPECT_EQ(video_tag_size(parts[0]), wire.size());
}

TEST(ModEx, VideoCodedFramesXAndAv1) {
  for (const Bytes& wire :
       {cat({bytes({0xA7}), mod_ex(1, 0x03), str("hvc1"), bytes({0x01})}),  // inter, X
        cat({bytes({0x97}), mod_ex(0, 0x01), str("av01"), bytes({0x12, 0x00})})}) {
    Result<void> r;
    auto parts = video(wire, &r);
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_EQ(parts.size(), 1u);
    ASSERT_TRUE(parts[0].timestamp_nano_offset.has_value());
    Bytes out;
    write_video_tag(out, parts[0]);
    EXPECT_EQ(out, wire);  // an explicit 0 ns ModEx is kept too
  }
}

TEST(ModEx, BeforeMultitrack) {
  // ModEx, then Multitrack (6): OneTrack CodedFrames av01 track 2.
  const Bytes one = cat({bytes({0x97}), mod_ex(500'000, 0x06), bytes({0x01}), str("av01"),
                         bytes({0x02, 0x12, 0x00})});
  Result<void> r;
  auto parts = video(one, &r);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].multitrack, MultitrackMode::one_track);
  EXPECT_EQ(parts[0].track_id, 2);
  EXPECT_EQ(parts[0].timestamp_nano_offset, 500'000u);
  Bytes out;
  write_video_tag(out, parts[0]);
  EXPECT_EQ(out, one);

  // ManyTracks: the offset belongs to the message, so to every track.
  const Bytes many =
      cat({bytes({0x97}), mod_ex(7, 0x06), bytes({0x11}), str("av01"),
           bytes({0x00, 0x00, 0x00, 0x01, 0xAA}), bytes({0x01, 0x00, 0x00, 0x01, 0xBB})});
  parts = video(many, &r);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].timestamp_nano_offset, 7u);
  EXPECT_EQ(parts[1].timestamp_nano_offset, 7u);
}

TEST(ModEx, AudioCodedFramesRoundTrips) {
  const Bytes wire = cat({bytes({0x97}), mod_ex(123'456, 0x01), str("Opus"), bytes({0xFC, 0x01})});
  Result<void> r;
  auto parts = audio(wire, &r);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].codec, CodecId::opus);
  EXPECT_EQ(parts[0].packet_type, AudioPacketType::coded_frames);
  EXPECT_EQ(parts[0].timestamp_nano_offset, 123'456u);
  Bytes out;
  write_audio_tag(out, parts[0]);
  EXPECT_EQ(out, wire);
  EXPECT_EQ(audio_tag_size(parts[0]), wire.size());
}

TEST(ModEx, UnsupportedForms) {
  const Bytes tail = cat({str("hvc1"), bytes({0, 0, 0})});
  EXPECT_EQ(video_err(bytes({0x97})), errc::unsupported);                 // cut short
  EXPECT_EQ(video_err(bytes({0x97, 0x02, 0x00})), errc::unsupported);     // cut in data
  EXPECT_EQ(video_err(bytes({0x97, 0x02, 0, 0, 0})), errc::unsupported);  // no type byte
  EXPECT_EQ(video_err(cat({bytes({0x97, 0x00, 0x00, 0x01}), tail})), errc::unsupported);  // 1 B
  EXPECT_EQ(video_err(cat({bytes({0x97, 0xFF, 0x00, 0x02}), tail})), errc::unsupported);  // UI16
  EXPECT_EQ(video_err(cat({bytes({0x97, 0x02, 0, 0, 1, 0x11}), tail})),
            errc::unsupported);  // type 1
  EXPECT_EQ(video_err(cat({bytes({0x97}), mod_ex(1, 0x07), mod_ex(1, 0x01), tail})),
            errc::unsupported);  // chain
  EXPECT_EQ(video_err(cat({bytes({0x97}), mod_ex(1'000'000, 0x01), tail})), errc::unsupported);
  EXPECT_EQ(video_err(cat({bytes({0x97}), mod_ex(1, 0x00), tail})),
            errc::unsupported);  // seq start
  EXPECT_EQ(video_err(cat({bytes({0x97}), mod_ex(1, 0x02), str("hvc1")})), errc::unsupported);
  EXPECT_EQ(video_err(cat({bytes({0xD7}), mod_ex(1, 0x01), bytes({0x00})})),
            errc::unsupported);  // command frame
  EXPECT_EQ(audio_err(bytes({0x97})), errc::unsupported);
  EXPECT_EQ(audio_err(cat({bytes({0x97}), mod_ex(1, 0x00), str("Opus")})), errc::unsupported);
  // Reserved packet type after the ModEx is malformed as without it.
  EXPECT_EQ(video_err(cat({bytes({0x97}), mod_ex(1, 0x08), tail})), errc::malformed);
  // Inside a multitrack packet ModEx is out of place (it comes before Multitrack).
  EXPECT_EQ(video_err(bytes({0x96, 0x07})), errc::unsupported);
}

TEST(ModEx, WriteClampsAndPlacesTheNextType) {
  Bytes out;
  ByteWriter w(out);
  write_mod_ex(w, 5'000'000, 0x06);
  EXPECT_EQ(out, bytes({0x02, 0x0F, 0x42, 0x3F, 0x06}));
  ByteReader r(out);
  std::uint8_t type = 7;
  auto ns = read_mod_ex(r, type, "test");
  ASSERT_TRUE(ns);
  EXPECT_EQ(*ns, 999'999u);
  EXPECT_EQ(type, 6);
  EXPECT_TRUE(r.empty());
}

// Through the Demuxer and the Muxer.
TEST(ModEx, DemuxAndMuxCarryTheOffset) {
  const Bytes av1c = bytes({0x81, 0x00, 0x0C, 0x00});
  const Bytes opus_head =
      cat({str("OpusHead"), bytes({1, 2, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0})});
  const Bytes frame = cat({bytes({0x97}), mod_ex(250'000, 0x01), str("av01"), bytes({0x12, 0x00})});
  const Bytes sound = cat({bytes({0x97}), mod_ex(20'833, 0x01), str("Opus"), bytes({0xFC})});
  Demuxer d;
  std::vector<MediaEvent> ev;
  ASSERT_TRUE(d.push(test::video(0, cat({bytes({0x90}), str("av01"), av1c})), ev));
  ASSERT_TRUE(d.push(test::audio(0, cat({bytes({0x90}), str("Opus"), opus_head})), ev));
  ASSERT_TRUE(d.push(test::video(40, frame), ev));
  ASSERT_TRUE(d.push(test::audio(41, sound), ev));
  ASSERT_EQ(ev.size(), 4u);
  const auto& v = std::get<VideoSample>(ev[2]);
  const auto& a = std::get<AudioSample>(ev[3]);
  EXPECT_EQ(v.timestamp_nano_offset, 250'000u);
  EXPECT_EQ(v.dts, 40);
  EXPECT_EQ(a.timestamp_nano_offset, 20'833u);
  EXPECT_EQ(test::to_bytes(Muxer::mux(v).data()), frame);
  EXPECT_EQ(test::to_bytes(Muxer::mux(a).data()), sound);

  // Without an offset, nothing changes on the wire.
  VideoSample plain = v;
  plain.timestamp_nano_offset.reset();
  EXPECT_EQ(Muxer::mux(plain).data()[0], 0x91);
  // Legacy headers have no ModEx: the offset is dropped.
  VideoSample legacy = VideoSample::from_data(CodecId::h264, 0, 0, true, bytes({0, 0, 0, 1, 0x65}));
  legacy.timestamp_nano_offset = 5;
  EXPECT_EQ(Muxer::mux(legacy).data()[0], 0x17);
}

}  // namespace
}  // namespace rtmp::flv
