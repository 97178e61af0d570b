#include "rtmp/media/muxer.hpp"

#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/nalu.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;
using test::cat;
using test::str;

// Every payload the Demuxer accepts comes back byte for byte from the Muxer.
TEST(Muxer, IsTheExactInverseOfTheDemuxer) {
  const Bytes hvcc = bytes({0x01, 0x01, 0x60, 0,    0,    0,    0x90, 0,    0,    0,    0,   0,
                            0x5D, 0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x00});
  const Bytes opus_head = cat({str("OpusHead"), bytes({1, 2, 0x38, 1, 0x80, 0xBB, 0, 0, 0, 0, 0})});
  const std::vector<Message> wire = {
      // legacy AVC: header with a non-zero SI24, B-frame with negative cts, end
      test::video(0, cat({bytes({0x17, 0x00, 0x00, 0x00, 0x05}), test::avcc_high()})),
      test::video(33, bytes({0x27, 0x01, 0xFF, 0xFF, 0xDF, 0, 0, 0, 1, 0x41})),
      test::video(34, bytes({0x47, 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 1, 0x01})),  // generated key
      test::video(35, bytes({0x37, 0x01, 0x00, 0x00, 0x00})),  // disposable, empty frame
      test::video(36, bytes({0x57, 0x01})),
      test::video(40, bytes({0x17, 0x02, 0x00, 0x00, 0x00})),
      // enhanced HEVC / AV1 / VP9
      test::video(50, cat({bytes({0x90}), str("hvc1"), hvcc})),
      test::video(51,
                  cat({bytes({0x91}), str("hvc1"), bytes({0xFF, 0xFF, 0xFE, 0, 0, 0, 1, 0x26})})),
      test::video(52, cat({bytes({0xA3}), str("hvc1"), bytes({0, 0, 0, 1, 0x02})})),
      test::video(53, cat({bytes({0x80}), str("av01"), bytes({0x81, 0x08, 0x0C, 0x00, 0x0A})})),
      test::video(54, cat({bytes({0x91}), str("av01"), bytes({0x12, 0x00})})),
      test::video(55, cat({bytes({0x95}), str("av01"), bytes({0x80, 0x04})})),
      test::video(56, cat({bytes({0x84}), str("av01"), bytes({0x02, 0x00, 0x01})})),
      test::video(57, cat({bytes({0x92}), str("av01")})),
      test::video(58, cat({bytes({0x90}), str("vp09"),
                           bytes({1, 0, 0, 0, 0x00, 0x1F, 0x82, 1, 1, 1, 0, 0})})),
      test::video(59, cat({bytes({0xA1}), str("vp09"), bytes({0x86})})),
      test::video(60, bytes({0xD0, 0x00})),
      // multitrack, one track per message
      test::video(61, cat({bytes({0x96, 0x00}), str("avc1"), bytes({2}), test::avcc_high()})),
      test::video(62, cat({bytes({0x96, 0x11}), str("avc1"),
                           bytes({2, 0, 0, 8, 0, 0, 3, 0, 0, 0, 1, 0x65})})),
      test::video(63,
                  cat({bytes({0x96, 0x23}), str("avc1"), bytes({2, 0, 0, 5, 0, 0, 0, 1, 0x41})})),
      // legacy audio
      test::audio(0, cat({bytes({0xAF, 0x00}), test::asc_lc()})),
      test::audio(23, bytes({0xAF, 0x01, 0x21, 0x10})),
      test::audio(24, bytes({0xA6, 0x01, 0x21})),  // odd flags on AAC are kept
      test::audio(26, bytes({0x2E, 0xFF, 0xFB, 0x90})),
      test::audio(27, bytes({0x72, 0xD5, 0xD5})),
      test::audio(28, bytes({0x00, 0x80})),  // PCM 5.5 kHz 8-bit mono
      test::audio(29, bytes({0x52, 0x01})),  // Nellymoser 8 kHz
      // enhanced audio
      test::audio(30, cat({bytes({0x90}), str("Opus"), opus_head})),
      test::audio(31, cat({bytes({0x91}), str("Opus"), bytes({0xFC, 0xFF})})),
      test::audio(32, cat({bytes({0x94}), str("Opus"), bytes({1, 2, 0, 0, 0, 3})})),
      test::audio(33, cat({bytes({0x94}), str("Opus"), bytes({0, 2})})),
      test::audio(34, cat({bytes({0x91}), str(".mp3"), bytes({0xFF, 0xFB})})),
      test::audio(35, cat({bytes({0x90}), str("fLaC"), bytes({0x10, 0x00})})),
      test::audio(36, cat({bytes({0x91}), str("fLaC"), bytes({0xFF, 0xF8})})),
      test::audio(37, cat({bytes({0x92}), str("fLaC")})),
      test::audio(38, cat({bytes({0x95, 0x10}), str("mp4a"), bytes({4, 0, 0, 2}), test::asc_lc()})),
      test::audio(39, cat({bytes({0x95, 0x11}), str("mp4a"), bytes({4, 0, 0, 1, 0x21})})),
  };
  Demuxer d;
  for (const Message& m : wire) {
    std::vector<MediaEvent> ev;
    auto r = d.push(m, ev);
    ASSERT_TRUE(r) << m.timestamp << ": " << r.error().message();
    std::vector<Message> back;
    for (const auto& e : ev) {
      if (auto* c = std::get_if<Codec>(&e); c && !Muxer::has_wire_form(*c)) continue;
      back.push_back(Muxer::mux(e, m.stream_id));
    }
    ASSERT_EQ(back.size(), 1u) << "message at " << m.timestamp;
    EXPECT_EQ(back[0], m) << "message at " << m.timestamp;
  }
  EXPECT_EQ(d.dropped(), 0u);
}

