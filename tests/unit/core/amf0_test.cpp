#include "rtmp/core/amf.hpp"

#include "support/bytes.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
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

Result<Value> decode_one(const Bytes& b) {
  ByteReader r(b);
  auto v = decode_amf0(r);
  if (v && !r.empty()) return Error(errc::malformed, "trailing bytes");
  return v;
}
Bytes encode(const Value& v) {
  Bytes out;
  encode_amf0(v, out);
  return out;
}
Bytes encode_all(const std::vector<Value>& v) {
  Bytes out;
  encode_amf0_all(v, out);
  return out;
}

// Decodes `wire` as one value, expects `want`, and re-encodes to exactly `wire`.
void expect_exact(const Bytes& wire, const Value& want) {
  auto v = decode_one(wire);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, want) << to_string(*v) << " vs " << to_string(want);
  EXPECT_EQ(encode(*v), wire);
}

// ---- every AMF0 type, byte-exact from the spec (section numbers of amf0 spec) ----

TEST(Amf0, Number) {  // 2.2
  expect_exact(h("00 3FF0000000000000"), Value(1.0));
  expect_exact(h("00 0000000000000000"), Value(0.0));
  EXPECT_EQ(encode(Value(1)), h("00 3FF0000000000000"));  // integers become numbers
}

TEST(Amf0, Boolean) {  // 2.3
  expect_exact(h("01 01"), Value(true));
  expect_exact(h("01 00"), Value(false));
  // Any non-zero byte is true, and the byte survives a round trip.
  auto v = decode_one(h("01 02"));
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->as_bool());
  EXPECT_EQ(encode(*v), h("01 02"));
}

TEST(Amf0, String) {  // 2.4
  expect_exact(h("02 0007 636F6E6E656374"), Value("connect"));
  expect_exact(h("02 0000"), Value(""));
  EXPECT_EQ(Value("connect").type(), Type::string);
}

TEST(Amf0, Object) {  // 2.5
  expect_exact(h("03 0001 61 00 3FF0000000000000 0001 62 02 0001 78 0000 09"),
               Value::object({{"a", 1.0}, {"b", "x"}}));
  expect_exact(h("03 0000 09"), Value::object());
}

TEST(Amf0, ObjectKeepsOrderAndDuplicates) {
  auto v = decode_one(h("03 0001 6B 05 0001 6A 05 0001 6B 06 0000 09"));
  ASSERT_TRUE(v);
  ASSERT_EQ(v->properties().size(), 3u);
  EXPECT_EQ(v->properties()[0].first, "k");
  EXPECT_EQ(v->properties()[1].first, "j");
  EXPECT_TRUE(v->get("k")->is_null());  // first match
  EXPECT_EQ(encode(*v), h("03 0001 6B 05 0001 6A 05 0001 6B 06 0000 09"));
}

TEST(Amf0, EmptyNameNotFollowedByObjectEndIsAMember) {
  // Only "" followed by 0x09 ends an object; "" + a value is a member with an empty name.
  expect_exact(h("03 0000 05 0000 09"), Value::object({{"", nullptr}}));
}

TEST(Amf0, NullUndefinedUnsupported) {  // 2.7, 2.8, 2.14
  expect_exact(h("05"), Value::null());
  expect_exact(h("06"), Value::undefined());
  expect_exact(h("0D"), Value::unsupported());
  EXPECT_EQ(Value(nullptr).type(), Type::null);
}

TEST(Amf0, Reference) {  // 2.9
  expect_exact(h("07 0102"), Value::reference(0x0102));
}

