// AMF0 (amf0-file-format-specification, 2007): decoder, encoder and the type 15/17 body
// helpers. The decoder recurses once per container level and checks the depth before each
// descent, so the stack is bounded by Limits::max_amf_depth whatever the input nests.
#include "rtmp/core/amf.hpp"

#include "core/amf_detail.hpp"

#include <cstdio>
#include <optional>

namespace rtmp::amf {
namespace {

using detail::Amf3Context;
using detail::Amf3Counts;
using detail::Amf3Origin;
using detail::DecodeState;
using detail::ValueAccess;

namespace marker {
constexpr std::uint8_t number = 0x00;
constexpr std::uint8_t boolean = 0x01;
constexpr std::uint8_t string = 0x02;
constexpr std::uint8_t object = 0x03;
constexpr std::uint8_t movieclip = 0x04;  // reserved, not supported (spec 2.5)
constexpr std::uint8_t null = 0x05;
constexpr std::uint8_t undefined = 0x06;
constexpr std::uint8_t reference = 0x07;
constexpr std::uint8_t ecma_array = 0x08;
constexpr std::uint8_t object_end = 0x09;
constexpr std::uint8_t strict_array = 0x0A;
constexpr std::uint8_t date = 0x0B;
constexpr std::uint8_t long_string = 0x0C;
constexpr std::uint8_t unsupported = 0x0D;
constexpr std::uint8_t recordset = 0x0E;  // reserved, not supported (spec 2.15)
constexpr std::uint8_t xml_document = 0x0F;
constexpr std::uint8_t typed_object = 0x10;
constexpr std::uint8_t avmplus = 0x11;
}  // namespace marker

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

class Decoder {
 public:
  Decoder(ByteReader& r, DecodeState& st) : r_(r), st_(st), all_(r.rest()), origin_(r.position()) {}

