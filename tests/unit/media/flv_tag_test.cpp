#include "rtmp/media/flv_tag.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp::flv {
namespace {

using test::bytes;
using test::cat;
using test::str;

std::vector<VideoTagPart> video_ok(const Bytes& payload) {
  std::vector<VideoTagPart> parts;
  auto r = parse_video_tag(payload, parts);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return parts;
}
std::vector<AudioTagPart> audio_ok(const Bytes& payload) {
  std::vector<AudioTagPart> parts;
  auto r = parse_audio_tag(payload, parts);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return parts;
}
errc video_err(const Bytes& payload) {
  std::vector<VideoTagPart> parts;
  auto r = parse_video_tag(payload, parts);
  return r ? errc::ok : r.error().code;
}
errc audio_err(const Bytes& payload) {
  std::vector<AudioTagPart> parts;
  auto r = parse_audio_tag(payload, parts);
  return r ? errc::ok : r.error().code;
}
// A single-part payload must be rebuilt byte for byte.
void expect_video_roundtrip(const Bytes& payload) {
  auto parts = video_ok(payload);
  ASSERT_EQ(parts.size(), 1u);
  Bytes out;
  write_video_tag(out, parts[0]);
  EXPECT_EQ(out, payload);
  EXPECT_EQ(video_tag_size(parts[0]), payload.size());
}
void expect_audio_roundtrip(const Bytes& payload) {
  auto parts = audio_ok(payload);
  ASSERT_EQ(parts.size(), 1u);
  Bytes out;
  write_audio_tag(out, parts[0]);
  EXPECT_EQ(out, payload);
  EXPECT_EQ(audio_tag_size(parts[0]), payload.size());
}

TEST(FlvTag, FourccTables) {
  EXPECT_EQ(codec_from_fourcc(fourcc::hvc1), CodecId::h265);
  EXPECT_EQ(codec_from_fourcc(make_fourcc('x', 'x', 'x', 'x')), CodecId::unknown);
  for (auto c :
       {CodecId::h264, CodecId::h265, CodecId::av1, CodecId::vp9, CodecId::vp8, CodecId::aac,
        CodecId::opus, CodecId::flac, CodecId::ac3, CodecId::eac3, CodecId::mp3})
    EXPECT_EQ(codec_from_fourcc(fourcc_of(c)), c) << codec_name(c);
  EXPECT_EQ(fourcc_of(CodecId::speex), 0u);
  for (std::uint8_t f = 0; f < 16; ++f) {
    const CodecId c = codec_from_sound_format(f);
    if (c == CodecId::unknown) continue;
    EXPECT_EQ(codec_from_sound_format(sound_format_of(c)), c) << int(f);
  }
  EXPECT_EQ(codec_from_legacy_video(7), CodecId::h264);
  EXPECT_EQ(codec_from_legacy_video(12), CodecId::h265);
  EXPECT_EQ(codec_from_legacy_video(2), CodecId::unknown);
}

TEST(FlvTag, LegacyAvcSequenceHeader) {
  const Bytes payload = cat({bytes({0x17, 0x00, 0x00, 0x00, 0x00}), test::avcc_high()});
  auto p = video_ok(payload);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_FALSE(p[0].enhanced);
  EXPECT_EQ(p[0].frame_type, frame_key);
  EXPECT_EQ(p[0].legacy_codec_id, 7);
  EXPECT_EQ(p[0].codec, CodecId::h264);
  EXPECT_EQ(p[0].packet_type, VideoPacketType::sequence_start);
  EXPECT_EQ(p[0].multitrack, MultitrackMode::none);
  EXPECT_EQ(test::to_bytes(p[0].body), test::avcc_high());
  expect_video_roundtrip(payload);
}

TEST(FlvTag, LegacyAvcFramesWithCompositionTime) {
  // Inter frame, cts -10 (0xFFFFF6), then +0x7FFFFF, the extremes of SI24.
  auto p = video_ok(bytes({0x27, 0x01, 0xFF, 0xFF, 0xF6, 0x00, 0x00, 0x00, 0x01, 0x41}));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].frame_type, frame_inter);
  EXPECT_EQ(p[0].packet_type, VideoPacketType::coded_frames);
  EXPECT_EQ(p[0].composition_time, -10);
  EXPECT_EQ(p[0].body.size(), 5u);
  expect_video_roundtrip(bytes({0x27, 0x01, 0xFF, 0xFF, 0xF6, 0x00, 0x00, 0x00, 0x01, 0x41}));
  EXPECT_EQ(video_ok(bytes({0x17, 0x01, 0x80, 0x00, 0x00}))[0].composition_time, -0x800000);
  EXPECT_EQ(video_ok(bytes({0x17, 0x01, 0x7F, 0xFF, 0xFF}))[0].composition_time, 0x7FFFFF);
  expect_video_roundtrip(bytes({0x17, 0x01, 0x80, 0x00, 0x00}));
}

