// AMF values as JSON for the tools' output.
#pragma once

#include "rtmp/core/amf.hpp"

#include <nlohmann/json.hpp>

namespace rtmp::tools {

inline nlohmann::ordered_json amf_to_json(const amf::Value& v, int depth = 0) {
  using json = nlohmann::ordered_json;
  if (depth > 32) return nullptr;
  if (v.is_number()) return v.as_number();
  if (v.is_boolean()) return v.as_bool();
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_object()) {
    json o = json::object();
    for (const auto& [k, val] : v.properties()) o[k] = amf_to_json(val, depth + 1);
    return o;
  }
  if (v.is_array()) {
    json a = json::array();
    for (const auto& item : v.items()) a.push_back(amf_to_json(item, depth + 1));
    return a;
  }
  return nullptr;
}

}  // namespace rtmp::tools
