#include "relay/recorder_mp4.hpp"

#include "unit/relay/recorder_media.hpp"

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

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Top-level box types of a file, in order; "!" for a box running past the end.
std::string boxes(const std::string& s) {
  std::string out;
  for (std::size_t at = 0; at < s.size();) {
    if (at + 8 > s.size()) return out + "!";
    std::uint32_t size = 0;
    for (int i = 0; i < 4; ++i) size = size << 8 | static_cast<std::uint8_t>(s[at + i]);
    if (size < 8 || at + size > s.size()) return out + "!";
    out += (out.empty() ? "" : " ") + s.substr(at + 4, 4);
    at += size;
  }
  return out;
}

std::chrono::system_clock::time_point utc(std::time_t t) {
  return std::chrono::system_clock::from_time_t(t);
}

// RLIMIT_FSIZE while in scope, SIGXFSZ ignored (as rtmp-server does).
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
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

RecordOptions mp4(std::vector<RecordDone>* done) {
  RecordOptions o;
  o.format = RecordFormat::mp4;
  o.on_done = [done](const RecordDone& d) { done->push_back(d); };
  return o;
}

// 25 fps video with a keyframe every second and 43 AAC frames a second, for `ms`.
Result<void> publish(Recorder& r, std::uint32_t from, std::uint32_t ms) {
  const auto t0 = Clock::now();
  Result<void> res;
  for (std::uint32_t t = from; t < from + ms && res; t += 40) {
    res = r.write(avc_frame(t, t % 1000 == 0, 500), t0);
    for (std::uint32_t a = t; a < t + 40 && res; a += 23) res = r.write(aac_frame(a), t0);
  }
  return res;
}

TEST(Mp4Recorder, WritesInitThenWholeFragmentsFlushedAsTheyComplete) {
  auto dir = fresh_dir("mp4rec1");
  std::vector<RecordDone> done;
  auto r = Recorder::open(dir, "live", "cam", utc(1717755302), Clock::now(), mp4(&done));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  auto& rec = **r;
  EXPECT_EQ(rec.path(), dir / "live" / "cam-20240607T101502Z.mp4");
  ASSERT_TRUE(rec.write(avc_config_720p(), Clock::now()).has_value());
  ASSERT_TRUE(rec.write(aac_config(), Clock::now()).has_value());
  ASSERT_TRUE(publish(rec, 0, 2500).has_value());
  // Two GOPs complete: on disk already, before any close (what a crash would leave).
  EXPECT_EQ(boxes(slurp(rec.path())), "ftyp moov moof mdat moof mdat");
  EXPECT_EQ(rec.bytes(), fs::file_size(rec.path()));
  ASSERT_TRUE(rec.close().has_value());
  EXPECT_EQ(boxes(slurp(rec.path())), "ftyp moov moof mdat moof mdat moof mdat");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].path, rec.path());
  EXPECT_TRUE(done[0].error.empty());
  EXPECT_EQ(done[0].bytes, fs::file_size(rec.path()));
  EXPECT_EQ(done[0].frames, rec.tags());
  EXPECT_EQ(done[0].frames, 63u + 126u);
  EXPECT_GE(done[0].duration_ms, 2480u);
}

TEST(Mp4Recorder, SplitsBySecondsAtKeyframesWithAnInitInEveryFile) {
  auto dir = fresh_dir("mp4rec2");
  std::vector<RecordDone> done;
  auto o = mp4(&done);
  o.split_seconds = 2s;
  auto r = Recorder::open(dir, "live", "k", utc(1000), Clock::now(), std::move(o));
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE((*r)->write(avc_config_720p(), Clock::now()).has_value());
  ASSERT_TRUE((*r)->write(aac_config(), Clock::now()).has_value());
  ASSERT_TRUE(publish(**r, 0, 5000).has_value());
  ASSERT_TRUE((*r)->close().has_value());
  // 0-2 s, 2-4 s, 4-5 s; each named by the UTC time of its first frame.
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0].path.filename(), "k-19700101T001640Z.mp4");
  EXPECT_EQ(done[1].path.filename(), "k-19700101T001642Z.mp4");
  EXPECT_EQ(done[2].path.filename(), "k-19700101T001644Z.mp4");
  std::uint64_t frames = 0;
  for (const auto& d : done) {
    EXPECT_EQ(boxes(slurp(d.path)).substr(0, 19), "ftyp moov moof mdat");
    frames += d.frames;
  }
  EXPECT_EQ(frames, 125u + 250u);  // every frame, in exactly one file
}

