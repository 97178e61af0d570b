// AMF3 (amf3_spec_05_05_08): decoder with string, traits and object reference tables, and an
// encoder that writes every value inline.
//
// An object reference is resolved by reading its target again where it starts in the message,
// in "replay" mode, which registers nothing: the tables only grow, so every index the target
// used still names the same entry. Nothing is copied for messages without object references,
// and every replayed value and byte counts against the budgets, so nested references (the
// "billion laughs" shape) cannot blow up.
#include "rtmp/core/amf.hpp"

#include "core/amf_detail.hpp"

#include <cstdio>

namespace rtmp::amf {
namespace {

using detail::Amf3Context;
using detail::Amf3Counts;
using detail::Amf3Traits;
using detail::DecodeState;
using detail::ValueAccess;

namespace marker {
constexpr std::uint8_t undefined = 0x00;
constexpr std::uint8_t null = 0x01;
constexpr std::uint8_t false_ = 0x02;
constexpr std::uint8_t true_ = 0x03;
constexpr std::uint8_t integer = 0x04;
constexpr std::uint8_t double_ = 0x05;
constexpr std::uint8_t string = 0x06;
constexpr std::uint8_t xml_document = 0x07;
constexpr std::uint8_t date = 0x08;
constexpr std::uint8_t array = 0x09;
constexpr std::uint8_t object = 0x0A;
constexpr std::uint8_t xml = 0x0B;
constexpr std::uint8_t byte_array = 0x0C;
constexpr std::uint8_t vector_int = 0x0D;
constexpr std::uint8_t vector_uint = 0x0E;
constexpr std::uint8_t vector_double = 0x0F;
constexpr std::uint8_t vector_object = 0x10;
constexpr std::uint8_t dictionary = 0x11;
}  // namespace marker

constexpr std::uint32_t kU29Max = 0x1FFFFFFF;
constexpr std::int32_t kIntMin = -(1 << 28);
constexpr std::int32_t kIntMax = (1 << 28) - 1;
// U29 with a one-bit flag: lengths and counts up to 2^28 - 1.
constexpr std::uint32_t kMaxLength = (1u << 28) - 1;

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

class Decoder {
 public:
  // replay: re-reading a referenced value, which registers nothing. pos_offset: added to r's
  // positions in error details.
  Decoder(ByteReader& r, std::size_t pos_offset, DecodeState& st, Amf3Context& ctx, bool replay,
          Amf3Counts base, bool* self_contained)
      : r_(r),
        pos_offset_(pos_offset),
        st_(st),
        ctx_(ctx),
        replay_(replay),
        base_(base),
        self_contained_(self_contained) {}

  Result<void> value(Value& out, std::uint32_t depth) {
    const std::size_t at = pos();
    if (st_.values_left == 0)
      return fail(errc::amf_too_many_items, at,
                  "more than " + std::to_string(st_.limits.max_amf_items) + " values");
    --st_.values_left;
    auto m = r_.u8();
    if (!m) return truncated(at, "value marker", m.error());

    switch (*m) {
      case marker::undefined:
        out = Value::undefined();
        return {};
      case marker::null:
        out = Value::null();
        return {};
      case marker::false_:
        out = Value(false);
        return {};
      case marker::true_:
        out = Value(true);
        return {};
      case marker::integer: {
        auto u = u29(at, "integer");
        if (!u) return u.error();
        // Spec 3.6: 29-bit two's complement, sign bit 0x10000000.
        std::int32_t i = static_cast<std::int32_t>(*u);
        if (i & 0x10000000) i -= 0x20000000;
        out = Value::integer(i);
        return {};
      }
      case marker::double_: {
        auto d = r_.f64be();
        if (!d) return truncated(at, "double", d.error());
        out = Value(*d);
        return {};
      }
      case marker::string: {
        auto s = string_vr(at, "string");
        if (!s) return s.error();
        // Over 65535 bytes this is a long string, as for any Value made from a string.
        out = Value(std::string(*s));
        return {};
      }
      case marker::xml_document:
      case marker::xml:
      case marker::byte_array: {
        auto h = u29(at, "length");
        if (!h) return h.error();
        if (!(*h & 1)) return object_ref(out, at, *h >> 1, depth);
        auto s = r_.string(*h >> 1);
        if (!s) return truncated(at, "text or bytes", s.error());
        if (replay_)
          if (auto e = charge(at, s->size()); !e) return e;
        const auto index = new_object(at);
        out = Value();
        ValueAccess::type(out) = *m == marker::xml_document ? Type::xml_document
                                 : *m == marker::xml        ? Type::xml
                                                            : Type::byte_array;
        ValueAccess::str(out).assign(*s);
        close_object(index);
        return {};
      }
      case marker::date: {
        auto h = u29(at, "date");
        if (!h) return h.error();
        if (!(*h & 1)) return object_ref(out, at, *h >> 1, depth);
        auto ms = r_.f64be();
        if (!ms) return truncated(at, "date", ms.error());
        const auto index = new_object(at);
        out = Value::date(*ms);
        close_object(index);
        return {};
      }
      case marker::array:
        return array(out, at, depth);
      case marker::object:
        return object(out, at, depth);
      case marker::vector_int:
      case marker::vector_uint:
      case marker::vector_double:
      case marker::vector_object:
        return fail(errc::unsupported, at, "AMF3 vector " + hex_byte(*m) + " is not supported");
      case marker::dictionary:
        return fail(errc::unsupported, at, "AMF3 dictionary 0x11 is not supported");
      default:
        return fail(errc::amf_invalid_marker, at, "unknown AMF3 marker " + hex_byte(*m));
    }
  }

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;

