#include "relay/key_file.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace rtmp::relay {
namespace {

TEST(KeyFile, AnyAppOrScopedKeysCommentsAndSpaces) {
  auto k = KeyFile::parse("# allowed\n  secret1  \n\nlive/secret2\r\n#secret3\n");
  EXPECT_EQ(k.size(), 2u);
  EXPECT_TRUE(k.allows("live", "secret1"));
  EXPECT_TRUE(k.allows("other", "secret1"));
  EXPECT_TRUE(k.allows("live", "secret2"));
  EXPECT_FALSE(k.allows("other", "secret2"));
  EXPECT_FALSE(k.allows("live", "secret3"));
  EXPECT_FALSE(k.allows("live", ""));
}

TEST(KeyFile, QueryStringIsIgnored) {
  auto k = KeyFile::parse("secret1\n");
  EXPECT_TRUE(k.allows("live", "secret1?token=abc"));
  EXPECT_FALSE(k.allows("live", "secret1x?token=abc"));
  EXPECT_FALSE(k.allows("live", "?secret1"));
}

TEST(KeyFile, LoadFromFileAndMissingFile) {
  std::string path = ::testing::TempDir() + "relay_keys.txt";
  { std::ofstream(path) << "a\nb\n"; }
  auto k = KeyFile::load(path);
  ASSERT_TRUE(k.has_value());
  EXPECT_TRUE(k->allows("x", "b"));
  std::remove(path.c_str());
  auto missing = KeyFile::load(path);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, errc::io_error);
}

}  // namespace
}  // namespace rtmp::relay
