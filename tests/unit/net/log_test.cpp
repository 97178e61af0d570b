#include "net/log.hpp"

#include "rtmp/client.hpp"
#include "rtmp/server.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

namespace rtmp {
namespace {

struct Lines {
  std::mutex mutex;
  std::vector<std::pair<LogLevel, std::string>> lines;
  std::vector<std::pair<LogLevel, std::string>> snapshot() {
    std::lock_guard lock(mutex);
    return lines;
  }
  bool has(LogLevel level, const std::string& part) {
    for (auto& [l, text] : snapshot())
      if (l == level && text.find(part) != std::string::npos) return true;
    return false;
  }
};

// Restores the default sink however the test ends.
struct SinkScope {
  explicit SinkScope(Lines& lines, LogLevel min) {
    set_log_sink(
        [&lines](LogLevel level, std::string_view line) {
          std::lock_guard lock(lines.mutex);
          lines.lines.emplace_back(level, std::string(line));
        },
        min);
  }
  ~SinkScope() { set_log_sink(nullptr); }
};

TEST(Log, LevelNames) {
  EXPECT_STREQ(to_string(LogLevel::debug), "debug");
  EXPECT_STREQ(to_string(LogLevel::warn), "warn");
  EXPECT_STREQ(to_string(LogLevel::off), "off");
}

TEST(Log, SinkGetsLinesAtOrAboveItsLevel) {
  Lines lines;
  {
    SinkScope scope(lines, LogLevel::info);
    EXPECT_FALSE(logging::enabled(LogLevel::debug));
    EXPECT_TRUE(logging::enabled(LogLevel::warn));
    logging::debug("not this {}", 1);
    logging::warn("this {} and {}", 2, "that");
  }
  logging::warn("after the sink was reset");
  auto got = lines.snapshot();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, LogLevel::warn);
  EXPECT_EQ(got[0].second, "this 2 and that");
}

TEST(Log, ThrowingSinkIsSwallowed) {
  set_log_sink([](LogLevel, std::string_view) { throw std::runtime_error("sink"); },
               LogLevel::trace);
  EXPECT_NO_THROW(logging::error("x"));
  set_log_sink(nullptr);
}

struct Quiet : Handler {};

// The server's session lines reach the application's sink, not spdlog.
TEST(Log, ServerSessionsLogThroughTheSink) {
  Lines lines;
  SinkScope scope(lines, LogLevel::info);
  ServerOptions o;
  o.port = 0;
  o.bind = "127.0.0.1";
  o.threads = 1;
  o.handler = [](const std::any&) { return std::make_unique<Quiet>(); };
  auto server = Server::start(std::move(o));
  ASSERT_TRUE(server);
  {
    BlockingClient c;
    ASSERT_TRUE(c.connect("rtmp://127.0.0.1:" + std::to_string((*server)->port()) + "/app/k"));
    ASSERT_TRUE(c.publish());
    c.close();
  }
  (*server)->stop();
  EXPECT_TRUE(lines.has(LogLevel::info, "connect app=app"));
  EXPECT_TRUE(lines.has(LogLevel::info, "publish key=k"));
  EXPECT_TRUE(lines.has(LogLevel::info, "rtmp client 127.0.0.1:"));
}

}  // namespace
}  // namespace rtmp