  std::size_t pos() const { return r_.position() + pos_offset_; }

  // Spec 3.11: U29A (dense count << 1 | 1), associative part until "", dense part.
  Result<void> array(Value& out, std::size_t at, std::uint32_t depth) {
    auto h = u29(at, "array header");
    if (!h) return h.error();
    if (!(*h & 1)) return object_ref(out, at, *h >> 1, depth);
    if (auto e = enter(at, depth); !e) return e;
    const std::uint32_t dense = *h >> 1;
    const auto index = new_object(at);
    out = Value::strict_array();
    auto& props = ValueAccess::props(out);
    for (;;) {
      auto key = string_vr(pos(), "array key");
      if (!key) return key.error();
      if (key->empty()) break;
      auto& p = props.emplace_back(std::string(*key), Value());
      if (auto e = value(p.second, depth + 1); !e) return e;
    }
    if (auto e = check_count(at, dense, "array item"); !e) return e;
    auto& items = ValueAccess::items(out);
    items.resize(dense);
    for (auto& item : items)
      if (auto e = value(item, depth + 1); !e) return e;
    if (!props.empty()) ValueAccess::type(out) = Type::ecma_array;
    close_object(index);
    return {};
  }

  // Spec 3.12: U29O-ref | U29O-traits-ref | U29O-traits-ext | U29O-traits, then sealed values
  // in trait order, then dynamic members until "" if the traits are dynamic.
  Result<void> object(Value& out, std::size_t at, std::uint32_t depth) {
    auto h = u29(at, "object header");
    if (!h) return h.error();
    if (!(*h & 1)) return object_ref(out, at, *h >> 1, depth);
    if (auto e = enter(at, depth); !e) return e;
    const Amf3Traits* t;
    Amf3Traits local;  // inline traits met in replay, which are not registered again
    if (!(*h & 2)) {
      const std::uint32_t ti = *h >> 2;
      if (ti >= ctx_.traits.size())
        return fail(errc::malformed, at,
                    "traits reference " + std::to_string(ti) + " out of range (" +
                        std::to_string(ctx_.traits.size()) + " traits)");
      if (ti < base_.traits) not_self_contained();
      t = &ctx_.traits[ti];
      // The class and member names are copied into this value.
      std::size_t bytes = t->class_name.size();
      for (auto n : t->sealed) bytes += n.size();
      if (auto e = charge(at, bytes); !e) return e;
    } else if (*h & 4) {
      auto name = string_vr(pos(), "class name");
      std::string cls = name ? std::string(*name) : std::string("?");
      return fail(errc::unsupported, at, "externalizable AMF3 class '" + cls + "'");
    } else {
      local.dynamic = (*h & 8) != 0;
      const std::uint32_t sealed = *h >> 4;
      auto name = string_vr(pos(), "class name");
      if (!name) return name.error();
      local.class_name = *name;
      if (auto e = check_count(at, sealed, "sealed member"); !e) return e;
      local.sealed.reserve(sealed);
      for (std::uint32_t i = 0; i < sealed; ++i) {
        auto s = string_vr(pos(), "sealed member name");
        if (!s) return s.error();
        local.sealed.push_back(*s);
      }
      if (replay_) {
        t = &local;
      } else {
        ctx_.traits.push_back(std::move(local));
        t = &ctx_.traits.back();
      }
    }
    const auto index = new_object(at);
    const std::size_t sealed = t->sealed.size();
    if (auto e = check_count(at, static_cast<std::uint32_t>(sealed), "sealed value"); !e) return e;
    out = Value();
    ValueAccess::type(out) = t->class_name.empty() ? Type::object : Type::typed_object;
    ValueAccess::str(out).assign(t->class_name);
    ValueAccess::count(out) = static_cast<std::uint32_t>(sealed);
    if (!t->dynamic) ValueAccess::flags(out) |= ValueAccess::kSealedOnly;
    auto& props = ValueAccess::props(out);
    props.reserve(sealed);
    for (std::size_t i = 0; i < sealed; ++i) {
      auto& p = props.emplace_back(std::string(t->sealed[i]), Value());
      if (auto e = value(p.second, depth + 1); !e) return e;
    }
    if (t->dynamic) {
      for (;;) {
        auto key = string_vr(pos(), "dynamic member name");
        if (!key) return key.error();
        if (key->empty()) break;
        auto& p = props.emplace_back(std::string(*key), Value());
        if (auto e = value(p.second, depth + 1); !e) return e;
      }
    }
    close_object(index);
    return {};
  }