TEST(FlvTag, LegacyEndHevcCommandAndOthers) {
  auto p = video_ok(bytes({0x17, 0x02, 0x00, 0x00, 0x00}));
  EXPECT_EQ(p.at(0).packet_type, VideoPacketType::sequence_end);
  expect_video_roundtrip(bytes({0x17, 0x02, 0x00, 0x00, 0x00}));
  p = video_ok(bytes({0x1C, 0x00, 0x00, 0x00, 0x00, 0x01}));  // HEVC as codec id 12
  EXPECT_EQ(p.at(0).codec, CodecId::h265);
  expect_video_roundtrip(bytes({0x2C, 0x01, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00}));
  p = video_ok(bytes({0x57, 0x01}));  // video info/command frame: end of seek
  EXPECT_TRUE(p.at(0).is_command);
  EXPECT_EQ(p[0].command, 1);
  expect_video_roundtrip(bytes({0x57, 0x01}));
  p = video_ok(bytes({0x22, 0xAB, 0xCD}));  // Sorenson H.263: parsed, left to the demuxer
  EXPECT_EQ(p.at(0).codec, CodecId::unknown);
  EXPECT_EQ(p[0].legacy_codec_id, 2);
  EXPECT_EQ(p[0].body.size(), 2u);
}

TEST(FlvTag, LegacyVideoErrors) {
  EXPECT_EQ(video_err({}), errc::truncated);
  EXPECT_EQ(video_err(bytes({0x17, 0x01, 0x00})), errc::truncated);
  EXPECT_EQ(video_err(bytes({0x17, 0x03, 0x00, 0x00, 0x00})), errc::malformed);
  EXPECT_EQ(video_err(bytes({0x57})), errc::truncated);  // command frame without its byte
}