  Result<void> value(Value& out, std::uint32_t depth) {
    const std::size_t at = r_.position();
    if (st_.values_left == 0)
      return fail(errc::amf_too_many_items, at,
                  "more than " + std::to_string(st_.limits.max_amf_items) + " values");
    --st_.values_left;
    auto m = r_.u8();
    if (!m) return truncated(at, "value marker", m.error());

    switch (*m) {
      case marker::number: {
        auto d = r_.f64be();
        if (!d) return truncated(at, "number", d.error());
        out = Value(*d);
        return {};
      }
      case marker::boolean: {
        auto b = r_.u8();
        if (!b) return truncated(at, "boolean", b.error());
        out = Value(*b != 0);
        // Any non-zero byte is true; keep the byte so re-encoding is exact.
        ValueAccess::int_field(out) = *b;
        return {};
      }
      case marker::string: {
        auto s = utf8(at, "string");
        if (!s) return s.error();
        out = Value(std::string(*s));
        return {};
      }
      case marker::long_string:
      case marker::xml_document: {
        auto len = r_.u32be();
        if (!len) return truncated(at, "long string length", len.error());
        auto s = r_.string(*len);
        if (!s) return truncated(at, "long string", s.error());
        out = *m == marker::long_string ? Value::long_string(std::string(*s))
                                        : Value::xml_document(std::string(*s));
        return {};
      }
      case marker::object: {
        if (auto e = enter(at, depth, *m); !e) return e;
        out = Value::object();
        return properties(out, depth + 1);
      }
      case marker::typed_object: {
        if (auto e = enter(at, depth, *m); !e) return e;
        auto name = utf8(at, "class name");
        if (!name) return name.error();
        out = Value::typed_object(std::string(*name));
        return properties(out, depth + 1);
      }
      case marker::ecma_array: {
        if (auto e = enter(at, depth, *m); !e) return e;
        auto count = r_.u32be();
        if (!count) return truncated(at, "ECMA array count", count.error());
        out = Value::ecma_array();
        // The count is advisory (peers write 0 or a wrong number); members run until the
        // object end. Keep it for an exact re-encoding.
        ValueAccess::count(out) = *count;
        ValueAccess::flags(out) |= ValueAccess::kEcmaCount;
        return properties(out, depth + 1);
      }
      case marker::strict_array: {
        if (auto e = enter(at, depth, *m); !e) return e;
        auto count = r_.u32be();
        if (!count) return truncated(at, "strict array count", count.error());
        // Checked before reserving: every item takes at least one byte.
        if (*count > st_.values_left)
          return fail(errc::amf_too_many_items, at,
                      "strict array of " + std::to_string(*count) + " items exceeds limit " +
                          std::to_string(st_.limits.max_amf_items));
        if (*count > r_.remaining())
          return fail(errc::truncated, at,
                      "strict array of " + std::to_string(*count) + " items, only " +
                          std::to_string(r_.remaining()) + " bytes left");
        out = Value::strict_array();
        auto& items = ValueAccess::items(out);
        items.resize(*count);
        for (auto& item : items)
          if (auto e = value(item, depth + 1); !e) return e;
        return {};
      }
      case marker::date: {
        auto ms = r_.f64be();
        if (!ms) return truncated(at, "date", ms.error());
        auto tz = r_.s16be();
        if (!tz) return truncated(at, "date time zone", tz.error());
        out = Value::date(*ms, *tz);
        return {};
      }
      case marker::null:
        out = Value::null();
        return {};
      case marker::undefined:
        out = Value::undefined();
        return {};
      case marker::unsupported:
        out = Value::unsupported();
        return {};
      case marker::reference: {
        auto idx = r_.u16be();
        if (!idx) return truncated(at, "reference", idx.error());
        out = Value::reference(*idx);
        return {};
      }
      case marker::avmplus: {
        // The rest of this value is AMF3 (AMF0 spec 3.1). All sections of the message share
        // one set of AMF3 tables. Keep the bytes and table state for an exact re-encoding.
        if (!amf3_) amf3_.emplace(all_, origin_);
        const ByteView start = r_.rest();
        const std::size_t begin = r_.position();
        auto origin = std::make_shared<Amf3Origin>();
        origin->base = amf3_->counts();
        if (auto e =
                detail::decode_amf3_section(r_, st_, *amf3_, depth, out, origin->self_contained);
            !e)
          return e;
        const std::size_t n = r_.position() - begin;
        origin->raw.assign(start.begin(), start.begin() + static_cast<std::ptrdiff_t>(n));
        const Amf3Counts now = amf3_->counts();
        origin->added = {now.strings - origin->base.strings, now.traits - origin->base.traits,
                         now.objects - origin->base.objects};
        origin->token = amf3_->token;
        origin->ordinal = amf3_->sections++;
        ValueAccess::flags(out) |= ValueAccess::kAvmplus;
        ValueAccess::origin(out) = std::move(origin);
        return {};
      }
      case marker::movieclip:
      case marker::recordset:
        return fail(errc::unsupported, at, "reserved marker " + hex_byte(*m));
      case marker::object_end:
        return fail(errc::amf_invalid_marker, at, "object-end marker 0x09 outside an object");
      default:
        return fail(errc::amf_invalid_marker, at, "unknown marker " + hex_byte(*m));
    }
  }

 private:
  // Members until the empty name + object-end marker (spec 2.5, 2.10, 2.18).
  Result<void> properties(Value& out, std::uint32_t depth) {
    auto& props = ValueAccess::props(out);
    for (;;) {
      const std::size_t at = r_.position();
      auto key = utf8(at, "property name");
      if (!key) return key.error();
      if (key->empty()) {
        if (r_.empty()) return fail(errc::truncated, r_.position(), "missing object end");
        if (r_.rest()[0] == marker::object_end) {
          (void)r_.u8();
          return {};
        }
      }
      auto& p = props.emplace_back(std::string(*key), Value());
      if (auto e = value(p.second, depth); !e) return e;
    }
  }