  // Reads the target again where it starts in the message, registering nothing. A target is
  // complete, and every reference it holds was checked when it was first read, so replays
  // always end; the value budget and depth cap bound their cost.
  Result<void> object_ref(Value& out, std::size_t at, std::uint32_t index, std::uint32_t depth) {
    if (index >= ctx_.objects.size())
      return fail(errc::malformed, at,
                  "object reference " + std::to_string(index) + " out of range (" +
                      std::to_string(ctx_.objects.size()) + " objects)");
    if (ctx_.open[index])
      return fail(errc::unsupported, at,
                  "object reference " + std::to_string(index) +
                      " to an enclosing object (cycles are not supported)");
    if (index < base_.objects) not_self_contained();
    ByteReader rr(ctx_.data);
    (void)rr.skip(ctx_.objects[index] - ctx_.origin);
    Decoder sub(rr, ctx_.origin, st_, ctx_, true, base_, nullptr);
    // The reference was counted as a value; sub counts its target instead.
    ++st_.values_left;
    return sub.value(out, depth);
  }

  std::uint32_t new_object(std::size_t at) {
    if (replay_) return kNone;
    ctx_.objects.push_back(at);
    ctx_.open.push_back(1);
    return static_cast<std::uint32_t>(ctx_.objects.size() - 1);
  }
  void close_object(std::uint32_t index) {
    if (index != kNone) ctx_.open[index] = 0;
  }
  void not_self_contained() {
    if (self_contained_) *self_contained_ = false;
  }

  // Spec 1.3.1: 1 to 4 bytes, 7 bits each with a continuation bit, all 8 bits in the fourth.
  Result<std::uint32_t> u29(std::size_t at, const char* what) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      auto b = r_.u8();
      if (!b) return truncated(at, what, b.error());
      if (i == 3) return (v << 8) | *b;
      v = (v << 7) | (*b & 0x7Fu);
      if (!(*b & 0x80)) return v;
    }
    return v;  // not reached
  }

  // Spec 1.3.2 / 3.8: U29S-ref | U29S-value. "" is never sent by reference nor indexed.
  Result<std::string_view> string_vr(std::size_t at, const char* what) {
    auto h = u29(at, what);
    if (!h) return h.error();
    const std::uint32_t n = *h >> 1;
    if (!(*h & 1)) {
      if (n >= ctx_.strings.size())
        return fail(errc::malformed, at,
                    std::string(what) + ": string reference " + std::to_string(n) +
                        " out of range (" + std::to_string(ctx_.strings.size()) + " strings)");
      if (n < base_.strings) not_self_contained();
      if (auto e = charge(at, ctx_.strings[n].size()); !e) return e.error();
      return ctx_.strings[n];
    }
    auto s = r_.string(n);
    if (!s) return truncated(at, what, s.error());
    if (replay_) {
      if (auto e = charge(at, s->size()); !e) return e.error();
    } else if (!s->empty()) {
      ctx_.strings.push_back(*s);
    }
    return *s;
  }

