#include "rtmp/core/amf.hpp"

#include "support/bytes.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>

namespace rtmp::amf {
namespace {

using test::cat;
// Hex digits (spaces ignored) and ASCII text as bytes, short because fixtures use them a lot.
Bytes h(std::string_view digits) {
  return test::hex(digits);
}
Bytes a(std::string_view s) {
  return test::str(s);
}

Result<Value> decode(const Bytes& b, const Limits& limits = {}) {
  ByteReader r(b);
  auto v = decode_amf3(r, limits);
  if (v && !r.empty()) return Error(errc::malformed, "trailing bytes");
  return v;
}
Bytes encode(const Value& v) {
  Bytes out;
  encode_amf3(v, out);
  return out;
}
void expect_exact(const Bytes& wire, const Value& want) {
  auto v = decode(wire);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, want) << to_string(*v) << " vs " << to_string(want);
  EXPECT_EQ(encode(*v), wire);
}
// Decodes, checks, and checks that our (reference-free) encoding decodes to the same value.
void expect_semantic(const Bytes& wire, const Value& want) {
  auto v = decode(wire);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, want) << to_string(*v) << " vs " << to_string(want);
  auto again = decode(encode(*v));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*again, *v);
}
void expect_error(const Bytes& wire, errc code, const Limits& limits = {}) {
  auto v = decode(wire, limits);
  ASSERT_FALSE(v) << to_string(*v);
  EXPECT_EQ(v.error().code, code) << v.error().message();
}

// ---- amf3 spec 1.3.1 (U29) and 3.6 (integer) ----

TEST(Amf3, U29EdgeValues) {
  expect_exact(h("04 00"), Value::integer(0));
  expect_exact(h("04 7F"), Value::integer(0x7F));
  expect_exact(h("04 81 00"), Value::integer(0x80));
  expect_exact(h("04 FF 7F"), Value::integer(0x3FFF));
  expect_exact(h("04 81 80 00"), Value::integer(0x4000));
  expect_exact(h("04 FF FF 7F"), Value::integer(0x1FFFFF));
  expect_exact(h("04 80 C0 80 00"), Value::integer(0x200000));
  expect_exact(h("04 BF FF FF FF"), Value::integer(0x0FFFFFFF));
  // Negative: 29-bit two's complement, so always four bytes.
  expect_exact(h("04 FF FF FF FF"), Value::integer(-1));
  expect_exact(h("04 FF FF FF 80"), Value::integer(-128));
  expect_exact(h("04 C0 80 80 00"), Value::integer(-0x10000000));
}

TEST(Amf3, IntegerOutside29BitsIsADouble) {
  EXPECT_EQ(encode(Value::integer(0x10000000)), h("05 41B0000000000000"));
  EXPECT_EQ(encode(Value::integer(-0x10000001)), h("05 C1B0000001000000"));
}

