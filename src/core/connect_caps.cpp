#include "rtmp/core/connect_caps.hpp"

namespace rtmp {
namespace {

bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::uint32_t to_u32(double d) noexcept {
  if (!(d > 0)) return 0;  // negative, zero, NaN
  if (d >= 4294967295.0) return 0xFFFFFFFFu;
  return static_cast<std::uint32_t>(d);
}

// The codec's entry OR'ed with the "*" entry.
std::uint32_t map_flags(const FourCcInfoMap& map, std::string_view fourcc) noexcept {
  std::uint32_t flags = 0;
  for (const auto& [key, value] : map)
    if (key == "*" || iequal(key, fourcc)) flags |= value;
  return flags;
}

std::uint32_t list_flags(const std::vector<std::string>& list, std::string_view fourcc) noexcept {
  for (const auto& f : list)
    if (f == "*" || iequal(f, fourcc)) return fourcc_info::can_decode | fourcc_info::can_forward;
  return 0;
}

void read_map(const amf::Value* v, FourCcInfoMap& out) {
  if (!v || !v->is_object()) return;
  for (const auto& [key, value] : v->properties())
    if (value.is_number()) out.emplace(key, to_u32(value.as_number()));  // first key wins
}

amf::Value map_object(const FourCcInfoMap& map) {
  std::vector<amf::Property> props;
  props.reserve(map.size());
  for (const auto& [key, value] : map) props.emplace_back(key, amf::Value(double(value)));
  return amf::Value::object(std::move(props));
}

}  // namespace

std::uint32_t ConnectCaps::video_flags(std::string_view fourcc) const noexcept {
  if (!video_fourcc_info.empty()) return map_flags(video_fourcc_info, fourcc);
  return list_flags(fourcc_list, fourcc);
}

std::uint32_t ConnectCaps::audio_flags(std::string_view fourcc) const noexcept {
  if (!audio_fourcc_info.empty()) return map_flags(audio_fourcc_info, fourcc);
  return list_flags(fourcc_list, fourcc);
}

ConnectCaps ConnectCaps::forwarder() {
  ConnectCaps c;
  c.video_fourcc_info.emplace("*", fourcc_info::can_forward);
  c.audio_fourcc_info.emplace("*", fourcc_info::can_forward);
  // rtmp::Demuxer parses ModEx TimestampOffsetNano (media/mod_ex.hpp); a relay forwards it.
  c.caps_ex =
      caps_ex::reconnect | caps_ex::multitrack | caps_ex::mod_ex | caps_ex::timestamp_nano_offset;
  return c;
}

ConnectCaps parse_connect_caps(const amf::Value& object) {
  ConnectCaps caps;
  if (!object.is_object()) return caps;
  if (const amf::Value* list = object.get("fourCcList")) {
    // Strict array per the spec; an ECMA array or object (a sender using an associative
    // array for "dense ordinal indices") is read in member order.
    if (list->is_array()) {
      for (const auto& item : list->items())
        if (item.is_string()) caps.fourcc_list.emplace_back(item.as_string());
    } else if (list->is_object()) {
      for (const auto& item : list->items())  // AMF3 dense part of an ECMA array
        if (item.is_string()) caps.fourcc_list.emplace_back(item.as_string());
      for (const auto& [key, item] : list->properties())
        if (item.is_string()) caps.fourcc_list.emplace_back(item.as_string());
    }
  }
  read_map(object.get("videoFourCcInfoMap"), caps.video_fourcc_info);
  read_map(object.get("audioFourCcInfoMap"), caps.audio_fourcc_info);
  if (const amf::Value* ex = object.get("capsEx"); ex && ex->is_number())
    caps.caps_ex = to_u32(ex->as_number());
  return caps;
}

void write_connect_caps(amf::Value& object, const ConnectCaps& caps) {
  if (!object.is_object()) object = amf::Value::object();
  if (!caps.fourcc_list.empty()) {
    std::vector<amf::Value> list;
    list.reserve(caps.fourcc_list.size());
    for (const auto& f : caps.fourcc_list) list.emplace_back(f);
    object.set("fourCcList", amf::Value::strict_array(std::move(list)));
  }
  if (!caps.video_fourcc_info.empty())
    object.set("videoFourCcInfoMap", map_object(caps.video_fourcc_info));
  if (!caps.audio_fourcc_info.empty())
    object.set("audioFourCcInfoMap", map_object(caps.audio_fourcc_info));
  if (caps.caps_ex != 0) object.set("capsEx", amf::Value(double(caps.caps_ex)));
}

std::string fourcc_to_string(std::uint32_t fourcc) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(fourcc >> (24 - 8 * i));
  return s;
}

}  // namespace rtmp