  Result<void> enter(std::size_t at, std::uint32_t depth, std::uint8_t m) {
    if (depth >= st_.limits.max_amf_depth)
      return fail(errc::amf_depth_exceeded, at,
                  "container " + hex_byte(m) + " nested deeper than " +
                      std::to_string(st_.limits.max_amf_depth));
    return {};
  }

  Result<std::string_view> utf8(std::size_t at, const char* what) {
    auto len = r_.u16be();
    if (!len) return truncated(at, what, len.error());
    auto s = r_.string(*len);
    if (!s) return truncated(at, what, s.error());
    return *s;
  }

  static Error fail(errc code, std::size_t at, std::string_view what) {
    return Error(code, detail::at("amf0", at, what));
  }
  static Error truncated(std::size_t at, std::string_view what, const Error& e) {
    return Error(errc::truncated,
                 detail::at("amf0", at,
                            std::string("truncated ") + std::string(what) + " (" + e.detail + ")"));
  }

  ByteReader& r_;
  DecodeState& st_;
  ByteView all_;                     // the message from where this decode started
  std::size_t origin_;               // r_'s position at all_[0]
  std::optional<Amf3Context> amf3_;  // created at the first AVM+ section
};

Result<std::vector<Value>> decode_sequence(ByteReader& r, const Limits& limits) {
  DecodeState st(limits);
  Decoder d(r, st);
  std::vector<Value> values;
  while (!r.empty()) {
    auto& v = values.emplace_back();
    if (auto e = d.value(v, 0); !e) return e.error();
  }
  return values;
}

// ---- encoder ----

constexpr std::size_t kMaxShort = 0xFFFF;

// What the receiver's AMF3 tables hold at this point of the message, to decide whether the
// original bytes of an AVM+ section are still right here (their references are table
// indices).
struct EncodeState {
  Amf3Counts tables;
  // Sections written so far came unchanged, in order, from one decoded message.
  const void* chain_token = nullptr;
  std::uint32_t chain_next = 0;
  bool chain_broken = false;
};

void write_utf8(ByteWriter& w, std::string_view s) {
  if (s.size() > kMaxShort) s = s.substr(0, kMaxShort);
  w.u16be(static_cast<std::uint16_t>(s.size()));
  w.string(s);
}

void write_long(ByteWriter& w, std::uint8_t m, std::string_view s) {
  w.u8(m);
  w.u32be(static_cast<std::uint32_t>(s.size()));
  w.string(s);
}

void write_value(ByteWriter& w, const Value& v, EncodeState& st);

void write_properties(ByteWriter& w, const Value& v, EncodeState& st) {
  for (const auto& [k, child] : v.properties()) {
    write_utf8(w, k);
    write_value(w, child, st);
  }
  // Dense items of an ECMA array that came from AMF3: AMF0 names them by index.
  if (v.type() == Type::ecma_array) {
    for (std::size_t i = 0; i < v.items().size(); ++i) {
      write_utf8(w, std::to_string(i));
      write_value(w, v.items()[i], st);
    }
  }
  w.u16be(0);
  w.u8(marker::object_end);
}

void write_avmplus(ByteWriter& w, const Value& v, EncodeState& st) {
  w.u8(marker::avmplus);
  const Amf3Origin* o = ValueAccess::origin(v);
  if (o && o->base == st.tables) {
    // Its references stay right if it refers only to its own entries, or if every section
    // before it was written unchanged from the same message, in order.
    const bool in_chain = !st.chain_broken &&
                          (st.chain_token == nullptr || st.chain_token == o->token.get()) &&
                          o->ordinal == st.chain_next;
    if (o->self_contained || in_chain) {
      w.bytes(o->raw);
      st.tables += o->added;
      if (in_chain) {
        st.chain_token = o->token.get();
        ++st.chain_next;
      } else {
        st.chain_broken = true;
      }
      return;
    }
  }
  Amf3Counts added;
  detail::encode_amf3_counted(v, w.buffer(), added);
  st.tables += added;
  st.chain_broken = true;
}

void write_value(ByteWriter& w, const Value& v, EncodeState& st) {
  if (v.is_avmplus() || v.type() == Type::byte_array) {
    write_avmplus(w, v, st);
    return;
  }
  switch (v.type()) {
    case Type::number:
    case Type::integer:
      w.u8(marker::number);
      w.f64be(v.as_number());
      return;
    case Type::boolean:
      w.u8(marker::boolean);
      w.u8(static_cast<std::uint8_t>(ValueAccess::int_field(v)));
      return;
    case Type::string:
      if (v.as_string().size() > kMaxShort) {
        write_long(w, marker::long_string, v.as_string());
        return;
      }
      w.u8(marker::string);
      write_utf8(w, v.as_string());
      return;
    case Type::long_string:
      write_long(w, marker::long_string, v.as_string());
      return;
    case Type::xml_document:
    case Type::xml:
      write_long(w, marker::xml_document, v.as_string());
      return;
    case Type::object:
      w.u8(marker::object);
      write_properties(w, v, st);
      return;
    case Type::typed_object:
      w.u8(marker::typed_object);
      write_utf8(w, v.class_name());
      write_properties(w, v, st);
      return;
    case Type::ecma_array:
      w.u8(marker::ecma_array);
      w.u32be(v.ecma_count());
      write_properties(w, v, st);
      return;
    case Type::strict_array:
      w.u8(marker::strict_array);
      w.u32be(static_cast<std::uint32_t>(v.items().size()));
      for (const auto& item : v.items()) write_value(w, item, st);
      return;
    case Type::date:
      w.u8(marker::date);
      w.f64be(v.date_ms());
      w.u16be(static_cast<std::uint16_t>(v.date_timezone()));
      return;
    case Type::null:
      w.u8(marker::null);
      return;
    case Type::undefined:
      w.u8(marker::undefined);
      return;
    case Type::unsupported:
      w.u8(marker::unsupported);
      return;
    case Type::reference:
      w.u8(marker::reference);
      w.u16be(v.reference_index());
      return;
    case Type::byte_array:
      return;  // handled above
  }
}

}  // namespace

Result<Value> decode_amf0(ByteReader& r, const Limits& limits) {
  DecodeState st(limits);
  Decoder d(r, st);
  Value v;
  if (auto e = d.value(v, 0); !e) return e.error();
  return v;
}

Result<std::vector<Value>> decode_amf0_all(ByteView data, const Limits& limits) {
  ByteReader r(data);
  return decode_sequence(r, limits);
}

void encode_amf0(const Value& v, Bytes& out) {
  ByteWriter w(out);
  EncodeState st;
  write_value(w, v, st);
}

void encode_amf0_all(std::span<const Value> values, Bytes& out) {
  ByteWriter w(out);
  EncodeState st;
  for (const auto& v : values) write_value(w, v, st);
}

Bytes encode_amf0_all(std::initializer_list<Value> values) {
  Bytes out;
  encode_amf0_all(std::span<const Value>(values.begin(), values.size()), out);
  return out;
}

Result<std::vector<Value>> decode_command_amf3(ByteView body, const Limits& limits) {
  ByteReader r(body);
  // Type 17/15 bodies start with a format byte 0x00, then AMF0 (which may switch to AMF3).
  // A command or data body otherwise starts with its name, a string (0x02), never 0x00.
  if (!body.empty() && body[0] == 0x00) (void)r.u8();
  return decode_sequence(r, limits);
}

Result<std::vector<Value>> decode_data_amf3(ByteView body, const Limits& limits) {
  return decode_command_amf3(body, limits);
}

void encode_command_amf3(std::span<const Value> values, Bytes& out) {
  out.push_back(0x00);
  encode_amf0_all(values, out);
}

}  // namespace rtmp::amf