TEST(Mp4Recorder, SplitsByBytes) {
  auto dir = fresh_dir("mp4rec3");
  std::vector<RecordDone> done;
  auto o = mp4(&done);
  o.split_bytes = 20'000;  // about one GOP (25 x 500 bytes + audio)
  auto r = Recorder::open(dir, "live", "k", utc(0), Clock::now(), std::move(o));
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE((*r)->write(avc_config_720p(), Clock::now()).has_value());
  ASSERT_TRUE(publish(**r, 0, 4000).has_value());
  ASSERT_TRUE((*r)->close().has_value());
  ASSERT_GE(done.size(), 2u);
  for (const auto& d : done) {
    EXPECT_EQ(boxes(slurp(d.path)).substr(0, 19), "ftyp moov moof mdat");
    EXPECT_LT(d.bytes, 20'000u + 20'000u);
  }
}

TEST(Mp4Recorder, WriteFailureCutsTheFileToItsWholeFragmentsAndReportsOnce) {
  auto dir = fresh_dir("mp4rec4");
  std::vector<RecordDone> done;
  auto r = Recorder::open(dir, "live", "k", utc(0), Clock::now(), mp4(&done));
  ASSERT_TRUE(r.has_value());
  auto& rec = **r;
  Result<void> result;
  {
    FileSizeLimit limit(40'000);  // about two and a half GOPs
    ASSERT_TRUE(rec.write(avc_config_720p(), Clock::now()).has_value());
    ASSERT_TRUE(rec.write(aac_config(), Clock::now()).has_value());
    result = publish(rec, 0, 10'000);
  }
  ASSERT_FALSE(result.has_value());
  const std::string text = result.error().message();
  EXPECT_NE(text.find(rec.path().string()), std::string::npos) << text;
  EXPECT_NE(text.find(std::strerror(EFBIG)), std::string::npos) << text;
  EXPECT_EQ(boxes(slurp(rec.path())), "ftyp moov moof mdat moof mdat");
  EXPECT_EQ(fs::file_size(rec.path()), rec.bytes());
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].error, text);
  // Stopped: later writes and the close change nothing and report nothing more.
  EXPECT_TRUE(publish(rec, 10'000, 2000).has_value());
  EXPECT_TRUE(rec.close().has_value());
  EXPECT_EQ(boxes(slurp(rec.path())), "ftyp moov moof mdat moof mdat");
  EXPECT_EQ(done.size(), 1u);
}

TEST(Mp4Recorder, UnwritableDirectoryFailsTheOpenAndReportsIt) {
  std::vector<RecordDone> done;
  auto r = Recorder::open("/proc/version/nope", "live", "k", utc(0), Clock::now(), mp4(&done));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::io_error);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].error, r.error().message());
  EXPECT_EQ(done[0].key, "k");
}

TEST(Mp4Recorder, APublishWithoutMediaLeavesNoFile) {
  auto dir = fresh_dir("mp4rec5");
  std::vector<RecordDone> done;
  auto r = Recorder::open(dir, "live", "k", utc(0), Clock::now(), mp4(&done));
  ASSERT_TRUE(r.has_value());
  const auto path = (*r)->path();
  EXPECT_TRUE(fs::exists(path));
  ASSERT_TRUE((*r)->close().has_value());
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(done.empty());
}

}  // namespace
}  // namespace rtmp::relay