TEST(Amf0, EcmaArrayKeepsDeclaredCount) {  // 2.10
  expect_exact(h("08 00000001 0001 61 00 3FF0000000000000 0000 09"),
               Value::ecma_array({{"a", 1.0}}));
  // Peers write 0 (or a wrong count): it is kept, and members run to the object end.
  auto v = decode_one(h("08 00000000 0001 61 05 0001 62 05 0000 09"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->properties().size(), 2u);
  EXPECT_EQ(v->ecma_count(), 0u);
  EXPECT_EQ(encode(*v), h("08 00000000 0001 61 05 0001 62 05 0000 09"));
  // set() makes the count follow the members again.
  auto w = *v;
  w.set("c", 3);
  EXPECT_EQ(w.ecma_count(), 3u);
}

TEST(Amf0, StrictArray) {  // 2.12
  expect_exact(h("0A 00000002 00 3FF0000000000000 02 0001 61"), Value::strict_array({1.0, "a"}));
  expect_exact(h("0A 00000000"), Value::strict_array());
}

TEST(Amf0, Date) {  // 2.13: ms since epoch, then a reserved S16 time zone
  expect_exact(h("0B 4275D3EF79800000 0000"), Value::date(1.5e12));
  auto v = decode_one(h("0B 4275D3EF79800000 FFC4"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->date_ms(), 1.5e12);
  EXPECT_EQ(v->date_timezone(), -60);
  EXPECT_EQ(encode(*v), h("0B 4275D3EF79800000 FFC4"));
}

TEST(Amf0, LongString) {  // 2.14
  expect_exact(h("0C 00000003 616263"), Value::long_string("abc"));
  // A short long string stays a long string.
  auto v = decode_one(h("0C 00000003 616263"));
  EXPECT_EQ(v->type(), Type::long_string);
  EXPECT_TRUE(v->is_string());
  EXPECT_EQ(v->as_string(), "abc");
}

TEST(Amf0, UserStringOver65535BytesEncodesAsLongString) {
  std::string big(70000, 'x');
  Value v(big);
  EXPECT_EQ(v.type(), Type::long_string);
  Bytes wire = encode(v);
  EXPECT_EQ(Bytes(wire.begin(), wire.begin() + 5), h("0C 00011170"));
  EXPECT_EQ(wire.size(), 5u + 70000u);
  auto back = decode_one(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, v);
  // Exactly 65535 still fits a short string.
  EXPECT_EQ(encode(Value(std::string(65535, 'y')))[0], 0x02);
}

TEST(Amf0, XmlDocument) {  // 2.17
  expect_exact(h("0F 00000004 3C612F3E"), Value::xml_document("<a/>"));
}

TEST(Amf0, TypedObject) {  // 2.18
  auto want = Value::typed_object("Foo", {{"x", nullptr}});
  expect_exact(h("10 0003 466F6F 0001 78 05 0000 09"), want);
  EXPECT_EQ(want.class_name(), "Foo");
  EXPECT_TRUE(want.is_object());
}

TEST(Amf0, AvmplusSwitch) {  // 3.1: the value after 0x11 is AMF3
  auto v = decode_one(h("11 04 05"));
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->type(), Type::integer);
  EXPECT_EQ(v->as_integer(), 5);
  EXPECT_TRUE(v->is_avmplus());
  EXPECT_EQ(encode(*v), h("11 04 05"));
  EXPECT_EQ(encode(Value::avmplus(Value::integer(5))), h("11 04 05"));
  // Without the switch, an AMF3 integer is an AMF0 number.
  EXPECT_EQ(encode(Value::integer(5)), h("00 4014000000000000"));
}

TEST(Amf0, AvmplusWithReferencesRoundTripsExactly) {
  // An AMF3 array whose second string is a reference to the first: kept byte for byte.
  Bytes wire = h("11 09 05 01 06 07 616263 06 00");
  auto v = decode_one(wire);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, Value::strict_array({"abc", "abc"}));
  EXPECT_EQ(encode(*v), wire);
  // Once modified, the value is written inline.
  auto w = *v;
  w.push_back("d");
  EXPECT_EQ(encode(w), h("11 09 07 01 06 07 616263 06 07 616263 06 03 64"));
}

TEST(Amf0, AvmplusSectionsOfAMessageShareTables) {
  // The second section refers to the string and the object of the first one.
  Bytes body = cat({h("00 02 0004"), a("call"), h("00 3FF0000000000000"),
                    h("11 0A 0B 01 03 61 06 07 616263 01"), h("11 06 02"), h("11 0A 00")});
  auto v = decode_command_amf3(body);
  ASSERT_TRUE(v) << v.error().message();
  ASSERT_EQ(v->size(), 5u);
  auto obj = Value::object({{"a", "abc"}});
  EXPECT_EQ((*v)[2], obj);
  EXPECT_EQ((*v)[3], Value("abc"));
  EXPECT_EQ((*v)[4], obj);
  // The whole message re-encodes exactly.
  Bytes out;
  encode_command_amf3(*v, out);
  EXPECT_EQ(out, body);
  // Out of their message, sections that refer to earlier ones are written inline.
  EXPECT_EQ(encode(Value((*v)[3])), h("11 06 07 616263"));
  EXPECT_EQ(encode((*v)[4]), h("11 0A 0B 01 03 61 06 07 616263 01"));
  Bytes reordered;
  encode_amf0_all(std::vector<Value>{(*v)[4], (*v)[2]}, reordered);
  auto back = decode_amf0_all(reordered);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, (std::vector<Value>{obj, obj}));
}

// ---- Value API ----

