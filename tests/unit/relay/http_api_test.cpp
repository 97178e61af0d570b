#include "relay/http_api.hpp"

#include "unit/relay/fake_session.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace rtmp::relay {
namespace {

// api_reply without sockets: a Relay with fake sessions and the HTTP server's context.
class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override { spdlog::set_level(spdlog::level::off); }

  std::unique_ptr<HttpContext> context(std::string token) {
    HttpOptions o;
    o.api_token = std::move(token);
    return std::make_unique<HttpContext>(o, relay_, nullptr);
  }
  HttpReply ask(HttpContext& ctx, std::string_view method, std::string_view target,
                std::string_view authorization = {}, std::string_view cookie = {},
                std::string_view body = {}) {
    return api_reply(ctx, {method, target, authorization, cookie, body, "test"});
  }
  std::shared_ptr<test::FakeSession> publish(std::string key) {
    auto s = std::make_shared<test::FakeSession>(next_id_++);
    PublishInfo info{1, std::move(key), "live"};
    EXPECT_TRUE(relay_.publish(s, "live", info, Clock::now(), {}).decision.accepted);
    return s;
  }

  Relay relay_{{}};
  std::uint64_t next_id_ = 1;
};

TEST_F(HttpApiTest, WithoutTokenReadsAnswerAndKicksAre403) {
  auto ctx = context("");
  auto pub = publish("k");
  auto r = ask(*ctx, "GET", "/api/streams");
  ASSERT_EQ(r.status, 200u);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j.at("kick"), false);
  EXPECT_EQ(j.at("streams").at(0).at("clients").at(0).at("role"), "publisher");
  EXPECT_EQ(j.at("streams").at(0).at("clients").at(0).at("id"), "1");  // a string
  EXPECT_EQ(j.at("streams").at(0).at("preview").at("flv"), "/live/k.flv");
  r = ask(*ctx, "GET", "/stat");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/xml; charset=utf-8");
  EXPECT_NE(r.body.find("<name>k</name>"), std::string::npos);
  EXPECT_EQ(ask(*ctx, "POST", "/api/streams/live/k/kick").status, 403u);
  EXPECT_FALSE(pub->aborted);
  EXPECT_EQ(ask(*ctx, "POST", "/api/streams").status, 405u);
  EXPECT_EQ(ask(*ctx, "GET", "/api/streams/live/k/kick").status, 405u);
  EXPECT_EQ(ask(*ctx, "GET", "/api/nothing").status, 404u);
}

TEST_F(HttpApiTest, TokenGatesEveryRoute) {
  auto ctx = context("tok");
  for (const char* path : {"/api/streams", "/stat", "/metrics"}) {
    EXPECT_EQ(ask(*ctx, "GET", path).status, 401u) << path;
    EXPECT_EQ(ask(*ctx, "GET", path, "Bearer nope").status, 401u) << path;
    EXPECT_EQ(ask(*ctx, "GET", path, "Bearer tok").status, 200u) << path;
  }
  auto r = ask(*ctx, "GET", "/");
  EXPECT_EQ(r.status, 401u);
  EXPECT_NE(r.body.find("<form"), std::string::npos);
  // No www files: the dashboard itself is not found once signed in.
  EXPECT_EQ(ask(*ctx, "GET", "/", "Bearer tok").status, 404u);
}

TEST_F(HttpApiTest, LoginSetsTheCookieThatOpensTheApi) {
  auto ctx = context("tok");
  auto r = ask(*ctx, "POST", "/api/login", {}, {}, "token=wrong");
  EXPECT_EQ(r.status, 401u);
  r = ask(*ctx, "POST", "/api/login", {}, {}, "token=tok");
  ASSERT_EQ(r.status, 303u);
  EXPECT_EQ(r.location, "/");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Set-Cookie");
  const std::string cookie = r.headers[0].second.substr(0, r.headers[0].second.find(';'));
  EXPECT_EQ(ask(*ctx, "GET", "/api/streams", {}, cookie).status, 200u);
  EXPECT_EQ(ask(*ctx, "GET", "/api/login").status, 405u);
}

TEST_F(HttpApiTest, KicksByStreamAndById) {
  auto ctx = context("tok");
  auto a = publish("a");
  auto b = publish("b");
  EXPECT_EQ(ask(*ctx, "POST", "/api/streams/live/a/kick").status, 401u);
  EXPECT_EQ(ask(*ctx, "POST", "/api/streams/live/none/kick", "Bearer tok").status, 404u);
  EXPECT_EQ(ask(*ctx, "POST", "/api/clients/99/kick", "Bearer tok").status, 404u);
  EXPECT_EQ(ask(*ctx, "POST", "/api/clients/x1/kick", "Bearer tok").status, 400u);
  EXPECT_EQ(ask(*ctx, "POST", "/api/streams/live/a/kick", "Bearer tok").status, 200u);
  EXPECT_TRUE(a->aborted);
  EXPECT_FALSE(b->aborted);
  EXPECT_EQ(ask(*ctx, "POST", "/api/clients/2/kick", "Bearer tok").status, 200u);
  EXPECT_TRUE(b->aborted);
}

}  // namespace
}  // namespace rtmp::relay