TEST(FlvTag, EnhancedVideoEveryPacketType) {
  const Bytes hvc1 = str("hvc1"), av01 = str("av01"), avc1 = str("avc1");
  // SequenceStart
  auto p = video_ok(cat({bytes({0x90}), hvc1, bytes({0x01, 0x02})}));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(p[0].enhanced);
  EXPECT_EQ(p[0].frame_type, frame_key);
  EXPECT_EQ(p[0].packet_type, VideoPacketType::sequence_start);
  EXPECT_EQ(p[0].codec, CodecId::h265);
  EXPECT_EQ(p[0].fourcc, fourcc::hvc1);
  EXPECT_EQ(p[0].body.size(), 2u);
  // CodedFrames with SI24 (hvc1 / avc1), negative
  p = video_ok(cat({bytes({0xA1}), hvc1, bytes({0xFF, 0xFF, 0xDE, 0x00, 0x00, 0x00, 0x01, 0x02})}));
  EXPECT_EQ(p.at(0).frame_type, frame_inter);
  EXPECT_EQ(p[0].packet_type, VideoPacketType::coded_frames);
  EXPECT_EQ(p[0].composition_time, -34);
  EXPECT_EQ(p[0].body.size(), 5u);
  // CodedFrames without SI24 (av01)
  p = video_ok(cat({bytes({0x91}), av01, bytes({0x12, 0x00})}));
  EXPECT_EQ(p.at(0).composition_time, 0);
  EXPECT_EQ(p[0].body.size(), 2u);
  // CodedFramesX: no SI24
  p = video_ok(cat({bytes({0xA3}), avc1, bytes({0x00, 0x00, 0x00, 0x01, 0x41})}));
  EXPECT_EQ(p.at(0).packet_type, VideoPacketType::coded_frames_x);
  EXPECT_EQ(p[0].body.size(), 5u);
  // SequenceEnd
  p = video_ok(cat({bytes({0x92}), av01}));
  EXPECT_EQ(p.at(0).packet_type, VideoPacketType::sequence_end);
  EXPECT_TRUE(p[0].body.empty());
  // Metadata (frame type ignored, even 5)
  p = video_ok(cat({bytes({0xD4}), av01, bytes({0x02, 0x00, 0x09})}));
  EXPECT_EQ(p.at(0).packet_type, VideoPacketType::metadata);
  EXPECT_FALSE(p[0].is_command);
  // MPEG2TSSequenceStart
  p = video_ok(cat({bytes({0x95}), av01, bytes({0x80, 0x04})}));
  EXPECT_EQ(p.at(0).packet_type, VideoPacketType::mpeg2ts_sequence_start);
  // Command frame: no FourCC
  p = video_ok(bytes({0xD1, 0x00}));
  EXPECT_TRUE(p.at(0).is_command);
  EXPECT_EQ(p[0].command, 0);

  for (const Bytes& b :
       {cat({bytes({0x90}), hvc1, bytes({0x01, 0x02})}),
        cat({bytes({0xA1}), hvc1, bytes({0xFF, 0xFF, 0xDE, 0x00, 0x00, 0x00, 0x01, 0x02})}),
        cat({bytes({0x91}), av01, bytes({0x12, 0x00})}),
        cat({bytes({0xA3}), avc1, bytes({0x00, 0x00, 0x00, 0x01, 0x41})}),
        cat({bytes({0x92}), av01}), cat({bytes({0xD4}), av01, bytes({0x02, 0x00, 0x09})}),
        cat({bytes({0x95}), av01, bytes({0x80, 0x04})}), bytes({0xD1, 0x00}),
        cat({bytes({0x91}), str("vp09"), bytes({0x01})}),
        cat({bytes({0x90}), str("vp08"), bytes({0x01})})})
    expect_video_roundtrip(b);
}

TEST(FlvTag, EnhancedVideoErrors) {
  EXPECT_EQ(video_err(bytes({0x97, 0x00})), errc::unsupported);              // ModEx
  EXPECT_EQ(video_err(cat({bytes({0x98}), str("avc1")})), errc::malformed);  // reserved
  EXPECT_EQ(video_err(cat({bytes({0x91}), str("xvid")})), errc::unsupported);
  EXPECT_EQ(video_err(bytes({0x91, 'a', 'v'})), errc::truncated);
  EXPECT_EQ(video_err(cat({bytes({0x91}), str("avc1"), bytes({0x00})})), errc::truncated);
  EXPECT_EQ(video_err(bytes({0xD1})), errc::truncated);  // command without its byte
}

TEST(FlvTag, VideoMultitrackOneTrack) {
  const Bytes payload = cat({bytes({0x96, 0x01}), str("avc1"),
                             bytes({0x02, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x01, 0x41})});
  auto p = video_ok(payload);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].multitrack, MultitrackMode::one_track);
  EXPECT_EQ(p[0].track_id, 2);
  EXPECT_EQ(p[0].packet_type, VideoPacketType::coded_frames);
  EXPECT_EQ(p[0].composition_time, 0x21);
  EXPECT_EQ(p[0].body.size(), 5u);
  expect_video_roundtrip(payload);
}