TEST(Amf3, NonMinimalU29Decodes) {
  auto v = decode(h("04 80 80 00"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as_integer(), 0);
  EXPECT_EQ(encode(*v), h("04 00"));  // semantic round trip
}

TEST(Amf3, Scalars) {  // 3.2 - 3.5, 3.7
  expect_exact(h("00"), Value::undefined());
  expect_exact(h("01"), Value::null());
  expect_exact(h("02"), Value(false));
  expect_exact(h("03"), Value(true));
  expect_exact(h("05 3FF0000000000000"), Value(1.0));
  EXPECT_TRUE(decode(h("04 05"))->is_number());
  EXPECT_EQ(decode(h("04 05"))->as_number(), 5.0);
}

// ---- 3.8 strings and the string reference table ----

TEST(Amf3, Strings) {
  expect_exact(h("06 07 616263"), Value("abc"));
  expect_exact(h("06 01"), Value(""));
}

TEST(Amf3, StringReferences) {
  // "abc" inline, then by reference (U29S-ref 0), then "" (never indexed).
  expect_semantic(h("09 07 01  06 07 616263  06 00  06 01"),
                  Value::strict_array({"abc", "abc", ""}));
  // A member name can refer to a string value read earlier.
  expect_semantic(h("09 05 01  06 07 616263  0A 0B 01 00 04 01 01"),
                  Value::strict_array({"abc", Value::object({{"abc", Value::integer(1)}})}));
  // Our encoder writes strings inline.
  EXPECT_EQ(encode(Value::strict_array({"abc", "abc"})), h("09 05 01 06 07 616263 06 07 616263"));
}

// ---- 3.12 objects ----

TEST(Amf3, ObjectWithSealedAndDynamicMembers) {
  // U29O-traits 0x2B: 2 sealed members, dynamic, inline traits; class "Point".
  Bytes wire = cat(
      {h("0A 2B 0B"), a("Point"), h("03 78 03 79"), h("04 01 04 02"), h("03 7A 04 03"), h("01")});
  auto want = Value::typed_object(
      "Point", {{"x", Value::integer(1)}, {"y", Value::integer(2)}, {"z", Value::integer(3)}});
  expect_exact(wire, want);
  auto v = decode(wire);
  EXPECT_EQ(v->amf3_sealed_count(), 2u);
  EXPECT_TRUE(v->amf3_dynamic());
  EXPECT_EQ(v->class_name(), "Point");
}

TEST(Amf3, AnonymousObjectIsAnObject) {
  Bytes wire = cat({h("0A 0B 01 07"), a("app"), h("06 09"), a("live"), h("01")});
  expect_exact(wire, Value::object({{"app", "live"}}));
  EXPECT_EQ(encode(Value::object({{"app", "live"}})), wire);
}

TEST(Amf3, TraitReferences) {
  // Two sealed, non-dynamic Points; the second refers to the first one's traits (0x01).
  Bytes wire = cat({h("09 05 01"), h("0A 23 0B"), a("Point"), h("03 78 03 79 04 01 04 02"),
                    h("0A 01 04 03 04 04")});
  auto p = [](int x, int y) {
    return Value::typed_object("Point", {{"x", Value::integer(x)}, {"y", Value::integer(y)}});
  };
  expect_semantic(wire, Value::strict_array({p(1, 2), p(3, 4)}));
  auto v = decode(wire);
  EXPECT_EQ(v->items()[1].amf3_sealed_count(), 2u);
  EXPECT_FALSE(v->items()[1].amf3_dynamic());
  // Re-encoded with inline traits each time.
  EXPECT_EQ(encode(*v),
            cat({h("09 05 01"), h("0A 23 0B"), a("Point"), h("03 78 03 79 04 01 04 02 0A 23 0B"),
                 a("Point"), h("03 78 03 79 04 03 04 04")}));
}

TEST(Amf3, ObjectReferences) {
  // [obj, ref 1]: the array is object 0, the inner object is object 1.
  expect_semantic(h("09 05 01  0A 0B 01 03 61 04 01 01  0A 02"),
                  Value::strict_array({Value::object({{"a", Value::integer(1)}}),
                                       Value::object({{"a", Value::integer(1)}})}));
  // Dates, byte arrays and XML enter the same table.
  expect_semantic(
      h("09 07 01  08 01 4275D3EF79800000  0C 03 AB  08 02"),
      Value::strict_array({Value::date(1.5e12), Value::byte_array({0xAB}), Value::date(1.5e12)}));
  // A reference to a reference's target inside a referenced value.
  // [X, Y = [ref X], ref Y]: a referenced value that itself holds a reference.
  expect_semantic(h("09 07 01  0C 03 AB  09 03 01 0C 02  09 04"),
                  Value::strict_array({Value::byte_array({0xAB}),
                                       Value::strict_array({Value::byte_array({0xAB})}),
                                       Value::strict_array({Value::byte_array({0xAB})})}));
}

TEST(Amf3, CyclicReferenceIsUnsupported) {
  expect_error(h("09 03 01 09 00"), errc::unsupported);
  expect_error(h("0A 0B 01 03 73 0A 00 01"), errc::unsupported);  // obj.s = obj
}

TEST(Amf3, BadReferences) {
  expect_error(h("06 02"), errc::malformed);        // string ref 1 of 0
  expect_error(h("0A 00"), errc::malformed);        // object ref 0 of 0
  expect_error(h("0A 05 04 01"), errc::malformed);  // traits ref 1 of 0
  expect_error(h("09 03 01 09 04"), errc::malformed);
}

TEST(Amf3, ExternalizableVectorDictionaryUnsupported) {
  auto v = decode(cat({h("0A 07 43"), a("flex.messaging.io.ArrayCollection"), h("0A 0B 01 01")}));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, errc::unsupported);
  EXPECT_NE(v.error().detail.find("ArrayCollection"), std::string::npos) << v.error().detail;
  for (std::uint8_t m : {0x0D, 0x0E, 0x0F, 0x10, 0x11})
    expect_error(Bytes{m, 0x01}, errc::unsupported);
  expect_error(h("12"), errc::amf_invalid_marker);
  expect_error(h("FF"), errc::amf_invalid_marker);
}

