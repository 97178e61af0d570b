#include "relay/http_api_auth.hpp"

#include <gtest/gtest.h>

namespace rtmp::relay {
namespace {

TEST(HttpApiAuth, BearerOrCookie) {
  EXPECT_EQ(check_api_token("", "", ""), ApiAuth::open);
  EXPECT_EQ(check_api_token("", "Bearer x", ""), ApiAuth::open);
  EXPECT_EQ(check_api_token("s3cret", "", ""), ApiAuth::missing);
  EXPECT_EQ(check_api_token("s3cret", "Bearer s3cret", ""), ApiAuth::granted);
  EXPECT_EQ(check_api_token("s3cret", "Bearer s3cre", ""), ApiAuth::wrong);
  EXPECT_EQ(check_api_token("s3cret", "Basic s3cret", ""), ApiAuth::missing);
  EXPECT_EQ(check_api_token("s3cret", "", "a=1; rtmp_api_token=s3cret"), ApiAuth::granted);
  EXPECT_EQ(check_api_token("s3cret", "", "rtmp_api_token=nope"), ApiAuth::wrong);
  EXPECT_EQ(check_api_token("s3cret", "Bearer nope", "rtmp_api_token=s3cret"), ApiAuth::granted);
}

TEST(HttpApiAuth, CookieRoundTripsAnyToken) {
  const std::string token = "a b;c=d%";
  const std::string set = token_cookie(token);
  EXPECT_TRUE(set.find("HttpOnly") != std::string::npos);
  EXPECT_TRUE(set.find("SameSite=Strict") != std::string::npos);
  const std::string pair = set.substr(0, set.find(';'));
  EXPECT_EQ(pair.find(' '), std::string::npos);
  EXPECT_EQ(check_api_token(token, "", pair), ApiAuth::granted);
  EXPECT_EQ(cookie_value("x=1;  y=2", "y"), "2");
  EXPECT_EQ(cookie_value("x=1", "y"), "");
}

TEST(HttpApiAuth, SameSecret) {
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("abc", "ab"));
  EXPECT_TRUE(same_secret("", ""));
}

}  // namespace
}  // namespace rtmp::relay
