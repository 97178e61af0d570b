#include "relay/stats_meter.hpp"

#include "rtmp/core/message.hpp"

#include <chrono>
#include <variant>

namespace rtmp::relay {

void StatsMeter::reset(TimePoint now) {
  stats_ = {};
  window_start_ = now;
  window_video_ = window_audio_ = 0;
  last_audio_ts_ = last_video_ts_ = 0;
}

void StatsMeter::on_media(std::uint8_t type, std::size_t bytes, std::uint32_t timestamp,
                          TimePoint now) {
  if (window_start_ == TimePoint{}) window_start_ = now;
  if (type == msg::video) {
    stats_.video_bytes += bytes;
    window_video_ += bytes;
    last_video_ts_ = timestamp;
    stats_.has_video = true;
  } else if (type == msg::audio) {
    stats_.audio_bytes += bytes;
    window_audio_ += bytes;
    last_audio_ts_ = timestamp;
    stats_.has_audio = true;
  } else {
    return;
  }
  stats_.last_timestamp = timestamp;
  // nginx-rtmp reports audio minus video; meaningful only with both tracks.
  if (stats_.has_audio && stats_.has_video)
    stats_.avsync_ms = static_cast<std::int64_t>(last_audio_ts_) - last_video_ts_;
}

std::string StatsMeter::avc_profile_name(std::uint8_t profile_idc) {
  switch (profile_idc) {
    case 66:
      return "Baseline";
    case 77:
      return "Main";
    case 88:
      return "Extended";
    case 100:
      return "High";
    case 110:
      return "High 10";
    case 122:
      return "High 4:2:2";
    case 244:
      return "High 4:4:4";
    default:
      return "";
  }
}

std::string StatsMeter::aac_profile_name(std::uint8_t object_type) {
  switch (object_type) {
    case 1:
      return "Main";
    case 2:
      return "LC";
    case 3:
      return "SSR";
    case 4:
      return "LTP";
    case 5:
      return "HE";  // SBR
    case 29:
      return "HEv2";  // SBR + PS
    default:
      return "";
  }
}

void StatsMeter::on_codec(const Codec& codec) {
  if (const auto* avc = std::get_if<AvcConfig>(&codec.details)) {
    stats_.video_profile = avc_profile_name(avc->profile);
    stats_.video_compat = avc->compatibility;
    stats_.video_level = avc->level / 10.0;
  } else if (const auto* hevc = std::get_if<HevcConfig>(&codec.details)) {
    // HEVC's level_idc is 30 x the level (ITU-T H.265 A.4).
    static const char* const names[] = {"", "Main", "Main 10", "Main Still Picture", "RExt"};
    stats_.video_profile = hevc->general_profile_idc < 5 ? names[hevc->general_profile_idc] : "";
    stats_.video_level = hevc->general_level_idc / 30.0;
  } else if (const auto* aac = std::get_if<AacConfig>(&codec.details)) {
    stats_.audio_profile = aac_profile_name(aac->object_type);
  }
}

void StatsMeter::on_metadata(const amf::Value& data) {
  const amf::Value* v = data.is_object() ? data.get("framerate") : nullptr;
  if (!v || !v->is_number()) v = data.is_object() ? data.get("videoframerate") : nullptr;
  const double fps = v && v->is_number() ? v->as_number() : 0;
  stats_.meta_frame_rate = fps > 0 && fps < 1000 ? fps : 0;
}

void StatsMeter::tick(TimePoint now) {
  const auto window = now - window_start_;
  if (window < std::chrono::seconds(1)) return;
  const double s = std::chrono::duration<double>(window).count();
  stats_.video_bps = static_cast<double>(window_video_) * 8 / s;
  stats_.audio_bps = static_cast<double>(window_audio_) * 8 / s;
  window_video_ = window_audio_ = 0;
  window_start_ = now;
}

}  // namespace rtmp::relay
