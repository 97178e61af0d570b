// Shared internals of the AMF0 and AMF3 codecs (not installed).
#pragma once

#include "rtmp/core/amf.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::amf::detail {

// Budgets shared by every value of one message (one top-level decode call).
struct DecodeState {
  explicit DecodeState(const Limits& l)
      : limits(l), values_left(l.max_amf_items), ref_bytes_left(l.max_message_length) {}
  const Limits& limits;
  // Values still allowed, nested ones and reference expansions included: bounds memory at
  // about max_amf_items * sizeof(Value) whatever the input claims.
  std::uint64_t values_left;
  // Bytes that AMF3 references may still copy: a 2-byte reference to a long string,
  // repeated, must not expand into gigabytes.
  std::uint64_t ref_bytes_left;
};

// Sizes of the three AMF3 reference tables.
struct Amf3Counts {
  std::uint32_t strings = 0;
  std::uint32_t traits = 0;
  std::uint32_t objects = 0;
  friend bool operator==(const Amf3Counts&, const Amf3Counts&) = default;
  Amf3Counts& operator+=(const Amf3Counts& o) {
    strings += o.strings;
    traits += o.traits;
    objects += o.objects;
    return *this;
  }
};

struct Amf3Traits {
  std::string_view class_name;  // views into the message
  std::vector<std::string_view> sealed;
  bool dynamic = false;
};

// The AMF3 reference tables of one message. All AVM+ sections of an AMF0 message share them
// (as Red5 and PyAMF read them); decode_amf3 starts fresh ones.
struct Amf3Context {
  Amf3Context(ByteView d, std::size_t o) : data(d), origin(o) {}
  ByteView data;       // the message bytes from reader position `origin` on
  std::size_t origin;  // reader position of data[0]
  std::vector<std::string_view> strings;
  std::deque<Amf3Traits> traits;     // a deque: references stay valid as it grows
  std::vector<std::size_t> objects;  // reader position of each complex value's marker
  std::vector<std::uint8_t> open;    // per object: still being read (a reference = cycle)
  std::shared_ptr<const int> token = std::make_shared<const int>(0);  // identifies the message
  std::uint32_t sections = 0;                                         // AVM+ sections read
  Amf3Counts counts() const {
    return {static_cast<std::uint32_t>(strings.size()), static_cast<std::uint32_t>(traits.size()),
            static_cast<std::uint32_t>(objects.size())};
  }
};

// Where an AVM+ section came from, so encode_amf0 can write its bytes back unchanged when the
// receiver's tables will be in the same state.
struct Amf3Origin {
  Bytes raw;
  Amf3Counts base;             // table sizes when the section started
  Amf3Counts added;            // entries the section added
  bool self_contained = true;  // no reference to an entry from before the section
  std::shared_ptr<const int> token;
  std::uint32_t ordinal = 0;  // index among the message's AVM+ sections
};

// One AMF3 value (an AVM+ section or a whole decode_amf3 call) at `depth` enclosing
// containers; tables in ctx. Sets *self_contained to false on a reference below `base`.
Result<void> decode_amf3_section(ByteReader& r, DecodeState& st, Amf3Context& ctx,
                                 std::uint32_t depth, Value& out, bool& self_contained);

// encode_amf3, also counting the table entries a receiver adds while reading it.
void encode_amf3_counted(const Value& v, Bytes& out, Amf3Counts& added);

// "amf0 offset 12: " + what
std::string at(const char* codec, std::size_t offset, std::string_view what);

// Field access for the codecs, which build values directly.
struct ValueAccess {
  static Type& type(Value& v) noexcept { return v.type_; }
  static std::uint8_t& flags(Value& v) noexcept { return v.flags_; }
  static std::int32_t& int_field(Value& v) noexcept { return v.int_; }
  static std::uint32_t& count(Value& v) noexcept { return v.count_; }
  static std::string& str(Value& v) noexcept { return v.str_; }
  static std::vector<Property>& props(Value& v) noexcept { return v.props_; }
  static std::vector<Value>& items(Value& v) noexcept { return v.items_; }
  static std::shared_ptr<const Amf3Origin>& origin(Value& v) noexcept { return v.origin_; }
  static const Amf3Origin* origin(const Value& v) noexcept { return v.origin_.get(); }
  static std::int32_t int_field(const Value& v) noexcept { return v.int_; }

  static constexpr std::uint8_t kAvmplus = Value::kAvmplus;
  static constexpr std::uint8_t kEcmaCount = Value::kEcmaCount;
  static constexpr std::uint8_t kSealedOnly = Value::kSealedOnly;
};

}  // namespace rtmp::amf::detail