  // Every item takes at least one byte; checked before reserving.
  Result<void> check_count(std::size_t at, std::uint32_t count, const char* what) {
    if (count > st_.values_left)
      return fail(errc::amf_too_many_items, at,
                  std::to_string(count) + " " + what + "s exceed limit " +
                      std::to_string(st_.limits.max_amf_items));
    if (count > r_.remaining())
      return fail(errc::truncated, at,
                  std::to_string(count) + " " + what + "s, only " + std::to_string(r_.remaining()) +
                      " bytes left");
    return {};
  }

  Result<void> charge(std::size_t at, std::size_t bytes) {
    if (bytes > st_.ref_bytes_left)
      return fail(errc::amf_too_many_items, at,
                  "references expand to more than " +
                      std::to_string(st_.limits.max_message_length) + " bytes");
    st_.ref_bytes_left -= bytes;
    return {};
  }

  Result<void> enter(std::size_t at, std::uint32_t depth) {
    if (depth >= st_.limits.max_amf_depth)
      return fail(errc::amf_depth_exceeded, at,
                  "container nested deeper than " + std::to_string(st_.limits.max_amf_depth));
    return {};
  }

  static Error fail(errc code, std::size_t at, std::string_view what) {
    return Error(code, detail::at("amf3", at, what));
  }
  static Error truncated(std::size_t at, std::string_view what, const Error& e) {
    return Error(errc::truncated,
                 detail::at("amf3", at,
                            std::string("truncated ") + std::string(what) + " (" + e.detail + ")"));
  }

  ByteReader& r_;
  std::size_t pos_offset_;
  DecodeState& st_;
  Amf3Context& ctx_;
  bool replay_;
  Amf3Counts base_;
  bool* self_contained_;
};

// ---- encoder ----

void write_u29(ByteWriter& w, std::uint32_t v) {
  v &= kU29Max;
  if (v < 0x80) {
    w.u8(static_cast<std::uint8_t>(v));
  } else if (v < 0x4000) {
    w.u8(static_cast<std::uint8_t>(0x80 | (v >> 7)));
    w.u8(static_cast<std::uint8_t>(v & 0x7F));
  } else if (v < 0x200000) {
    w.u8(static_cast<std::uint8_t>(0x80 | (v >> 14)));
    w.u8(static_cast<std::uint8_t>(0x80 | ((v >> 7) & 0x7F)));
    w.u8(static_cast<std::uint8_t>(v & 0x7F));
  } else {
    w.u8(static_cast<std::uint8_t>(0x80 | (v >> 22)));
    w.u8(static_cast<std::uint8_t>(0x80 | ((v >> 15) & 0x7F)));
    w.u8(static_cast<std::uint8_t>(0x80 | ((v >> 8) & 0x7F)));
    w.u8(static_cast<std::uint8_t>(v & 0xFF));
  }
}

// Inline UTF-8-vr (no references). Longer than 2^28 - 1 bytes cannot be expressed: cut.
// A receiver indexes every non-empty inline string.
void write_string_vr(ByteWriter& w, std::string_view s, Amf3Counts& n) {
  if (s.size() > kMaxLength) s = s.substr(0, kMaxLength);
  if (!s.empty()) ++n.strings;
  write_u29(w, (static_cast<std::uint32_t>(s.size()) << 1) | 1);
  w.string(s);
}

std::uint32_t clamp_count(std::size_t n) {
  return n > kMaxLength ? kMaxLength : static_cast<std::uint32_t>(n);
}