TEST(Amf0, ValueApi) {
  auto obj = Value::object({{"app", "live"}, {"objectEncoding", 0.0}});
  EXPECT_TRUE(obj.is_object());
  ASSERT_NE(obj.get("app"), nullptr);
  EXPECT_EQ(obj.get("app")->as_string(), "live");
  EXPECT_EQ(obj.get("objectEncoding")->as_number(), 0.0);
  EXPECT_EQ(obj.get("missing"), nullptr);
  obj.set("app", "vod").set("tcUrl", "rtmp://h/vod");
  EXPECT_EQ(obj.get("app")->as_string(), "vod");
  EXPECT_EQ(obj.properties().size(), 3u);
  EXPECT_EQ(to_string(obj), R"({"app": "vod", "objectEncoding": 0, "tcUrl": "rtmp://h/vod"})");

  auto arr = Value::strict_array({1, "two", true, nullptr});
  EXPECT_EQ(arr.items().size(), 4u);
  EXPECT_EQ(to_string(arr), R"([1, "two", true, null])");
  EXPECT_EQ(to_string(Value::ecma_array({{"a", 0.5}})), R"(ecma{"a": 0.5})");
  EXPECT_EQ(to_string(Value::typed_object("C", {{"q", "\"\n"}})), R"(C{"q": "\"\u000a"})");

  EXPECT_NE(Value(1.0), Value(true));
  EXPECT_NE(Value("a"), Value::long_string("a"));
  EXPECT_EQ(Value(std::nan("")), Value(std::nan("")));
  EXPECT_FALSE(Value(1.0).as_bool());
  EXPECT_EQ(Value("x").as_number(), 0.0);
  EXPECT_EQ(to_string(Type::ecma_array), std::string("ecma_array"));

  Value n;
  n.set("k", 1);  // undefined becomes an object
  EXPECT_EQ(n, Value::object({{"k", 1}}));
}

// ---- real messages ----

// connect as FFmpeg's rtmpproto.c gen_connect() sends it when playing: "connect", 1.0,
// {app, flashVer "LNX 9,0,124,2", tcUrl, fpad false, capabilities 15, audioCodecs 4071,
// videoCodecs 252, videoFunction 1}.
Bytes ffmpeg_connect() {
  return cat({
      h("02 0007"),
      a("connect"),              //
      h("00 3FF0000000000000"),  // transaction id 1
      h("03"),                   //
      h("0003"),
      a("app"),
      h("02 0004"),
      a("live"),
      h("0008"),
      a("flashVer"),
      h("02 000D"),
      a("LNX 9,0,124,2"),
      h("0005"),
      a("tcUrl"),
      h("02 001A"),
      a("rtmp://localhost:1935/live"),
      h("0004"),
      a("fpad"),
      h("01 00"),
      h("000C"),
      a("capabilities"),
      h("00 402E000000000000"),
      h("000B"),
      a("audioCodecs"),
      h("00 40AFCE0000000000"),
      h("000B"),
      a("videoCodecs"),
      h("00 406F800000000000"),
      h("000D"),
      a("videoFunction"),
      h("00 3FF0000000000000"),
      h("0000 09"),
  });
}

TEST(Amf0, FfmpegConnectRoundTrip) {
  Bytes wire = ffmpeg_connect();
  auto v = decode_amf0_all(wire);
  ASSERT_TRUE(v) << v.error().message();
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[0].as_string(), "connect");
  EXPECT_EQ((*v)[1].as_number(), 1.0);
  const Value& cmd = (*v)[2];
  EXPECT_EQ(cmd.get("app")->as_string(), "live");
  EXPECT_EQ(cmd.get("flashVer")->as_string(), "LNX 9,0,124,2");
  EXPECT_EQ(cmd.get("tcUrl")->as_string(), "rtmp://localhost:1935/live");
  EXPECT_FALSE(cmd.get("fpad")->as_bool());
  EXPECT_EQ(cmd.get("capabilities")->as_number(), 15.0);
  EXPECT_EQ(cmd.get("audioCodecs")->as_number(), 4071.0);
  EXPECT_EQ(cmd.get("videoCodecs")->as_number(), 252.0);
  EXPECT_EQ(cmd.get("videoFunction")->as_number(), 1.0);
  EXPECT_EQ(encode_all(*v), wire);

  // The same command built with the convenience API is the same bytes.
  EXPECT_EQ(encode_amf0_all({"connect", 1,
                             Value::object({
                                 {"app", "live"},
                                 {"flashVer", "LNX 9,0,124,2"},
                                 {"tcUrl", "rtmp://localhost:1935/live"},
                                 {"fpad", false},
                                 {"capabilities", 15},
                                 {"audioCodecs", 4071},
                                 {"videoCodecs", 252},
                                 {"videoFunction", 1},
                             })}),
            wire);
}

