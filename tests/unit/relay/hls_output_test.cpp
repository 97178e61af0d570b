#include "relay/hls_output.hpp"

#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/muxer.hpp"
#include "unit/relay/fake_session.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

namespace rtmp::relay {
namespace {

// The ffmpeg-made fixture (2 s of 160x120 30 fps H.264 with B-frames, keyframes every
// second, and AAC), as RTMP messages rebuilt by rtmp::Muxer from its demuxed events, with
// `shift` ms added to every timestamp.
std::vector<Message> fixture_messages(std::uint32_t shift = 0) {
  const auto path = std::filesystem::path(RTMP_TEST_DATA_DIR) / "media" / "h264_aac.flv";
  std::ifstream f(path, std::ios::binary);
  const Bytes file((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(file.empty()) << path;
  FlvReader reader;
  std::vector<Message> tags;
  EXPECT_TRUE(reader.feed(file, tags));
  Demuxer demux;
  std::vector<Message> out;
  std::vector<MediaEvent> events;
  for (const auto& m : tags) {
    events.clear();
    EXPECT_TRUE(demux.push(m, events));
    for (auto& e : events) {
      std::visit(
          [&](auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, VideoSample>) {
              x.dts += shift;
              x.pts += shift;
            } else if constexpr (std::is_same_v<T, AudioSample> || std::is_same_v<T, Codec>) {
              x.timestamp += shift;
            }
          },
          e);
      if (const auto* c = std::get_if<Codec>(&e); c && !Muxer::has_wire_form(*c)) continue;
      out.push_back(Muxer::mux(e));
    }
  }
  return out;
}

class HlsOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::off);
    opts_.target_ms = 1000;
  }
  std::shared_ptr<HlsOutput> output() {
    stream_ = std::make_shared<HlsStream>(opts_);
    return std::make_shared<HlsOutput>("live", "k", stream_);
  }
  static void feed(Session& s, const std::vector<Message>& msgs) {
    for (const auto& m : msgs) s.send_encoded(nullptr, m);
  }
  std::string playlist(std::string_view query = "") {
    auto a = stream_->get("index.m3u8", query);
    EXPECT_EQ(a.kind, HlsStream::Answer::Kind::ok);
    return a.text ? *a.text : std::string();
  }

  hls::Options opts_;
  std::shared_ptr<HlsStream> stream_;
};

TEST_F(HlsOutputTest, FramesBecomeSegmentsPartsAndAPlaylist) {
  auto out = output();
  int wakes = 0;
  stream_->subscribe([&] { ++wakes; });
  // Nothing yet: a playlist request waits for the first part.
  EXPECT_EQ(stream_->get("index.m3u8", "").kind, HlsStream::Answer::Kind::wait);
  feed(*out, fixture_messages());
  EXPECT_GT(wakes, 10);  // once per part at least
  const std::string pl = playlist();
  EXPECT_NE(pl.find("#EXTINF:1.000,\nseg0.m4s"), std::string::npos) << pl;
  // The file ends with an AVC end of sequence, which completes segment 1.
  EXPECT_NE(pl.find("seg1.m4s\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part2.0.m4s\""),
            std::string::npos)
      << pl;
  EXPECT_EQ(stream_->get("part2.0.m4s", "").kind, HlsStream::Answer::Kind::wait);

  auto seg = stream_->get("seg0.m4s", "");
  ASSERT_EQ(seg.status(), 200);
  EXPECT_EQ(seg.content_type, "video/mp4");
  EXPECT_EQ(seg.cache_control, "max-age=86400, immutable");
  Bytes parts;
  for (std::size_t i = 0;; ++i) {
    auto p = stream_->get("part0." + std::to_string(i) + ".m4s", "");
    if (p.kind != HlsStream::Answer::Kind::ok) break;
    for (const auto& b : p.body) parts.insert(parts.end(), b->begin(), b->end());
  }
  Bytes whole;
  for (const auto& b : seg.body) whole.insert(whole.end(), b->begin(), b->end());
  EXPECT_EQ(parts, whole);
  EXPECT_EQ(stream_->get("init.mp4", "").status(), 200);
  EXPECT_EQ(stream_->get("seg9.m4s", "").status(), 404);
  EXPECT_EQ(stream_->get("index.m3u8", "_HLS_part=1").status(), 400);
  EXPECT_EQ(stream_->get("index.m3u8", "_HLS_msn=9").status(), 400);
  EXPECT_EQ(stream_->get("index.m3u8", "_HLS_msn=2").kind, HlsStream::Answer::Kind::wait);
  EXPECT_EQ(stream_->get("index.m3u8", "_HLS_msn=0").cache_control, "max-age=1");
}

