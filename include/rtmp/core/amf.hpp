// AMF0 and AMF3: one value type, decoders and encoders. Sans-IO: bytes in, values out.
//
// Specs: "Action Message Format -- AMF 0" (amf0-file-format-specification, 2007) and
// "Action Message Format -- AMF 3" (amf3_spec_05_05_08, Jan 2013 revision).
//
// Round trip: for any input the AMF0 decoder accepts, encode_amf0(decode_amf0(x)) == x, byte
// for byte. The Value keeps what that needs (string vs long string, the declared ECMA count,
// the boolean byte, the original bytes of an AVM+ (AMF3) section). AMF3 round trips are
// semantic; they are byte exact where the input uses no references and minimal U29 forms.
//
// Thread safety: values are plain data (no shared mutable state); the functions are reentrant.
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/core/limits.hpp"
#include "rtmp/error.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtmp::amf {

// The kinds a Value can hold: every AMF0 type (the object-end marker 0x09 is only a
// terminator, never a value), plus the AMF3 kinds that AMF0 lacks.
enum class Type : std::uint8_t {
  number,        // AMF0 0x00, AMF3 0x05 double
  boolean,       // AMF0 0x01, AMF3 0x02/0x03
  string,        // AMF0 0x02 (u16 length), AMF3 0x06
  object,        // AMF0 0x03, AMF3 0x0A with an empty class name
  null,          // AMF0 0x05, AMF3 0x01
  undefined,     // AMF0 0x06, AMF3 0x00
  reference,     // AMF0 0x07: index into the message's table of complex values (not resolved)
  ecma_array,    // AMF0 0x08 (declared count kept), AMF3 0x09 with an associative part
  strict_array,  // AMF0 0x0A, AMF3 0x09 without an associative part
  date,          // AMF0 0x0B (ms since epoch + i16 time zone), AMF3 0x08
  long_string,   // AMF0 0x0C (u32 length)
  unsupported,   // AMF0 0x0D
  xml_document,  // AMF0 0x0F, AMF3 0x07
  typed_object,  // AMF0 0x10, AMF3 0x0A with a class name
  integer,       // AMF3 0x04: signed 29-bit
  xml,           // AMF3 0x0B (E4X XML)
  byte_array,    // AMF3 0x0C
};

// "number", "ecma_array", ...
const char* to_string(Type t) noexcept;

class Value;
// Object and ECMA array members: ordered, duplicates kept (as on the wire).
using Property = std::pair<std::string, Value>;

namespace detail {
struct ValueAccess;
struct Amf3Origin;
}  // namespace detail