// @setDataFrame as FFmpeg's RTMP muxer sends metadata: a data message (type 18) with
// "@setDataFrame", "onMetaData" and an ECMA array.
Bytes set_data_frame() {
  return cat({
      h("02 000D"),
      a("@setDataFrame"),
      h("02 000A"),
      a("onMetaData"),
      h("08 00000005"),
      h("0008"),
      a("duration"),
      h("00 0000000000000000"),
      h("0005"),
      a("width"),
      h("00 4094000000000000"),
      h("0006"),
      a("height"),
      h("00 4086800000000000"),
      h("000C"),
      a("videocodecid"),
      h("00 401C000000000000"),
      h("0007"),
      a("encoder"),
      h("02 000D"),
      a("Lavf60.16.100"),
      h("0000 09"),
  });
}

TEST(Amf0, SetDataFrameOnMetaData) {
  Bytes wire = set_data_frame();
  auto v = decode_amf0_all(wire);
  ASSERT_TRUE(v) << v.error().message();
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[0].as_string(), "@setDataFrame");
  EXPECT_EQ((*v)[1].as_string(), "onMetaData");
  const Value& meta = (*v)[2];
  EXPECT_EQ(meta.type(), Type::ecma_array);
  EXPECT_TRUE(meta.is_object());
  EXPECT_EQ(meta.ecma_count(), 5u);
  EXPECT_EQ(meta.get("width")->as_number(), 1280.0);
  EXPECT_EQ(meta.get("height")->as_number(), 720.0);
  EXPECT_EQ(meta.get("encoder")->as_string(), "Lavf60.16.100");
  EXPECT_EQ(encode_all(*v), wire);
}

TEST(Amf0, NestedObjectsThreeDeep) {
  Bytes wire =
      h("03 0001 61"
        "   03 0001 62"
        "      03 0001 63 00 3FF0000000000000 0000 09"
        "   0000 09"
        "0000 09");
  auto want = Value::object({{"a", Value::object({{"b", Value::object({{"c", 1.0}})}})}});
  expect_exact(wire, want);
  auto v = decode_one(wire);
  EXPECT_EQ(v->get("a")->get("b")->get("c")->as_number(), 1.0);
}

TEST(Amf0, AmfCommandBodies) {
  // Type 17: format byte 0x00, AMF0 name and id, then an AMF3 object after 0x11.
  Bytes body = cat({h("00 02 0007"), a("connect"), h("00 3FF0000000000000"), h("11 0A 0B 01 07"),
                    a("app"), h("06 09"), a("live"), h("01")});
  auto v = decode_command_amf3(body);
  ASSERT_TRUE(v) << v.error().message();
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[0].as_string(), "connect");
  EXPECT_EQ((*v)[2].get("app")->as_string(), "live");
  EXPECT_TRUE((*v)[2].is_avmplus());
  Bytes out;
  encode_command_amf3(*v, out);
  EXPECT_EQ(out, body);
  // Type 15 without the format byte is read as plain AMF0.
  auto d = decode_data_amf3(set_data_frame());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size(), 3u);
  auto d0 = decode_data_amf3(cat({h("00"), set_data_frame()}));
  ASSERT_TRUE(d0);
  EXPECT_EQ(*d0, *d);
}

// ---- bad input ----

// Every strict prefix of a single value must fail with truncated, never crash.
void expect_truncated_at_every_offset(const Bytes& wire) {
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    Bytes prefix(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(cut));
    ByteReader r(prefix);
    auto v = decode_amf0(r);
    ASSERT_FALSE(v) << "cut at " << cut;
    EXPECT_EQ(v.error().code, errc::truncated) << "cut at " << cut << ": " << v.error().message();
  }
}

TEST(Amf0, TruncatedAtEveryOffset) {
  Bytes connect = ffmpeg_connect();
  // The command object alone (after "connect" and the id: 10 + 9 bytes).
  expect_truncated_at_every_offset(Bytes(connect.begin() + 19, connect.end()));
  Bytes meta = set_data_frame();
  expect_truncated_at_every_offset(Bytes(meta.begin() + 29, meta.end()));
  // A strict array holding every type.
  expect_truncated_at_every_offset(
      h("0A 0000000E"
        "00 3FF0000000000000  01 01  02 0001 61  03 0001 61 05 0000 09  05  06  07 0001"
        "08 00000001 0001 61 05 0000 09  0A 00000001 05  0B 0000000000000000 0000"
        "0C 00000001 61  0D  0F 00000001 61  10 0001 43 0000 09"));
  expect_truncated_at_every_offset(h("11 0A 0B 01 03 61 04 01 01"));
}