TEST_F(HlsOutputTest, UnpublishEndsAndRepublishIsADiscontinuity) {
  auto out = output();
  feed(*out, fixture_messages());
  out->send_status("status", "NetStream.Play.UnpublishNotify", "");
  EXPECT_TRUE(stream_->ended());
  EXPECT_NE(playlist().find("#EXT-X-ENDLIST"), std::string::npos);
  const auto before = stream_->version();

  out->send_status("status", "NetStream.Play.PublishNotify", "");
  feed(*out, fixture_messages(1000));  // the new publisher's clock: unrelated to the old
  EXPECT_GT(stream_->version(), before);
  const std::string pl = playlist();
  EXPECT_EQ(pl.find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_NE(pl.find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << pl;
  EXPECT_NE(pl.find("seg3.m4s"), std::string::npos) << pl;  // numbers continue
}

TEST_F(HlsOutputTest, RegistryFollowsTheRelaysLiveStreams) {
  Relay relay({});
  HlsConfig cfg;
  cfg.options = opts_;
  cfg.linger = std::chrono::seconds(5);
  HlsRegistry hls(relay, cfg);
  const auto t0 = Clock::now();
  hls.tick(t0);
  EXPECT_EQ(hls.size(), 0u);

  auto pub = std::make_shared<test::FakeSession>(1);
  auto live = relay.publish(pub, "live", {1, "k", "live"}, t0, std::chrono::system_clock::now());
  ASSERT_TRUE(live.decision.accepted);
  hls.tick(t0);
  auto s = hls.find("live", "k");
  ASSERT_TRUE(s);
  EXPECT_FALSE(hls.find("live", "other"));
  for (const auto& m : fixture_messages()) live.stream->on_message(1, m, t0);
  auto a = s->get("index.m3u8", "");
  ASSERT_EQ(a.status(), 200);
  EXPECT_NE(a.text->find("seg0.m4s"), std::string::npos);

  relay.unpublish(live.stream, 1, t0, "done");
  EXPECT_TRUE(s->ended());
  hls.tick(t0 + std::chrono::seconds(1));
  EXPECT_TRUE(hls.find("live", "k"));  // lingers
  hls.tick(t0 + std::chrono::seconds(7));
  EXPECT_FALSE(hls.find("live", "k"));
  EXPECT_EQ(relay.stream_count(), 0u);  // the relay forgot the stream once we left
}

TEST_F(HlsOutputTest, DirGetsTheFilesAndLosesThemWithTheStream) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("hls_output_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Relay relay({});
  HlsConfig cfg;
  cfg.options = opts_;
  cfg.options.window = 1;
  cfg.linger = std::chrono::seconds(1);
  cfg.dir = dir.string();
  HlsRegistry hls(relay, cfg);
  const auto t0 = Clock::now();
  auto pub = std::make_shared<test::FakeSession>(1);
  auto live = relay.publish(pub, "live", {1, "k", "live"}, t0, std::chrono::system_clock::now());
  auto evil = relay.publish(std::make_shared<test::FakeSession>(2), "live", {1, "..", "live"}, t0,
                            std::chrono::system_clock::now());
  hls.tick(t0);
  for (const auto& m : fixture_messages()) live.stream->on_message(1, m, t0);
  const auto d = dir / "live" / "k";
  for (const char* f : {"index.m3u8", "init.mp4", "seg1.m4s", "part1.0.m4s"})
    EXPECT_TRUE(std::filesystem::exists(d / f)) << f;
  // One segment in the window: segment 0 and its parts are gone.
  EXPECT_FALSE(std::filesystem::exists(d / "seg0.m4s"));
  EXPECT_FALSE(std::filesystem::exists(d / "part0.0.m4s"));
  auto seg = hls.find("live", "k")->get("seg1.m4s", "");
  std::ifstream f(d / "seg1.m4s", std::ios::binary);
  const Bytes on_disk((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  Bytes in_memory;
  for (const auto& b : seg.body) in_memory.insert(in_memory.end(), b->begin(), b->end());
  EXPECT_EQ(on_disk, in_memory);
  std::ifstream pl(d / "index.m3u8");
  const std::string text((std::istreambuf_iterator<char>(pl)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, *hls.find("live", "k")->get("index.m3u8", "").text);
  EXPECT_FALSE(std::filesystem::exists(dir / "live" / ".." / "index.m3u8"));

  relay.unpublish(live.stream, 1, t0, "done");
  relay.unpublish(evil.stream, 2, t0, "done");
  hls.tick(t0 + std::chrono::seconds(1));
  hls.tick(t0 + std::chrono::seconds(3));
  EXPECT_FALSE(std::filesystem::exists(d));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rtmp::relay
