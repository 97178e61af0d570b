#include "rtmp/core/amf.hpp"

#include "core/amf_detail.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace rtmp::amf {

const char* to_string(Type t) noexcept {
  switch (t) {
    case Type::number:
      return "number";
    case Type::boolean:
      return "boolean";
    case Type::string:
      return "string";
    case Type::object:
      return "object";
    case Type::null:
      return "null";
    case Type::undefined:
      return "undefined";
    case Type::reference:
      return "reference";
    case Type::ecma_array:
      return "ecma_array";
    case Type::strict_array:
      return "strict_array";
    case Type::date:
      return "date";
    case Type::long_string:
      return "long_string";
    case Type::unsupported:
      return "unsupported";
    case Type::xml_document:
      return "xml_document";
    case Type::typed_object:
      return "typed_object";
    case Type::integer:
      return "integer";
    case Type::xml:
      return "xml";
    case Type::byte_array:
      return "byte_array";
  }
  return "unknown";
}

Value::Value(std::string s)
    : type_(s.size() > 0xFFFF ? Type::long_string : Type::string), str_(std::move(s)) {}

Value Value::object(std::initializer_list<Property> props) {
  return object(std::vector<Property>(props));
}
Value Value::object(std::vector<Property> props) {
  Value v;
  v.type_ = Type::object;
  v.props_ = std::move(props);
  return v;
}
Value Value::ecma_array(std::initializer_list<Property> props) {
  return ecma_array(std::vector<Property>(props));
}
Value Value::ecma_array(std::vector<Property> props) {
  Value v;
  v.type_ = Type::ecma_array;
  v.props_ = std::move(props);
  return v;
}
Value Value::strict_array(std::initializer_list<Value> items) {
  return strict_array(std::vector<Value>(items));
}
Value Value::strict_array(std::vector<Value> items) {
  Value v;
  v.type_ = Type::strict_array;
  v.items_ = std::move(items);
  return v;
}
Value Value::typed_object(std::string class_name, std::vector<Property> props) {
  Value v;
  v.type_ = Type::typed_object;
  v.str_ = std::move(class_name);
  v.props_ = std::move(props);
  return v;
}
Value Value::long_string(std::string s) {
  Value v(std::move(s));
  v.type_ = Type::long_string;
  return v;
}
Value Value::date(double ms_since_epoch, std::int16_t timezone) {
  Value v;
  v.type_ = Type::date;
  v.number_ = ms_since_epoch;
  v.int_ = timezone;
  return v;
}
Value Value::reference(std::uint16_t index) {
  Value v;
  v.type_ = Type::reference;
  v.int_ = index;
  return v;
}
Value Value::unsupported() {
  Value v;
  v.type_ = Type::unsupported;
  return v;
}
Value Value::xml_document(std::string text) {
  Value v;
  v.type_ = Type::xml_document;
  v.str_ = std::move(text);
  return v;
}
Value Value::integer(std::int32_t i) {
  Value v;
  v.type_ = Type::integer;
  v.int_ = i;
  return v;
}
Value Value::xml(std::string text) {
  Value v;
  v.type_ = Type::xml;
  v.str_ = std::move(text);
  return v;
}
Value Value::byte_array(Bytes data) {
  Value v;
  v.type_ = Type::byte_array;
  v.str_.assign(data.begin(), data.end());
  return v;
}
Value Value::avmplus(Value v) {
  v.flags_ |= kAvmplus;
  v.origin_.reset();
  return v;
}

double Value::as_number() const noexcept {
  if (type_ == Type::number) return number_;
  if (type_ == Type::integer) return int_;
  return 0.0;
}

std::string_view Value::as_string() const noexcept {
  switch (type_) {
    case Type::string:
    case Type::long_string:
    case Type::xml_document:
    case Type::xml:
      return str_;
    default:
      return {};
  }
}

ByteView Value::as_bytes() const noexcept {
  if (type_ != Type::byte_array) return {};
  return as_view(str_);
}

std::int16_t Value::date_timezone() const noexcept {
  return type_ == Type::date ? static_cast<std::int16_t>(int_) : 0;
}

std::uint16_t Value::reference_index() const noexcept {
  return type_ == Type::reference ? static_cast<std::uint16_t>(int_) : 0;
}

std::string_view Value::class_name() const noexcept {
  return type_ == Type::typed_object ? std::string_view(str_) : std::string_view();
}

const Value* Value::get(std::string_view key) const noexcept {
  for (const auto& [k, v] : props_)
    if (k == key) return &v;
  return nullptr;
}

void Value::make_container(Type t) {
  *this = Value();
  type_ = t;
}

Value& Value::set(std::string_view key, Value v) {
  if (!is_object()) make_container(Type::object);
  // The original AVM+ bytes and the declared ECMA count no longer describe this value.
  origin_.reset();
  flags_ &= static_cast<std::uint8_t>(~kEcmaCount);
  for (auto& [k, old] : props_) {
    if (k == key) {
      old = std::move(v);
      return *this;
    }
  }
  props_.emplace_back(std::string(key), std::move(v));
  return *this;
}

