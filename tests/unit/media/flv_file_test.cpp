#include "rtmp/media/flv_file.hpp"

#include "media_test_util.hpp"

#include <gtest/gtest.h>

namespace rtmp {
namespace {

using test::bytes;

Bytes small_file() {
  Bytes f;
  FlvWriter::header(f, true, true);
  Message script = test::video(0, bytes({0x02, 0x00, 0x0A}));
  script.type = msg::data_amf0;
  EXPECT_TRUE(FlvWriter::tag(f, script));
  EXPECT_TRUE(FlvWriter::tag(f, test::video(0, bytes({0x17, 0x00, 0, 0, 0, 1, 2, 3}))));
  EXPECT_TRUE(FlvWriter::tag(f, test::audio(0x01020304, bytes({0xAF, 0x01, 0x21}))));
  EXPECT_TRUE(FlvWriter::tag(f, test::video(0x01020305, {})));  // empty tag
  return f;
}

std::vector<Message> read_all(const Bytes& file, std::size_t step, FlvReaderOptions o = {}) {
  FlvReader r(o);
  std::vector<Message> out;
  for (std::size_t pos = 0; pos < file.size(); pos += step) {
    auto e = r.feed(ByteView(file).subspan(pos, std::min(step, file.size() - pos)), out);
    EXPECT_TRUE(e) << e.error().message();
  }
  EXPECT_TRUE(r.finish());
  EXPECT_EQ(r.bytes_consumed(), file.size());
  return out;
}

TEST(FlvFile, WriterLayout) {
  Bytes f;
  FlvWriter::header(f, true, false);
  EXPECT_EQ(f, bytes({'F', 'L', 'V', 1, 0x04, 0, 0, 0, 9, 0, 0, 0, 0}));
  ASSERT_TRUE(FlvWriter::tag(f, test::audio(0x01020304, bytes({0xAF, 0x01}))));
  EXPECT_EQ(Bytes(f.begin() + 13, f.end()),
            bytes({0x08, 0, 0, 2, 0x02, 0x03, 0x04, 0x01, 0, 0, 0, 0xAF, 0x01, 0, 0, 0, 13}));
}

TEST(FlvFile, ReadsTagsWholeAndAtEverySplit) {
  const Bytes file = small_file();
  const auto whole = read_all(file, file.size());
  ASSERT_EQ(whole.size(), 4u);
  EXPECT_EQ(whole[0].type, msg::data_amf0);
  EXPECT_EQ(whole[0].csid, csid::data);
  EXPECT_EQ(whole[1].type, msg::video);
  EXPECT_EQ(whole[1].csid, csid::video);
  EXPECT_EQ(whole[1].stream_id, 1u);
  EXPECT_EQ(whole[2].timestamp, 0x01020304u);  // extended timestamp byte
  EXPECT_EQ(whole[2].csid, csid::audio);
  EXPECT_EQ(whole[3].size(), 0u);
  for (std::size_t step : {1, 2, 3, 7, 11, 13}) EXPECT_EQ(read_all(file, step), whole) << step;
  for (std::size_t cut = 1; cut < file.size(); ++cut) {
    FlvReader r;
    std::vector<Message> out;
    ASSERT_TRUE(r.feed(ByteView(file).first(cut), out));
    ASSERT_TRUE(r.feed(ByteView(file).subspan(cut), out));
    EXPECT_EQ(out, whole) << "split at " << cut;
  }
  FlvReader r;
  std::vector<Message> out;
  ASSERT_TRUE(r.feed(file, out));
  ASSERT_TRUE(r.header());
  EXPECT_TRUE(r.header()->has_audio);
  EXPECT_TRUE(r.header()->has_video);
  EXPECT_EQ(r.tags(), 4u);
}

TEST(FlvFile, RoundTripIsExact) {
  const Bytes file = small_file();
  Bytes again;
  FlvWriter::header(again, true, true);
  for (const Message& m : read_all(file, file.size())) ASSERT_TRUE(FlvWriter::tag(again, m));
  EXPECT_EQ(again, file);
}

TEST(FlvFile, FinishReportsTruncation) {
  const Bytes file = small_file();
  FlvReader r;
  std::vector<Message> out;
  ASSERT_TRUE(r.feed(ByteView(file).first(file.size() - 4), out));  // no final PreviousTagSize
  EXPECT_TRUE(r.finish());
  FlvReader r2;
  ASSERT_TRUE(r2.feed(ByteView(file).first(30), out));
  auto e = r2.finish();
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, errc::truncated);
  FlvReader r3;
  EXPECT_FALSE(r3.finish());
}

TEST(FlvFile, SkipsLongerHeader) {
  Bytes f = bytes({'F', 'L', 'V', 1, 0x05, 0, 0, 0, 12, 0xAA, 0xBB, 0xCC, 0, 0, 0, 0});
  ASSERT_TRUE(FlvWriter::tag(f, test::audio(1, bytes({0x2F, 0x00}))));
  const auto tags = read_all(f, 1);
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].timestamp, 1u);
}

TEST(FlvFile, Errors) {
  auto fails = [](Bytes f, errc code, FlvReaderOptions o = {}) {
    FlvReader r(o);
    std::vector<Message> out;
    auto e = r.feed(f, out);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, code) << e.error().detail;
    EXPECT_FALSE(r.feed(f, out));  // stays failed
  };
  const Bytes file = small_file();
  Bytes b = file;
  b[0] = 'G';
  fails(b, errc::malformed);
  b = file;
  b[8] = 8;  // DataOffset < 9
  fails(b, errc::malformed);
  b = file;
  b[13] = 0x07;  // TagType 7
  fails(b, errc::malformed);
  b = file;
  b[13] = 0x29;  // Filter bit: encrypted
  fails(b, errc::unsupported);
  b = file;
  b[13] = 0x52;  // reserved bits
  fails(b, errc::malformed);
  b = file;
  b[12] = 1;  // PreviousTagSize0 != 0
  fails(b, errc::malformed);
  FlvReaderOptions lax;
  lax.check_previous_tag_size = false;
  std::vector<Message> out;
  FlvReader r(lax);
  EXPECT_TRUE(r.feed(b, out));
  FlvReaderOptions tiny;
  tiny.limits.max_message_length = 4;
  fails(file, errc::message_too_large, tiny);
  Message huge = test::video(0, Bytes(0x1000000, 0));
  Bytes o;
  EXPECT_FALSE(FlvWriter::tag(o, huge));
  EXPECT_TRUE(o.empty());
}

}  // namespace
}  // namespace rtmp
