#include "relay/recorder.hpp"

#include "rtmp/media/flv_file.hpp"
#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/resource.h>

namespace rtmp::relay {
namespace {

namespace fs = std::filesystem;
using namespace test;
using namespace std::chrono_literals;

fs::path fresh_dir(const char* name) {
  fs::path d = fs::path(::testing::TempDir()) / name;
  fs::remove_all(d);
  return d;
}

std::vector<Message> read_back(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  FlvReader r;
  std::vector<Message> out;
  EXPECT_TRUE(r.feed(as_view(s), out).has_value());
  EXPECT_TRUE(r.finish().has_value());
  return out;
}

std::chrono::system_clock::time_point utc(std::time_t t) {
  return std::chrono::system_clock::from_time_t(t);
}

TEST(Recorder, FileNameIsKeyAndUtcStart) {
  EXPECT_EQ(Recorder::file_name("key", utc(1717755302)), "key-20240607T101502Z.flv");
  EXPECT_EQ(Recorder::sanitize("../etc/passwd"), "_.._etc_passwd");
  EXPECT_EQ(Recorder::sanitize(".."), "_..");
  EXPECT_EQ(Recorder::sanitize(""), "_");
  EXPECT_EQ(Recorder::sanitize("Live_1.a-b"), "Live_1.a-b");
}

TEST(Recorder, WritesEveryMessageAsAnFlvTag) {
  auto dir = fresh_dir("rec1");
  auto t0 = Clock::now();
  auto r = Recorder::open(dir, "live", "cam", utc(1717755302), t0, 1000ms);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  auto& rec = **r;
  EXPECT_EQ(rec.path(), dir / "live" / "cam-20240607T101502Z.flv");
  std::vector<Message> msgs = {make_data(0, {amf::Value("onMetaData"), metadata()}),
                               avc_config(),
                               aac_config(),
                               avc_frame(0, true),
                               aac_frame(21),
                               avc_frame(0x1000010, false)};
  for (auto& m : msgs) ASSERT_TRUE(rec.write(m, t0).has_value());
  ASSERT_TRUE(rec.close().has_value());
  auto back = read_back(rec.path());
  ASSERT_EQ(back.size(), msgs.size());
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    EXPECT_EQ(back[i].type, msgs[i].type);
    EXPECT_EQ(back[i].timestamp, msgs[i].timestamp);  // incl. TimestampExtended
    EXPECT_TRUE(std::equal(back[i].data().begin(), back[i].data().end(), msgs[i].data().begin(),
                           msgs[i].data().end()));
  }
  EXPECT_EQ(rec.tags(), msgs.size());
  EXPECT_EQ(rec.bytes(), fs::file_size(rec.path()));
}

TEST(Recorder, FlushedWithinTheIntervalSoACrashLosesAtMostThat) {
  auto dir = fresh_dir("rec2");
  auto t0 = Clock::now();
  auto r = Recorder::open(dir, "live", "k", utc(0), t0, 1000ms);
  ASSERT_TRUE(r.has_value());
  auto& rec = **r;
  ASSERT_TRUE(rec.write(avc_frame(0, true), t0 + 100ms).has_value());
  // Still in the stdio buffer (the header was not flushed either).
  EXPECT_LT(fs::file_size(rec.path()), rec.bytes());
  ASSERT_TRUE(rec.tick(t0 + 1001ms).has_value());
  EXPECT_EQ(fs::file_size(rec.path()), rec.bytes());
  ASSERT_TRUE(rec.write(avc_frame(40, false), t0 + 1100ms).has_value());
  ASSERT_TRUE(rec.write(avc_frame(80, false), t0 + 2002ms).has_value());  // flushes itself
  EXPECT_EQ(fs::file_size(rec.path()), rec.bytes());
  EXPECT_EQ(read_back(rec.path()).size(), 3u);
}

TEST(Recorder, NeverOverwritesAndCannotEscapeTheDirectory) {
  auto dir = fresh_dir("rec3");
  auto t0 = Clock::now();
  auto a = Recorder::open(dir, "../up", "k/../../x", utc(0), t0, 1000ms);
  auto b = Recorder::open(dir, "../up", "k/../../x", utc(0), t0, 1000ms);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE((*a)->path(), (*b)->path());
  EXPECT_EQ((*a)->path().parent_path(), dir / "_.._up");
  EXPECT_EQ((*b)->path().filename(), "k_.._.._x-19700101T000000Z-1.flv");
}

// RLIMIT_FSIZE for this process while in scope, SIGXFSZ ignored (as rtmp-server does): a
// write past the limit is cut short, then fails with EFBIG.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit l = saved_;
    l.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &l);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

TEST(Recorder, WriteFailureCutsTheFileToItsWholeTags) {
  auto dir = fresh_dir("rec4");
  auto t0 = Clock::now();
  // Each frame is a 15-byte tag header + 3000 bytes: after the 13-byte file header, three
  // fit in 10000 bytes and the fourth is cut by the limit at 10000.
  constexpr std::size_t tag = 11 + 3000 + 4;
  for (auto interval : {0ms, 1000ms}) {
    SCOPED_TRACE(interval.count());
    fs::remove_all(dir);
    auto r = Recorder::open(dir, "live", "k", utc(0), t0, interval);
    ASSERT_TRUE(r.has_value());
    auto& rec = **r;
    Result<void> result;
    {
      FileSizeLimit limit(10000);
      for (std::uint32_t i = 0; i < 100 && result; ++i)
        result = rec.write(avc_frame(i * 40, i == 0, 3000 - 9), t0 + i * 10ms);
      if (result) result = rec.close();  // interval 1000 ms: stdio's buffer fails here
    }
    ASSERT_FALSE(result.has_value());
    const std::string text = result.error().message();
    EXPECT_NE(text.find(rec.path().string()), std::string::npos) << text;
    EXPECT_NE(text.find(std::strerror(EFBIG)), std::string::npos) << text;
    EXPECT_NE(text.find("file cut to " + std::to_string(13 + 3 * tag) + " bytes (3 whole tags)"),
              std::string::npos)
        << text;
    EXPECT_EQ(fs::file_size(rec.path()), 13 + 3 * tag);
    EXPECT_EQ(read_back(rec.path()).size(), 3u);
    EXPECT_EQ(rec.tags(), 3u);
    EXPECT_EQ(rec.bytes(), 13 + 3 * tag);
    // Stopped: later writes and the close are no-ops, the file stays as cut.
    EXPECT_TRUE(rec.write(avc_frame(9000, true, 10), t0 + 5s).has_value());
    EXPECT_TRUE(rec.close().has_value());
    EXPECT_EQ(fs::file_size(rec.path()), 13 + 3 * tag);
  }
}

TEST(Recorder, UnwritableDirectoryIsAnError) {
  auto r = Recorder::open("/proc/version/nope", "live", "k", utc(0), Clock::now(), 1000ms);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::io_error);
}

}  // namespace
}  // namespace rtmp::relay
