#include "relay/http_flv.hpp"

#include "relay/flv_tags.hpp"
#include "unit/relay/fake_session.hpp"
#include "unit/relay/media_builder.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace rtmp::relay {
namespace {

using namespace test;

class HttpFlvTest : public ::testing::Test {
 protected:
  void SetUp() override { spdlog::set_level(spdlog::level::off); }

  // Joins a fresh FlvPlayer to live/k; counts its wake calls.
  std::shared_ptr<FlvPlayer> play(Relay& relay) {
    auto p = std::make_shared<FlvPlayer>("http-flv://test", [this](bool abort) {
      ++wakes_;
      if (abort) ++aborts_;
    });
    PlayInfo info;
    info.stream_id = 1;
    info.name = "k";
    auto j = relay.play(p, "live", info, t0_, &FlvPlayer::caps());
    EXPECT_TRUE(j.decision.accepted);
    stream_ = j.stream;
    return p;
  }
  // The FLV bytes of a batch, as the writer gathers them.
  static Bytes bytes(const FlvPlayer::Batch& b) {
    std::vector<boost::asio::const_buffer> bufs;
    flv_buffers(b.items, bufs);
    Bytes out;
    for (auto& x : bufs) {
      auto p = static_cast<const std::uint8_t*>(x.data());
      out.insert(out.end(), p, p + x.size());
    }
    return out;
  }
  static Bytes tag(const Message& m) {
    Bytes out;
    auto h = flv_tag_header(m.type, m.size(), m.timestamp);
    out.insert(out.end(), h.begin(), h.end());
    out.insert(out.end(), m.payload->begin(), m.payload->end());
    auto t = flv_previous_tag_size(m.size());
    out.insert(out.end(), t.begin(), t.end());
    return out;
  }

  TimePoint t0_ = Clock::now();
  int wakes_ = 0, aborts_ = 0;
  std::shared_ptr<Stream> stream_;
};

TEST_F(HttpFlvTest, JoinerGetsSequenceHeadersAndGopAsFlvTags) {
  Relay relay({});
  auto pub = std::make_shared<FakeSession>(1);
  auto live = relay.publish(pub, "live", {1, "k", "live"}, t0_, std::chrono::system_clock::now());
  ASSERT_TRUE(live.decision.accepted);
  const Message msgs[] = {avc_config(), aac_config(), avc_frame(0, true), aac_frame(10),
                          avc_frame(33, false)};
  for (const auto& m : msgs) live.stream->on_message(1, m, t0_);

  auto p = play(relay);
  auto b = p->take();
  EXPECT_FALSE(b.ended);
  Bytes want;
  for (const auto& m : msgs) {
    auto t = tag(m);
    want.insert(want.end(), t.begin(), t.end());
  }
  EXPECT_EQ(bytes(b), want);
  // No per-player copy: the tag payload is the publisher's buffer.
  ASSERT_EQ(b.items.size(), 5u);
  EXPECT_EQ(b.items[2].payload, msgs[2].payload);
  EXPECT_EQ(p->pending_output(), b.wire);
  p->written(b.wire);
  EXPECT_EQ(p->pending_output(), 0u);

  // Empty now: the writer waits, and the next live message wakes it once.
  EXPECT_TRUE(p->take().items.empty());
  const int before = wakes_;
  live.stream->on_message(1, avc_frame(66, false), t0_);
  live.stream->on_message(1, avc_frame(99, false), t0_);
  EXPECT_EQ(wakes_, before + 1);
  EXPECT_EQ(p->take().items.size(), 2u);
}

TEST_F(HttpFlvTest, UnpublishEndsTheResponseAfterWhatWasQueued) {
  Relay relay({});
  auto pub = std::make_shared<FakeSession>(1);
  auto live = relay.publish(pub, "live", {1, "k", "live"}, t0_, std::chrono::system_clock::now());
  auto p = play(relay);
  live.stream->on_message(1, avc_frame(0, true), t0_);
  relay.unpublish(live.stream, 1, t0_, "gone");
  auto b = p->take();
  EXPECT_TRUE(b.ended);
  EXPECT_EQ(b.items.size(), 1u);
  EXPECT_NE(p->end_reason().find("UnpublishNotify"), std::string::npos);
}

TEST_F(HttpFlvTest, AbortDropsTheQueueAndWakesTheWriter) {
  Relay relay({});
  auto pub = std::make_shared<FakeSession>(1);
  auto live = relay.publish(pub, "live", {1, "k", "live"}, t0_, std::chrono::system_clock::now());
  auto p = play(relay);
  live.stream->on_message(1, avc_frame(0, true, 5000), t0_);
  EXPECT_GT(p->pending_output(), 5000u);
  p->abort(Error(errc::timeout, "too slow"));
  EXPECT_EQ(aborts_, 1);
  EXPECT_EQ(p->pending_output(), 0u);
  auto b = p->take();
  EXPECT_TRUE(b.aborted);
  EXPECT_TRUE(b.items.empty());
  EXPECT_EQ(p->end_reason(), Error(errc::timeout, "too slow").message());
}

TEST_F(HttpFlvTest, OnlyMediaAndDataBecomeTags) {
  FlvPlayer p("x", [](bool) {});
  Message control;
  control.type = msg::user_control;
  control.payload = make_shared_bytes({0, 0, 0, 0, 0, 1});
  p.send_encoded(control.payload, control);
  Message data = media(msg::data_amf0, 5, {2, 0, 1, 'x'});
  p.send_encoded(data.payload, data);
  auto b = p.take();
  ASSERT_EQ(b.items.size(), 1u);
  EXPECT_EQ(b.items[0].head[0], msg::data_amf0);
}

}  // namespace
}  // namespace rtmp::relay