TEST(FlvTag, VideoMultitrackManyTracks) {
  const Bytes t0 = bytes({0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x65, 0x88});  // SI24 + frame
  const Bytes t1 = bytes({0x00, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x01, 0x65});
  const Bytes payload = cat({bytes({0x96, 0x11}), str("avc1"), bytes({0x00, 0x00, 0x00, 0x08}), t0,
                             bytes({0x01, 0x00, 0x00, 0x08}), t1});
  auto p = video_ok(payload);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].multitrack, MultitrackMode::many_tracks);
  EXPECT_EQ(p[0].track_id, 0);
  EXPECT_EQ(p[1].track_id, 1);
  EXPECT_EQ(p[1].composition_time, 10);
  EXPECT_EQ(test::to_bytes(p[1].body), bytes({0x00, 0x00, 0x00, 0x01, 0x65}));
  // Each part written alone is a ManyTracks packet holding that track.
  Bytes out;
  write_video_tag(out, p[1]);
  EXPECT_EQ(out, cat({bytes({0x96, 0x11}), str("avc1"), bytes({0x01, 0x00, 0x00, 0x08}), t1}));
  // A track size past the end is malformed.
  Bytes bad = payload;
  bad[bad.size() - 9] = 0x09;
  EXPECT_EQ(video_err(bad), errc::malformed);
}

TEST(FlvTag, VideoMultitrackManyCodecs) {
  const Bytes payload =
      cat({bytes({0x96, 0x23}), str("avc1"), bytes({0x00, 0x00, 0x00, 0x01, 0xAA}), str("av01"),
           bytes({0x01, 0x00, 0x00, 0x02, 0xBB, 0xCC})});
  auto p = video_ok(payload);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].multitrack, MultitrackMode::many_tracks_many_codecs);
  EXPECT_EQ(p[0].codec, CodecId::h264);
  EXPECT_EQ(p[0].packet_type, VideoPacketType::coded_frames_x);
  EXPECT_EQ(p[1].codec, CodecId::av1);
  EXPECT_EQ(p[1].body.size(), 2u);
  Bytes out;
  write_video_tag(out, p[1]);
  EXPECT_EQ(out,
            cat({bytes({0x96, 0x23}), str("av01"), bytes({0x01, 0x00, 0x00, 0x02, 0xBB, 0xCC})}));
}

TEST(FlvTag, VideoMultitrackErrors) {
  EXPECT_EQ(video_err(cat({bytes({0x96, 0x06}), str("avc1")})), errc::malformed);  // nested
  EXPECT_EQ(video_err(cat({bytes({0x96, 0x31}), str("avc1")})), errc::malformed);  // type 3
  EXPECT_EQ(video_err(bytes({0x96, 0x07})), errc::unsupported);                    // ModEx
  EXPECT_EQ(video_err(bytes({0x96})), errc::truncated);
  EXPECT_EQ(video_err(cat({bytes({0x96, 0x11}), str("avc1"), bytes({0x00, 0x00})})),
            errc::truncated);
}

TEST(FlvTag, LegacyAudio) {
  const Bytes seq = cat({bytes({0xAF, 0x00}), test::asc_lc()});
  auto p = audio_ok(seq);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_FALSE(p[0].enhanced);
  EXPECT_EQ(p[0].codec, CodecId::aac);
  EXPECT_EQ(p[0].sound_flags, 0xAF);
  EXPECT_EQ(p[0].packet_type, AudioPacketType::sequence_start);
  EXPECT_EQ(test::to_bytes(p[0].body), test::asc_lc());
  p = audio_ok(bytes({0xAF, 0x01, 0x21, 0x10}));
  EXPECT_EQ(p.at(0).packet_type, AudioPacketType::coded_frames);
  EXPECT_EQ(p[0].body.size(), 2u);
  p = audio_ok(bytes({0x2E, 0xFF, 0xFB}));  // MP3 44 kHz 16-bit mono
  EXPECT_EQ(p.at(0).codec, CodecId::mp3);
  EXPECT_EQ(p[0].packet_type, AudioPacketType::coded_frames);
  EXPECT_EQ(p[0].body.size(), 2u);
  for (int f : {0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 14, 15})
    EXPECT_NE(audio_ok(bytes({f << 4 | 0x0A, 0x00})).at(0).codec, CodecId::unknown) << f;
  EXPECT_EQ(audio_ok(bytes({0xC0, 0x00})).at(0).codec, CodecId::unknown);  // reserved 12
  for (const Bytes& b : {seq, bytes({0xAF, 0x01, 0x21, 0x10}), bytes({0x2E, 0xFF, 0xFB}),
                         bytes({0x72, 0xD5}), bytes({0xB2, 0x01})})
    expect_audio_roundtrip(b);
  EXPECT_EQ(audio_err({}), errc::truncated);
  EXPECT_EQ(audio_err(bytes({0xAF})), errc::truncated);
  EXPECT_EQ(audio_err(bytes({0xAF, 0x02})), errc::malformed);
}