void write_value(ByteWriter& w, const Value& v, Amf3Counts& n) {
  switch (v.type()) {
    case Type::undefined:
    case Type::reference:
    case Type::unsupported:
      w.u8(marker::undefined);
      return;
    case Type::null:
      w.u8(marker::null);
      return;
    case Type::boolean:
      w.u8(v.as_bool() ? marker::true_ : marker::false_);
      return;
    case Type::integer:
      if (v.as_integer() >= kIntMin && v.as_integer() <= kIntMax) {
        w.u8(marker::integer);
        write_u29(w, static_cast<std::uint32_t>(v.as_integer()));
        return;
      }
      // Spec 3.6: integers outside 29 bits are written as doubles.
      w.u8(marker::double_);
      w.f64be(v.as_number());
      return;
    case Type::number:
      w.u8(marker::double_);
      w.f64be(v.as_number());
      return;
    case Type::string:
    case Type::long_string:
      w.u8(marker::string);
      write_string_vr(w, v.as_string(), n);
      return;
    case Type::xml_document:
    case Type::xml:
      ++n.objects;
      w.u8(v.type() == Type::xml ? marker::xml : marker::xml_document);
      write_string_vr(w, v.as_string(), n);
      return;
    case Type::byte_array: {
      auto b = v.as_bytes();
      if (b.size() > kMaxLength) b = b.first(kMaxLength);
      ++n.objects;
      w.u8(marker::byte_array);
      write_u29(w, (static_cast<std::uint32_t>(b.size()) << 1) | 1);
      w.bytes(b);
      return;
    }
    case Type::date:
      ++n.objects;
      w.u8(marker::date);
      write_u29(w, 1);
      w.f64be(v.date_ms());
      return;
    case Type::strict_array:
    case Type::ecma_array: {
      const auto& items = v.items();
      const std::uint32_t dense = clamp_count(items.size());
      ++n.objects;
      w.u8(marker::array);
      write_u29(w, (dense << 1) | 1);
      for (const auto& [k, child] : v.properties()) {
        if (k.empty()) continue;  // "" ends the associative part
        write_string_vr(w, k, n);
        write_value(w, child, n);
      }
      w.u8(0x01);  // ""
      for (std::uint32_t i = 0; i < dense; ++i) write_value(w, items[i], n);
      return;
    }
    case Type::object:
    case Type::typed_object: {
      const auto& props = v.properties();
      // Members beyond the sealed ones (added with set()) need a dynamic part.
      std::uint32_t sealed = v.amf3_sealed_count();
      if (sealed > (kU29Max >> 4)) sealed = kU29Max >> 4;
      const bool dynamic = v.amf3_dynamic() || sealed < props.size();
      ++n.objects;
      ++n.traits;  // traits are always written inline
      w.u8(marker::object);
      write_u29(w, (sealed << 4) | (dynamic ? 8u : 0u) | 0x3u);
      write_string_vr(w, v.class_name(), n);
      for (std::uint32_t i = 0; i < sealed; ++i) write_string_vr(w, props[i].first, n);
      for (std::uint32_t i = 0; i < sealed; ++i) write_value(w, props[i].second, n);
      if (dynamic) {
        for (std::size_t i = sealed; i < props.size(); ++i) {
          if (props[i].first.empty()) continue;  // "" ends the dynamic part
          write_string_vr(w, props[i].first, n);
          write_value(w, props[i].second, n);
        }
        w.u8(0x01);
      }
      return;
    }
  }
}

}  // namespace

namespace detail {
Result<void> decode_amf3_section(ByteReader& r, DecodeState& st, Amf3Context& ctx,
                                 std::uint32_t depth, Value& out, bool& self_contained) {
  Decoder d(r, 0, st, ctx, false, ctx.counts(), &self_contained);
  return d.value(out, depth);
}

void encode_amf3_counted(const Value& v, Bytes& out, Amf3Counts& added) {
  ByteWriter w(out);
  write_value(w, v, added);
}
}  // namespace detail

Result<Value> decode_amf3(ByteReader& r, const Limits& limits) {
  detail::DecodeState st(limits);
  detail::Amf3Context ctx(r.rest(), r.position());
  Value v;
  bool self_contained = true;
  if (auto e = detail::decode_amf3_section(r, st, ctx, 0, v, self_contained); !e) return e.error();
  return v;
}

void encode_amf3(const Value& v, Bytes& out) {
  Amf3Counts n;
  detail::encode_amf3_counted(v, out, n);
}

}  // namespace rtmp::amf
