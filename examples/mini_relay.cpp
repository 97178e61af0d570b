// mini_relay: a live relay on the public API only. One publisher per stream key, any number
// of players; a player joining late gets the metadata and codec configs at once and its
// first frames from the next keyframe on.
//
//   mini_relay [PORT]
//   ffmpeg -re -i in.flv -c copy -f flv rtmp://127.0.0.1:PORT/live/key
//   ffplay rtmp://127.0.0.1:PORT/live/key
#include <rtmp/server.hpp>

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace {

struct Player {
  std::shared_ptr<rtmp::Session> session;
  bool started = false;  // has had a keyframe: sends audio and video from then on
};

// What a stream key carries. Handlers of different connections run concurrently: every
// access holds Relay::mutex.
struct Stream {
  bool live = false;
  std::optional<rtmp::amf::Value> metadata;
  std::optional<rtmp::Codec> video_codec, audio_codec;
  std::vector<Player> players;
};

struct Relay {
  std::mutex mutex;
  std::map<std::string, Stream> streams;
};

class RelayHandler : public rtmp::Handler {
 public:
  explicit RelayHandler(Relay& relay) : relay_(relay) {}

  rtmp::Decision on_publish(const rtmp::PublishInfo& p) override {
    std::lock_guard lock(relay_.mutex);
    auto& s = relay_.streams[p.key];
    if (s.live) return rtmp::Decision::reject(p.key + " is live", "NetStream.Publish.BadName");
    s.live = true;
    publishing_ = p.key;
    return rtmp::Decision::accept();
  }
  rtmp::Decision on_play(const rtmp::PlayInfo& p) override {
    std::lock_guard lock(relay_.mutex);
    auto& s = relay_.streams[p.name];
    // Sends queue behind NetStream.Play.Start: the session's strand answers play first.
    if (s.metadata) session()->send_metadata(*s.metadata);
    if (s.video_codec) session()->send_codec(*s.video_codec);
    if (s.audio_codec) session()->send_codec(*s.audio_codec);
    s.players.push_back({session(), !s.video_codec});
    playing_ = p.name;
    return rtmp::Decision::accept();
  }
  void on_metadata(const rtmp::amf::Value& data) override {
    with_stream([&](Stream& s) {
      s.metadata = data;
      for (auto& p : s.players) p.session->send_metadata(data);
    });
  }
  void on_codec(const rtmp::Codec& c) override {
    with_stream([&](Stream& s) {
      (c.type == rtmp::TrackType::video ? s.video_codec : s.audio_codec) = c;
      for (auto& p : s.players) p.session->send_codec(c);
    });
  }
  void on_video(const rtmp::VideoSample& v) override {
    with_stream([&](Stream& s) {
      for (auto& p : s.players) {
        p.started = p.started || v.keyframe;
        if (p.started) p.session->send_video(v);  // shares v's bytes, no copy
      }
    });
  }
  void on_audio(const rtmp::AudioSample& a) override {
    with_stream([&](Stream& s) {
      for (auto& p : s.players)
        if (p.started) p.session->send_audio(a);
    });
  }
  void on_disconnect(const rtmp::Error&) override {
    std::lock_guard lock(relay_.mutex);
    if (!publishing_.empty()) {
      auto& s = relay_.streams[publishing_];
      for (auto& p : s.players)
        p.session->send_status("status", "NetStream.Play.UnpublishNotify", publishing_ + " ended");
      // Players stay for the next publisher, from its first keyframe on.
      s.live = false;
      s.metadata.reset();
      s.video_codec.reset();
      s.audio_codec.reset();
      for (auto& p : s.players) p.started = false;
    }
    if (!playing_.empty()) {
      auto& players = relay_.streams[playing_].players;
      std::erase_if(players, [this](const Player& p) { return p.session == session(); });
    }
  }

 private:
  template <class F>
  void with_stream(F&& f) {
    std::lock_guard lock(relay_.mutex);
    f(relay_.streams[publishing_]);
  }

  Relay& relay_;
  std::string publishing_, playing_;
};

}  // namespace

int main(int argc, char** argv) {
  sigset_t signals;  // blocked before the server's threads start; taken by sigwait
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Relay relay;
  rtmp::ServerOptions opts;
  opts.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 1935);
  opts.handler = [&relay](const std::any&) { return std::make_unique<RelayHandler>(relay); };
  auto server = rtmp::Server::start(std::move(opts));
  if (!server) {
    std::fprintf(stderr, "mini_relay: %s\n", server.error().message().c_str());
    return 1;
  }
  std::printf("{\"event\":\"listening\",\"port\":%u}\n", unsigned{(*server)->port()});
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->stop();
}