TEST(Amf0, TruncatedCommandBody) {
  Bytes wire = ffmpeg_connect();
  for (std::size_t cut = 1; cut < wire.size(); ++cut) {
    auto v = decode_amf0_all(ByteView(wire).first(cut));
    // A cut between values leaves fewer values; any other cut is truncated.
    if (cut == 10 || cut == 19) {
      EXPECT_TRUE(v) << cut;
    } else {
      ASSERT_FALSE(v) << cut;
      EXPECT_EQ(v.error().code, errc::truncated);
    }
  }
}

Bytes repeat(const Bytes& unit, std::size_t n, const Bytes& tail) {
  Bytes out;
  out.reserve(unit.size() * n + tail.size());
  for (std::size_t i = 0; i < n; ++i) out.insert(out.end(), unit.begin(), unit.end());
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

TEST(Amf0, DeepNestingFailsWithoutBlowingTheStack) {
  for (const Bytes& unit :
       {h("0A 00000001"), h("03 0001 61"), h("08 00000001 0001 61"), h("10 0000 0001 61")}) {
    Bytes wire = repeat(unit, 10000, h("05"));
    auto v = decode_amf0_all(wire);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, errc::amf_depth_exceeded) << v.error().message();
  }
  // AMF0 containers, then AMF3 arrays after the switch: the depth carries across.
  Bytes mixed = cat({repeat(h("0A 00000001"), 40, h("11")), repeat(h("09 03 01"), 10000, h("01"))});
  auto v = decode_amf0_all(mixed);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, errc::amf_depth_exceeded) << v.error().message();
}

TEST(Amf0, DepthLimitIsExact) {
  Limits limits;
  limits.max_amf_depth = 4;
  Bytes ok = repeat(h("0A 00000001"), 4, h("05"));
  EXPECT_TRUE(decode_amf0_all(ok, limits));
  Bytes deep = repeat(h("0A 00000001"), 5, h("05"));
  auto v = decode_amf0_all(deep, limits);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, errc::amf_depth_exceeded);
  EXPECT_NE(v.error().detail.find("offset 20"), std::string::npos) << v.error().detail;
}

TEST(Amf0, HugeStrictArrayFailsFast) {
  auto start = std::chrono::steady_clock::now();
  auto v = decode_amf0_all(h("0A FFFFFFFF 05 05"));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, errc::amf_too_many_items);
  // Even with no item cap the bytes left bound it.
  Limits unlimited;
  unlimited.max_amf_items = 0xFFFFFFFF;
  auto w = decode_amf0_all(h("0A FFFFFFF0 05 05"), unlimited);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, errc::truncated);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST(Amf0, ItemCapCountsNestedValues) {
  Limits limits;
  limits.max_amf_items = 10;
  // 1 array + 9 nulls = 10 values: fine. One more fails, even when nested in objects.
  EXPECT_TRUE(decode_amf0_all(h("0A 00000009 050505050505050505"), limits));
  auto v = decode_amf0_all(h("0A 0000000A 05050505050505050505"), limits);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, errc::amf_too_many_items);
  auto w = decode_amf0_all(repeat(h("03 0001 61 05 0000 09"), 6, {}), limits);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, errc::amf_too_many_items);
}

TEST(Amf0, InvalidMarkers) {
  for (std::uint8_t m : {0x12, 0x20, 0xFF}) {
    auto v = decode_one(Bytes{m});
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, errc::amf_invalid_marker);
    EXPECT_NE(v.error().detail.find("offset 0"), std::string::npos) << v.error().detail;
  }
  auto end = decode_one(h("09"));
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().code, errc::amf_invalid_marker);
  // Inside an object, a named member cannot hold the object-end marker.
  auto named = decode_one(h("03 0001 61 09"));
  ASSERT_FALSE(named);
  EXPECT_EQ(named.error().code, errc::amf_invalid_marker);
  for (std::uint8_t m : {0x04, 0x0E}) {  // reserved movieclip, recordset
    auto v = decode_one(Bytes{m});
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, errc::unsupported);
  }
}

TEST(Amf0, ErrorDetailSaysWhere) {
  auto v = decode_amf0_all(cat({h("02 0001 61"), h("03 0001 62 02 0005 6162")}));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, errc::truncated);
  EXPECT_NE(v.error().detail.find("amf0 offset 8"), std::string::npos) << v.error().detail;
}

}  // namespace
}  // namespace rtmp::amf
