// A server that accepts one stream key and prints what the publisher sends.
// Run it, then: ffmpeg -re -i in.flv -c copy -f flv rtmp://127.0.0.1:1935/live/secret
#include <rtmp/server.hpp>

#include <cstdio>
#include <memory>

struct Printer : rtmp::Handler {
  rtmp::Decision on_publish(const rtmp::PublishInfo& p) override {
    return p.key == "secret" ? rtmp::Decision::accept()
                             : rtmp::Decision::reject("bad key", "NetStream.Publish.BadName");
  }
  void on_codec(const rtmp::Codec& c) override {
    std::printf("codec %s, %zu bytes of config\n", rtmp::codec_name(c.id), c.config.size());
  }
  void on_video(const rtmp::VideoSample& s) override {
    std::printf("video dts %lld pts %lld%s\n", static_cast<long long>(s.dts),
                static_cast<long long>(s.pts), s.keyframe ? " key" : "");
  }
  void on_audio(const rtmp::AudioSample& s) override {
    std::printf("audio %lld, %zu bytes\n", static_cast<long long>(s.timestamp), s.data.size());
  }
  void on_disconnect(const rtmp::Error& why) override {  // always, exactly once
    std::printf("disconnected: %s\n", why.message().c_str());
  }
};

int main() {
  rtmp::ServerOptions opts;
  opts.port = 1935;  // 0 = any free port; server->port() tells which
  opts.handler = [](const std::any&) { return std::make_unique<Printer>(); };
  auto server = rtmp::Server::start(std::move(opts));  // Result: the server or an rtmp::Error
  if (!server) {
    std::fprintf(stderr, "%s\n", server.error().message().c_str());
    return 1;
  }
  std::printf("listening on port %u; Enter stops\n", unsigned{(*server)->port()});
  std::getchar();
  (*server)->stop();  // also done by the destructor
}
