#include "rtmp/media.hpp"

#include "rtmp/media/nalu.hpp"

namespace rtmp {

const char* codec_name(CodecId id) noexcept {
  switch (id) {
    case CodecId::unknown:
      return "unknown";
    case CodecId::h264:
      return "h264";
    case CodecId::h265:
      return "h265";
    case CodecId::av1:
      return "av1";
    case CodecId::vp9:
      return "vp9";
    case CodecId::vp8:
      return "vp8";
    case CodecId::aac:
      return "aac";
    case CodecId::mp3:
      return "mp3";
    case CodecId::opus:
      return "opus";
    case CodecId::flac:
      return "flac";
    case CodecId::ac3:
      return "ac3";
    case CodecId::eac3:
      return "eac3";
    case CodecId::pcm:
      return "pcm";
    case CodecId::pcm_le:
      return "pcm_le";
    case CodecId::pcma:
      return "pcma";
    case CodecId::pcmu:
      return "pcmu";
    case CodecId::speex:
      return "speex";
    case CodecId::nellymoser:
      return "nellymoser";
    case CodecId::adpcm:
      return "adpcm";
    case CodecId::mp3_8k:
      return "mp3_8k";
    case CodecId::device_specific:
      return "device_specific";
    case CodecId::h263:
      return "h263";
    case CodecId::screen:
      return "screen";
    case CodecId::vp6:
      return "vp6";
    case CodecId::vp6a:
      return "vp6a";
    case CodecId::screen2:
      return "screen2";
  }
  return "unknown";
}

TrackType codec_track_type(CodecId id) noexcept {
  switch (id) {
    case CodecId::unknown:
    case CodecId::h264:
    case CodecId::h265:
    case CodecId::av1:
    case CodecId::vp9:
    case CodecId::vp8:
    case CodecId::h263:
    case CodecId::screen:
    case CodecId::vp6:
    case CodecId::vp6a:
    case CodecId::screen2:
      return TrackType::video;
    default:
      return TrackType::audio;
  }
}

VideoSample VideoSample::from_data(CodecId codec, std::int64_t dts, std::int64_t pts, bool keyframe,
                                   ByteView frame) {
  VideoSample s;
  s.codec = codec;
  s.dts = dts;
  s.pts = pts;
  s.keyframe = keyframe;
  s.owner = make_shared_bytes(Bytes(frame.begin(), frame.end()));
  s.data = *s.owner;
  return s;
}

VideoSample VideoSample::from_nalus(CodecId codec, std::int64_t dts, std::int64_t pts,
                                    bool keyframe, const std::vector<ByteView>& nalus,
                                    std::uint8_t nal_length_size) {
  VideoSample s;
  s.codec = codec;
  s.dts = dts;
  s.pts = pts;
  s.keyframe = keyframe;
  Bytes buf;
  std::size_t total = 0;
  for (auto n : nalus) total += n.size() + nal_length_size;
  buf.reserve(total);
  // A unit too large for the prefix is a caller bug; fall back to 4-byte prefixes, which
  // hold any unit, rather than emit a corrupt frame.
  if (!append_length_prefixed(buf, nalus, nal_length_size)) {
    buf.clear();
    nal_length_size = 4;
    (void)append_length_prefixed(buf, nalus, 4);
  }
  s.owner = make_shared_bytes(std::move(buf));
  s.data = *s.owner;
  (void)split_nalus(s.data, nal_length_size, s.nalus);
  return s;
}

AudioSample AudioSample::from_data(CodecId codec, std::int64_t timestamp, ByteView frame) {
  AudioSample s;
  s.codec = codec;
  s.timestamp = timestamp;
  s.owner = make_shared_bytes(Bytes(frame.begin(), frame.end()));
  s.data = *s.owner;
  return s;
}

}  // namespace rtmp
