// Shared internals of the AMF0 and AMF3 codecs (not installed).
#pragma once

#include "rtmp/core/amf.hpp"

#include <cstdint>
#include <string>

namespace rtmp::amf::detail {

// Budgets shared by every value of one message (one top-level decode call).
struct DecodeState {
  explicit DecodeState(const Limits& l)
      : limits(l), values_left(l.max_amf_items), ref_bytes_left(l.max_message_length) {}
  const Limits& limits;
  // Values still allowed, nested ones included: bounds memory at about
  // max_amf_items * sizeof(Value) whatever the input claims.
  std::uint64_t values_left;
  // Bytes that AMF3 references may still copy: a 2-byte reference to a long string,
  // repeated, must not expand into gigabytes.
  std::uint64_t ref_bytes_left;
};

// One AMF3 value with fresh reference tables (AMF3 spec 4.1: each AVM+ section is its own
// AMF3 context), at `depth` enclosing containers. Offsets in errors are r's positions.
Result<void> decode_amf3_value(ByteReader& r, DecodeState& st, std::uint32_t depth, Value& out);

// "amf0 offset 12: " + what
std::string at(const char* codec, std::size_t offset, std::string_view what);

// Field access for the codecs, which build values directly.
struct ValueAccess {
  static Type& type(Value& v) noexcept { return v.type_; }
  static std::uint8_t& flags(Value& v) noexcept { return v.flags_; }
  static std::int32_t& int_field(Value& v) noexcept { return v.int_; }
  static std::uint32_t& count(Value& v) noexcept { return v.count_; }
  static double& number(Value& v) noexcept { return v.number_; }
  static std::string& str(Value& v) noexcept { return v.str_; }
  static std::vector<Property>& props(Value& v) noexcept { return v.props_; }
  static std::vector<Value>& items(Value& v) noexcept { return v.items_; }
  static std::shared_ptr<const Bytes>& avmplus_bytes(Value& v) noexcept { return v.avmplus_bytes_; }
  static const std::string& str(const Value& v) noexcept { return v.str_; }
  static std::int32_t int_field(const Value& v) noexcept { return v.int_; }
  static std::uint32_t count(const Value& v) noexcept { return v.count_; }
  static std::uint8_t flags(const Value& v) noexcept { return v.flags_; }

  static constexpr std::uint8_t kAvmplus = Value::kAvmplus;
  static constexpr std::uint8_t kEcmaCount = Value::kEcmaCount;
  static constexpr std::uint8_t kSealedOnly = Value::kSealedOnly;

  // Everything but the children and the AVM+ bytes (used when expanding AMF3 references).
  static void copy_scalars(const Value& from, Value& to) {
    to.type_ = from.type_;
    to.flags_ = static_cast<std::uint8_t>(from.flags_ & ~Value::kAvmplus);
    to.int_ = from.int_;
    to.count_ = from.count_;
    to.number_ = from.number_;
    to.str_ = from.str_;
  }
};

}  // namespace rtmp::amf::detail