// ---- 3.9 - 3.14 ----

TEST(Amf3, DateXmlByteArray) {
  expect_exact(h("08 01 4275D3EF79800000"), Value::date(1.5e12));
  expect_exact(h("07 09 3C612F3E"), Value::xml_document("<a/>"));
  expect_exact(h("0B 09 3C612F3E"), Value::xml("<a/>"));
  expect_exact(h("0C 07 010203"), Value::byte_array({1, 2, 3}));
  auto v = decode(h("0C 07 010203"));
  EXPECT_EQ(v->as_bytes().size(), 3u);
}

TEST(Amf3, ArrayWithAssociativeAndDenseParts) {
  auto v = decode(h("09 03 03 6B 04 01 01 04 02"));
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->type(), Type::ecma_array);
  EXPECT_EQ(v->get("k")->as_integer(), 1);
  ASSERT_EQ(v->items().size(), 1u);
  EXPECT_EQ(v->items()[0].as_integer(), 2);
  EXPECT_EQ(encode(*v), h("09 03 03 6B 04 01 01 04 02"));
  EXPECT_EQ(to_string(*v), R"(ecma{"k": int(1), 0: int(2)})");
  // In AMF0 the dense part becomes members named by index.
  Bytes amf0;
  encode_amf0(*v, amf0);
  EXPECT_EQ(amf0, h("08 00000002 0001 6B 00 3FF0000000000000 0001 30 00 4000000000000000 0000 09"));
}

TEST(Amf3, Amf0OnlyKindsEncode) {
  EXPECT_EQ(encode(Value::long_string("ab")), h("06 05 6162"));
  EXPECT_EQ(encode(Value::reference(3)), h("00"));
  EXPECT_EQ(encode(Value::unsupported()), h("00"));
  EXPECT_EQ(encode(Value::date(0, 60)), h("08 01 0000000000000000"));
  // Members added to a sealed object go to a dynamic part.
  auto v = decode(cat({h("0A 13 01 03 78 04 01")}));  // sealed {x}, not dynamic
  ASSERT_TRUE(v) << v.error().message();
  auto w = *v;
  w.set("y", Value::integer(2));
  EXPECT_EQ(encode(w), h("0A 1B 01 03 78 04 01 03 79 04 02 01"));
}

TEST(Amf3, SemanticRoundTripOfAMix) {
  auto v = Value::object({
      {"n", 1.5},
      {"i", Value::integer(-7)},
      {"s", "text"},
      {"b", true},
      {"nil", nullptr},
      {"arr", Value::strict_array({1, "x", Value::object({{"deep", false}})})},
      {"ecma", Value::ecma_array({{"k", "v"}})},
      {"typed", Value::typed_object("C", {{"f", 2}})},
      {"date", Value::date(12345)},
      {"bytes", Value::byte_array({0, 255})},
      {"xml", Value::xml("<x/>")},
  });
  auto back = decode(encode(v));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, v);
}

// ---- bad input ----

void expect_truncated_at_every_offset(const Bytes& wire) {
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    Bytes prefix(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(cut));
    ByteReader r(prefix);
    auto v = decode_amf3(r);
    ASSERT_FALSE(v) << "cut at " << cut;
    EXPECT_EQ(v.error().code, errc::truncated) << "cut at " << cut << ": " << v.error().message();
  }
}