TEST(FlvTag, EnhancedAudioEveryPacketType) {
  auto p = audio_ok(cat({bytes({0x90}), str("mp4a"), test::asc_lc()}));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(p[0].enhanced);
  EXPECT_EQ(p[0].codec, CodecId::aac);
  EXPECT_EQ(p[0].packet_type, AudioPacketType::sequence_start);
  p = audio_ok(cat({bytes({0x91}), str("Opus"), bytes({0xFC, 0x00})}));
  EXPECT_EQ(p.at(0).codec, CodecId::opus);
  EXPECT_EQ(p[0].packet_type, AudioPacketType::coded_frames);
  p = audio_ok(cat({bytes({0x92}), str("fLaC")}));
  EXPECT_EQ(p.at(0).packet_type, AudioPacketType::sequence_end);
  p = audio_ok(cat({bytes({0x94}), str("Opus"), bytes({0x01, 0x02, 0x00, 0x00, 0x00, 0x03})}));
  EXPECT_EQ(p.at(0).packet_type, AudioPacketType::multichannel_config);
  EXPECT_EQ(p[0].body.size(), 6u);
  for (const Bytes& b :
       {cat({bytes({0x90}), str("mp4a"), test::asc_lc()}),
        cat({bytes({0x91}), str("Opus"), bytes({0xFC, 0x00})}), cat({bytes({0x92}), str("fLaC")}),
        cat({bytes({0x94}), str("Opus"), bytes({0x01, 0x02, 0x00, 0x00, 0x00, 0x03})}),
        cat({bytes({0x91}), str("ac-3"), bytes({0x0B, 0x77})}),
        cat({bytes({0x91}), str("ec-3"), bytes({0x0B, 0x77})}),
        cat({bytes({0x91}), str(".mp3"), bytes({0xFF, 0xFB})})})
    expect_audio_roundtrip(b);
  EXPECT_EQ(audio_err(bytes({0x97})), errc::unsupported);                      // ModEx
  EXPECT_EQ(audio_err(cat({bytes({0x93}), str("Opus")})), errc::malformed);    // reserved
  EXPECT_EQ(audio_err(cat({bytes({0x91}), str("vorb")})), errc::unsupported);  // unknown
  EXPECT_EQ(audio_err(bytes({0x91, 'O'})), errc::truncated);
}

TEST(FlvTag, AudioMultitrack) {
  const Bytes one = cat({bytes({0x95, 0x01}), str("Opus"), bytes({0x03, 0xFC, 0x01})});
  auto p = audio_ok(one);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].multitrack, MultitrackMode::one_track);
  EXPECT_EQ(p[0].track_id, 3);
  EXPECT_EQ(p[0].body.size(), 2u);
  expect_audio_roundtrip(one);
  const Bytes many = cat({bytes({0x95, 0x21}), str("Opus"), bytes({0x00, 0x00, 0x00, 0x01, 0xAA}),
                          str("mp4a"), bytes({0x01, 0x00, 0x00, 0x02, 0xBB, 0xCC})});
  p = audio_ok(many);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].codec, CodecId::opus);
  EXPECT_EQ(p[1].codec, CodecId::aac);
  EXPECT_EQ(p[1].track_id, 1);
  EXPECT_EQ(audio_err(cat({bytes({0x95, 0x05}), str("Opus")})), errc::malformed);  // nested
}

}  // namespace
}  // namespace rtmp::flv