class Value {
 public:
  // undefined
  Value() noexcept = default;
  Value(double d) noexcept : type_(Type::number), number_(d) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) Value(T v)
  noexcept : Value(static_cast<double>(v)) {}
  // A template so that pointers do not silently convert to bool.
  template <std::same_as<bool> B>
  Value(B b) noexcept : type_(Type::boolean), int_(b ? 1 : 0) {}
  Value(std::nullptr_t) noexcept : type_(Type::null) {}
  // A string over 65535 bytes becomes a long string (AMF0 0x0C).
  Value(std::string s);
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(s ? std::string(s) : std::string()) {}

  static Value undefined() { return {}; }
  static Value null() { return Value(nullptr); }
  static Value object(std::initializer_list<Property> props = {});
  static Value object(std::vector<Property> props);
  static Value ecma_array(std::initializer_list<Property> props = {});
  static Value ecma_array(std::vector<Property> props);
  static Value strict_array(std::initializer_list<Value> items = {});
  static Value strict_array(std::vector<Value> items);
  static Value typed_object(std::string class_name, std::vector<Property> props = {});
  static Value long_string(std::string s);
  static Value date(double ms_since_epoch, std::int16_t timezone = 0);
  static Value reference(std::uint16_t index);
  static Value unsupported();
  static Value xml_document(std::string text);
  // AMF3 kinds. In AMF0 an integer encodes as a number and XML as an XML document.
  static Value integer(std::int32_t v);
  static Value xml(std::string text);
  static Value byte_array(Bytes data);
  // Marks v to be written after the AMF0 AVM+ switch (0x11) as AMF3, from its content (any
  // original AVM+ bytes are dropped).
  static Value avmplus(Value v);

  Type type() const noexcept { return type_; }
  bool is_undefined() const noexcept { return type_ == Type::undefined; }
  bool is_null() const noexcept { return type_ == Type::null; }
  bool is_boolean() const noexcept { return type_ == Type::boolean; }
  // number or AMF3 integer.
  bool is_number() const noexcept { return type_ == Type::number || type_ == Type::integer; }
  // string or long string.
  bool is_string() const noexcept { return type_ == Type::string || type_ == Type::long_string; }
  // A property map: object, ECMA array or typed object.
  bool is_object() const noexcept {
    return type_ == Type::object || type_ == Type::ecma_array || type_ == Type::typed_object;
  }
  bool is_array() const noexcept { return type_ == Type::strict_array; }

  // Accessors return a neutral value (0, false, empty) for another kind.
  double as_number() const noexcept;
  bool as_bool() const noexcept { return type_ == Type::boolean && int_ != 0; }
  std::int32_t as_integer() const noexcept { return type_ == Type::integer ? int_ : 0; }
  // The text of a string, long string, XML document or XML value. Valid while *this lives.
  std::string_view as_string() const noexcept;
  // Bytes of a byte array.
  ByteView as_bytes() const noexcept;
  double date_ms() const noexcept { return type_ == Type::date ? number_ : 0.0; }
  std::int16_t date_timezone() const noexcept;
  std::uint16_t reference_index() const noexcept;
  // Class name of a typed object (empty otherwise).
  std::string_view class_name() const noexcept;

  // Members of a property map, in wire order (empty for other kinds).
  const std::vector<Property>& properties() const noexcept { return props_; }
  // Items of a strict array; for an ECMA array from AMF3, its dense part.
  const std::vector<Value>& items() const noexcept { return items_; }
  // First member named key, or nullptr.
  const Value* get(std::string_view key) const noexcept;
  // Replaces the first member named key, or appends one. A value that is not a property map
  // first becomes an empty object. Returns *this.
  Value& set(std::string_view key, Value v);
  // Appends an item. A value that is not an array first becomes an empty strict array.
  Value& push_back(Value v);

  // Encoding hints, kept so that re-encoding reproduces the input. operator== ignores them.
  // The count written for an ECMA array: the declared one if decoded, else the member count.
  std::uint32_t ecma_count() const noexcept;
  // True if this value sits after the AMF0 AVM+ switch (0x11), i.e. is AMF3 in an AMF0 stream.
  bool is_avmplus() const noexcept { return (flags_ & kAvmplus) != 0; }
  // The AMF3 bytes this value was decoded from after a 0x11 switch (empty if none or
  // modified since); encode_amf0 writes them back as they were.
  ByteView avmplus_bytes() const noexcept;
  // AMF3 object traits: how many leading members are sealed, and whether it is dynamic.
  // Values not from AMF3 have 0 sealed members and are dynamic.
  std::uint32_t amf3_sealed_count() const noexcept;
  bool amf3_dynamic() const noexcept { return (flags_ & kSealedOnly) == 0; }

  // Kind and content; numbers compare by value with NaN equal to NaN.
  friend bool operator==(const Value& a, const Value& b) noexcept;

 private:
  friend struct detail::ValueAccess;
  static constexpr std::uint8_t kAvmplus = 1;     // write after 0x11 in AMF0
  static constexpr std::uint8_t kEcmaCount = 2;   // count_ holds the declared ECMA count
  static constexpr std::uint8_t kSealedOnly = 4;  // AMF3 object without dynamic members

  void make_container(Type t);

  Type type_ = Type::undefined;
  std::uint8_t flags_ = 0;
  std::int32_t int_ = 0;     // boolean byte, reference index, date zone, integer
  std::uint32_t count_ = 0;  // declared ECMA count, or AMF3 sealed member count
  double number_ = 0.0;      // number, date
  std::string str_;          // string kinds, class name, byte array
  std::vector<Property> props_;
  std::vector<Value> items_;
  std::shared_ptr<const detail::Amf3Origin> origin_;  // AVM+ section this was decoded from
};