Value& Value::push_back(Value v) {
  if (type_ != Type::strict_array && type_ != Type::ecma_array) make_container(Type::strict_array);
  origin_.reset();
  flags_ &= static_cast<std::uint8_t>(~kEcmaCount);
  items_.push_back(std::move(v));
  return *this;
}

std::uint32_t Value::ecma_count() const noexcept {
  if (flags_ & kEcmaCount) return count_;
  return static_cast<std::uint32_t>(props_.size() + items_.size());
}

ByteView Value::avmplus_bytes() const noexcept {
  return origin_ ? ByteView(origin_->raw) : ByteView();
}

std::uint32_t Value::amf3_sealed_count() const noexcept {
  if (type_ != Type::object && type_ != Type::typed_object) return 0;
  return count_ < props_.size() ? count_ : static_cast<std::uint32_t>(props_.size());
}

namespace {
bool same_number(double a, double b) noexcept {
  return a == b || (std::isnan(a) && std::isnan(b));
}
}  // namespace

bool operator==(const Value& a, const Value& b) noexcept {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Type::number:
      return same_number(a.number_, b.number_);
    case Type::boolean:
      return (a.int_ != 0) == (b.int_ != 0);
    case Type::date:
      return same_number(a.number_, b.number_) && a.int_ == b.int_;
    case Type::reference:
    case Type::integer:
      return a.int_ == b.int_;
    case Type::string:
    case Type::long_string:
    case Type::xml_document:
    case Type::xml:
    case Type::byte_array:
      return a.str_ == b.str_;
    case Type::object:
    case Type::ecma_array:
    case Type::typed_object:
    case Type::strict_array:
      return a.str_ == b.str_ && a.props_ == b.props_ && a.items_ == b.items_;
    case Type::null:
    case Type::undefined:
    case Type::unsupported:
      return true;
  }
  return false;
}

// ---- to_string ----

namespace {

constexpr std::size_t kMaxShown = 256;

void append_number(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-Infinity" : "Infinity";
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, res.ptr);
}

void append_quoted(std::string& out, std::string_view s) {
  std::size_t shown = s.size() > kMaxShown ? kMaxShown : s.size();
  out += '"';
  for (std::size_t i = 0; i < shown; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  if (shown < s.size()) out += "...(" + std::to_string(s.size()) + " bytes)";
}

void append_value(std::string& out, const Value& v);

void append_props(std::string& out, const Value& v) {
  out += '{';
  bool first = true;
  for (const auto& [k, child] : v.properties()) {
    if (!first) out += ", ";
    first = false;
    append_quoted(out, k);
    out += ": ";
    append_value(out, child);
  }
  for (std::size_t i = 0; i < v.items().size(); ++i) {
    if (!first) out += ", ";
    first = false;
    out += std::to_string(i) + ": ";
    append_value(out, v.items()[i]);
  }
  out += '}';
}

void append_value(std::string& out, const Value& v) {
  switch (v.type()) {
    case Type::number:
      append_number(out, v.as_number());
      break;
    case Type::boolean:
      out += v.as_bool() ? "true" : "false";
      break;
    case Type::string:
    case Type::long_string:
      append_quoted(out, v.as_string());
      break;
    case Type::null:
      out += "null";
      break;
    case Type::undefined:
      out += "undefined";
      break;
    case Type::unsupported:
      out += "unsupported";
      break;
    case Type::reference:
      out += "ref(" + std::to_string(v.reference_index()) + ")";
      break;
    case Type::integer:
      out += "int(" + std::to_string(v.as_integer()) + ")";
      break;
    case Type::date:
      out += "date(";
      append_number(out, v.date_ms());
      out += ", " + std::to_string(v.date_timezone()) + ")";
      break;
    case Type::xml_document:
    case Type::xml:
      out += v.type() == Type::xml ? "xml(" : "xmldoc(";
      append_quoted(out, v.as_string());
      out += ')';
      break;
    case Type::byte_array: {
      auto b = v.as_bytes();
      out += "bytes(" + std::to_string(b.size()) + ": ";
      static constexpr char hex[] = "0123456789abcdef";
      std::size_t shown = b.size() > kMaxShown ? kMaxShown : b.size();
      for (std::size_t i = 0; i < shown; ++i) {
        out += hex[b[i] >> 4];
        out += hex[b[i] & 0xF];
      }
      if (shown < b.size()) out += "..";
      out += ')';
      break;
    }
    case Type::object:
      append_props(out, v);
      break;
    case Type::ecma_array:
      out += "ecma";
      append_props(out, v);
      break;
    case Type::typed_object:
      out += v.class_name();
      append_props(out, v);
      break;
    case Type::strict_array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_value(out, item);
      }
      out += ']';
      break;
    }
  }
}

}  // namespace

std::string to_string(const Value& v) {
  std::string out;
  append_value(out, v);
  return out;
}

namespace detail {
std::string at(const char* codec, std::size_t offset, std::string_view what) {
  std::string s = codec;
  s += " offset ";
  s += std::to_string(offset);
  s += ": ";
  s += what;
  return s;
}
}  // namespace detail

}  // namespace rtmp::amf
