#include "relay/static_files.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>

namespace rtmp::relay {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("static_files_test." + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& body) const {
    std::ofstream(path / name, std::ios::binary) << body;
  }
};

TEST(StaticFilesTest, LoadsServableFilesOnly) {
  TempDir d;
  d.write("player.html", "<html></html>");
  d.write("hls.min.js", "var x;");
  d.write(".hidden", "secret");
  d.write("odd name.js", "no");
  fs::create_directories(d.path / "sub");
  d.write("sub/inner.js", "no");
  auto files = StaticFiles::load(d.path);
  ASSERT_TRUE(files) << files.error().message();
  EXPECT_EQ((*files)->size(), 2u);
  const auto* page = (*files)->find("player.html");
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(*page->body, "<html></html>");
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  ASSERT_NE((*files)->find("hls.min.js"), nullptr);
  EXPECT_EQ((*files)->find("hls.min.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ((*files)->find(".hidden"), nullptr);
  EXPECT_EQ((*files)->find("odd name.js"), nullptr);
  EXPECT_EQ((*files)->find("sub"), nullptr);
  EXPECT_EQ((*files)->find("../player.html"), nullptr);
}

TEST(StaticFilesTest, MissingDirectoryIsAnError) {
  auto files = StaticFiles::load("/nonexistent/rtmpcxx/www");
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().code, errc::io_error);
}

TEST(StaticFilesTest, ExplicitDirectoryWinsOverDiscovery) {
  TempDir d;
  d.write("player.html", "page");
  auto files = StaticFiles::load_player(d.path.string(), "/nonexistent/bin/rtmp-server");
  ASSERT_TRUE(files) << files.error().message();
  EXPECT_EQ((*files)->dir(), d.path);
}

TEST(StaticFilesTest, NamesAndTypes) {
  EXPECT_TRUE(StaticFiles::servable_name("mpegts.js"));
  EXPECT_FALSE(StaticFiles::servable_name(""));
  EXPECT_FALSE(StaticFiles::servable_name(".."));
  EXPECT_FALSE(StaticFiles::servable_name("a/b"));
  EXPECT_EQ(StaticFiles::content_type("x.bin"), "application/octet-stream");
  EXPECT_EQ(StaticFiles::content_type("x.css"), "text/css; charset=utf-8");
}

}  // namespace
}  // namespace rtmp::relay