// JSON-like text for logs and tests: {"app": "live", "n": 1}, [1, 2], ecma{...},
// Class{...}, date(0, 0), ref(1), int(5), xml("..."), bytes(4: 00ff..), null, undefined.
// Strings longer than 256 bytes are cut.
std::string to_string(const Value& v);

// ---- AMF0 ----

// Decodes one AMF0 value and advances r past it. On error r's position is unspecified.
// Errors: errc::truncated, errc::amf_invalid_marker (unknown marker or a stray object end),
// errc::unsupported (reserved movieclip 0x04 / recordset 0x0E, AMF3 externalizable objects,
// vectors and dictionaries), errc::amf_depth_exceeded (containers nested deeper than
// limits.max_amf_depth), errc::amf_too_many_items (more than limits.max_amf_items values in
// this call, counting nested ones), errc::malformed (a bad AMF3 reference). The detail gives
// the offset and the marker.
// All AVM+ (0x11) sections read by one call share one set of AMF3 reference tables (as Red5
// and PyAMF read a message), so decode a message body with one decode_amf0_all call.
Result<Value> decode_amf0(ByteReader& r, const Limits& limits = {});
// Decodes values until data ends: the body of an AMF0 command (type 20) or data (type 18)
// message. The item cap applies to the whole body.
Result<std::vector<Value>> decode_amf0_all(ByteView data, const Limits& limits = {});

// Appends v's AMF0 encoding. Never fails: a string over 65535 bytes is written as a long
// string; property names and class names over 65535 bytes are cut to 65535; AMF3 kinds map
// to number (integer), XML document (xml) or an AVM+ section (byte array).
// A decoded AVM+ section is written with its original bytes when the receiver's AMF3 tables
// will be as they were when it was read (always so for encode_amf0_all(decode_amf0_all(x)));
// otherwise it is written inline, without references. encode_amf0 assumes the value starts
// the message's AMF3 context: write the values of one message with one encode_amf0_all call.
void encode_amf0(const Value& v, Bytes& out);
void encode_amf0_all(std::span<const Value> values, Bytes& out);
// Command building: encode_amf0_all({"connect", 1, Value::object({{"app", "live"}})}).
Bytes encode_amf0_all(std::initializer_list<Value> values);

// ---- AMF3 ----

// Decodes one AMF3 value with fresh reference tables. Strings, traits and object references
// are resolved (a reference to an enclosing object, i.e. a cycle, is errc::unsupported).
// Errors as decode_amf0, plus errc::malformed for an out-of-range reference.
Result<Value> decode_amf3(ByteReader& r, const Limits& limits = {});
// Appends v's AMF3 encoding, without references (every value inline). Kinds AMF3 lacks:
// long string -> string, AMF0 reference and unsupported -> undefined; a date loses its time
// zone; empty property names in a dynamic part are skipped (AMF3 ends that part with one).
void encode_amf3(const Value& v, Bytes& out);

// Body of an AMF3 command (type 17) or AMF3 data (type 15) message: a format byte 0x00, then
// AMF0 values, any of which may switch to AMF3 with 0x11. A body not starting with 0x00 is
// read as plain AMF0 (some peers omit the byte on type 15).
Result<std::vector<Value>> decode_command_amf3(ByteView body, const Limits& limits = {});
Result<std::vector<Value>> decode_data_amf3(ByteView body, const Limits& limits = {});
// Writes the 0x00 format byte and the AMF0 values (type 17 / type 15 body).
void encode_command_amf3(std::span<const Value> values, Bytes& out);

}  // namespace rtmp::amf