TEST(Muxer, UserBuiltSamples) {
  const Bytes idr = bytes({0x65, 0x88, 0x84});
  const Bytes sei = bytes({0x06, 0x05});
  VideoSample s = VideoSample::from_nalus(CodecId::h264, 1000, 1040, true, {sei, idr});
  ASSERT_EQ(s.nalus.size(), 2u);
  Message m = Muxer::mux(s);
  EXPECT_EQ(m.type, msg::video);
  EXPECT_EQ(m.csid, csid::video);
  EXPECT_EQ(m.stream_id, 1u);
  EXPECT_EQ(m.timestamp, 1000u);
  EXPECT_EQ(test::to_bytes(m.data()), bytes({0x17, 0x01, 0x00, 0x00, 0x28, 0, 0, 0, 2, 0x06, 0x05,
                                             0, 0, 0, 3, 0x65, 0x88, 0x84}));

  // AV1 has no legacy id: the FourCC header is used whatever the hint says.
  VideoSample av1 = VideoSample::from_data(CodecId::av1, 5, 5, false, bytes({0x12, 0x00}));
  EXPECT_EQ(test::to_bytes(Muxer::mux(av1, 3).data()),
            cat({bytes({0xA1}), str("av01"), bytes({0x12, 0x00})}));
  EXPECT_EQ(Muxer::mux(av1, 3).stream_id, 3u);

  // Enhanced HEVC with CodedFramesX.
  VideoSample h = VideoSample::from_data(CodecId::h265, 0, 0, true, bytes({0, 0, 0, 1, 0x26}));
  h.enhanced = true;
  h.coded_frames_x = true;
  EXPECT_EQ(test::to_bytes(Muxer::mux(h).data()),
            cat({bytes({0x93}), str("hvc1"), bytes({0, 0, 0, 1, 0x26})}));

  // Audio: default flags per codec.
  AudioSample a = AudioSample::from_data(CodecId::aac, 0x1'0000'0005ll, bytes({0x21}));
  Message am = Muxer::mux(a);
  EXPECT_EQ(am.timestamp, 5u);  // truncated to 32 bits on the wire
  EXPECT_EQ(am.csid, csid::audio);
  EXPECT_EQ(test::to_bytes(am.data()), bytes({0xAF, 0x01, 0x21}));
  EXPECT_EQ(
      test::to_bytes(Muxer::mux(AudioSample::from_data(CodecId::mp3, 0, bytes({0xFF}))).data()),
      bytes({0x2F, 0xFF}));
  EXPECT_EQ(
      test::to_bytes(Muxer::mux(AudioSample::from_data(CodecId::opus, 0, bytes({0xFC}))).data()),
      cat({bytes({0x91}), str("Opus"), bytes({0xFC})}));
}

TEST(Muxer, CompositionTimeIsClamped) {
  VideoSample s = VideoSample::from_data(CodecId::h264, 0, 0x1000000, false, {});
  EXPECT_EQ(test::to_bytes(Muxer::mux(s).data()), bytes({0x27, 0x01, 0x7F, 0xFF, 0xFF}));
  s.pts = -0x1000000;
  EXPECT_EQ(test::to_bytes(Muxer::mux(s).data()), bytes({0x27, 0x01, 0x80, 0x00, 0x00}));
}

TEST(Muxer, CodecsAndSequenceEnd) {
  Codec c;
  c.type = TrackType::video;
  c.id = CodecId::h264;
  const SharedBytes rec = make_shared_bytes(test::avcc_high());
  c.owner = rec;
  c.config = *rec;
  EXPECT_EQ(test::to_bytes(Muxer::mux(c).data()),
            cat({bytes({0x17, 0x00, 0x00, 0x00, 0x00}), test::avcc_high()}));
  Codec a;
  a.type = TrackType::audio;
  a.id = CodecId::mp3;
  a.from_frame = true;
  EXPECT_FALSE(Muxer::has_wire_form(a));
  EXPECT_EQ(Muxer::mux(a).size(), 0u);
  EXPECT_EQ(test::to_bytes(Muxer::sequence_end(TrackType::video, CodecId::h264, 7).data()),
            bytes({0x17, 0x02, 0x00, 0x00, 0x00}));
  EXPECT_EQ(test::to_bytes(Muxer::sequence_end(TrackType::video, CodecId::vp9, 7).data()),
            cat({bytes({0x92}), str("vp09")}));
  EXPECT_EQ(test::to_bytes(Muxer::sequence_end(TrackType::audio, CodecId::aac, 7).data()),
            cat({bytes({0x92}), str("mp4a")}));
}

}  // namespace
}  // namespace rtmp