TEST(Amf3, TruncatedAtEveryOffset) {
  expect_truncated_at_every_offset(
      cat({h("0A 2B 0B"), a("Point"), h("03 78 03 79 04 01 04 02"), h("03 7A 04 03 01")}));
  expect_truncated_at_every_offset(
      cat({h("09 05 01 0A 23 0B"), a("Point"), h("03 78 03 79 04 01 04 02 0A 01 04 03 04 04")}));
  expect_truncated_at_every_offset(h("09 05 01 0A 0B 01 03 61 04 01 01 0A 02"));
  expect_truncated_at_every_offset(h("09 03 03 6B 04 01 01 04 02"));
  expect_truncated_at_every_offset(
      h("09 0B 01 04 BF FF FF FF 05 3FF0000000000000 08 01 "
        "4275D3EF79800000 0C 07 010203 07 03 61"));
}

Bytes repeat(const Bytes& unit, std::size_t n, const Bytes& tail) {
  Bytes out;
  for (std::size_t i = 0; i < n; ++i) out.insert(out.end(), unit.begin(), unit.end());
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

TEST(Amf3, DeepNestingFails) {
  expect_error(repeat(h("09 03 01"), 10000, h("01")), errc::amf_depth_exceeded);
  expect_error(repeat(h("0A 0B 01 03 61"), 10000, h("01")), errc::amf_depth_exceeded);
}

TEST(Amf3, HugeCountsFailFast) {
  auto start = std::chrono::steady_clock::now();
  expect_error(h("09 FF FF FF FF 01 01"), errc::amf_too_many_items);
  expect_error(h("0A FF FF FF F3 01"), errc::amf_too_many_items);  // 2^25 - 1 sealed names
  Limits unlimited;
  unlimited.max_amf_items = 0xFFFFFFFF;
  expect_error(h("09 FF FF FF FF 01 01"), errc::truncated, unlimited);
  expect_error(h("0A FF FF FF F3 01"), errc::truncated, unlimited);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST(Amf3, StringReferencesCannotAmplify) {
  // A 1000-byte string, then 20 references to it: 20000 bytes from 40.
  Bytes wire = cat({h("09 2B 01 06 8F 51"), Bytes(1000, 'x'), repeat(h("06 00"), 20, {})});
  EXPECT_TRUE(decode(wire));
  Limits limits;
  limits.max_message_length = 10000;
  expect_error(wire, errc::amf_too_many_items, limits);
}

TEST(Amf3, ObjectReferencesCannotAmplify) {
  // [A0, A1, ..., A5] where A0 holds 10 integers and Ai holds 10 references to A(i-1):
  // 10^6 values from about 100 bytes.
  Bytes wire = h("09 0D 01");  // 6 items
  Bytes a0 = h("09 15 01");    // 10 items
  for (int i = 0; i < 10; ++i) a0.insert(a0.end(), {0x04, 0x01});
  wire.insert(wire.end(), a0.begin(), a0.end());
  for (std::uint8_t i = 1; i <= 5; ++i) {
    Bytes ai = h("09 15 01");
    // A(i-1) is object i (the outer array is object 0).
    for (int j = 0; j < 10; ++j) ai.insert(ai.end(), {0x09, static_cast<std::uint8_t>(i << 1)});
    wire.insert(wire.end(), ai.begin(), ai.end());
  }
  auto start = std::chrono::steady_clock::now();
  expect_error(wire, errc::amf_too_many_items);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  // Two levels (111 + 100 values) are fine.
  Limits small;
  small.max_amf_items = 1000;
  Bytes two = h("09 05 01");
  two.insert(two.end(), a0.begin(), a0.end());
  Bytes a1 = h("09 15 01");
  for (int j = 0; j < 10; ++j) a1.insert(a1.end(), {0x09, 0x02});
  two.insert(two.end(), a1.begin(), a1.end());
  auto v = decode(two, small);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->items()[1].items()[9], v->items()[0]);
}

}  // namespace
}  // namespace rtmp::amf
