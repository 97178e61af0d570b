// probe: an RTMP server printing every demuxed event of each publisher as one JSON line
// (codec configs; video dts, pts, keyframe, NAL units; audio timestamp and size), the
// events ExRTMP's handler gets. Its output can be compared with ffprobe's packet list.
//
//   probe [PORT] [--once]      PORT 0 = any free port; --once: exit when a publisher leaves
//   ffmpeg -re -i in.flv -c copy -f flv rtmp://127.0.0.1:PORT/live/key
#include <rtmp/server.hpp>

#include <signal.h>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace {

// Handlers of different connections run on different threads: one line at a time.
std::mutex out_mutex;

void print_line(const std::string& line) {
  std::lock_guard lock(out_mutex);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + '"';
}

// The NAL unit type: 5 bits after the forbidden bit for H.264, 6 bits for H.265.
int nal_type(rtmp::CodecId codec, rtmp::ByteView nalu) {
  if (nalu.empty()) return -1;
  return codec == rtmp::CodecId::h265 ? (nalu[0] >> 1) & 0x3f : nalu[0] & 0x1f;
}

struct PublisherLeft {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
};

class Probe : public rtmp::Handler {
 public:
  explicit Probe(PublisherLeft& left) : left_(left) {}

  rtmp::Decision on_publish(const rtmp::PublishInfo& p) override {
    publishing_ = true;
    print_line("{\"event\":\"publish\",\"key\":" + quoted(p.key) + "}");
    return rtmp::Decision::accept();
  }
  void on_codec(const rtmp::Codec& c) override {
    print_line("{\"event\":\"codec\",\"type\":" +
               quoted(c.type == rtmp::TrackType::video ? "video" : "audio") +
               ",\"codec\":" + quoted(rtmp::codec_name(c.id)) +
               ",\"config_size\":" + std::to_string(c.config.size()) + "}");
  }
  void on_video(const rtmp::VideoSample& s) override {
    std::string types;
    for (const auto& n : s.nalus)
      types += (types.empty() ? "" : ",") + std::to_string(nal_type(s.codec, n));
    print_line("{\"event\":\"video\",\"codec\":" + quoted(rtmp::codec_name(s.codec)) +
               ",\"dts\":" + std::to_string(s.dts) + ",\"pts\":" + std::to_string(s.pts) +
               ",\"keyframe\":" + (s.keyframe ? "true" : "false") +
               ",\"size\":" + std::to_string(s.data.size()) +
               ",\"nalus\":" + std::to_string(s.nalus.size()) + ",\"nal_types\":[" + types + "]}");
  }
  void on_audio(const rtmp::AudioSample& s) override {
    print_line("{\"event\":\"audio\",\"codec\":" + quoted(rtmp::codec_name(s.codec)) +
               ",\"timestamp\":" + std::to_string(s.timestamp) +
               ",\"size\":" + std::to_string(s.data.size()) + "}");
  }
  void on_disconnect(const rtmp::Error& why) override {
    print_line("{\"event\":\"disconnect\",\"reason\":" + quoted(why.message()) + "}");
    if (!publishing_) return;
    std::lock_guard lock(left_.mutex);
    left_.done = true;
    left_.cv.notify_all();
  }

 private:
  PublisherLeft& left_;
  bool publishing_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  int port = 1935;
  bool once = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--once")
      once = true;
    else
      port = std::atoi(argv[i]);
  }
  // SIGINT/SIGTERM are taken with sigwait below: block them before the server's threads
  // start, so they inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  PublisherLeft left;  // outlives the server, which ends every handler in stop()
  rtmp::ServerOptions opts;
  opts.port = static_cast<std::uint16_t>(port);
  opts.handler = [&left](const std::any&) { return std::make_unique<Probe>(left); };
  auto server = rtmp::Server::start(std::move(opts));
  if (!server) {
    std::fprintf(stderr, "probe: %s\n", server.error().message().c_str());
    return 1;
  }
  print_line("{\"event\":\"listening\",\"port\":" + std::to_string((*server)->port()) + "}");
  if (once) {
    std::unique_lock lock(left.mutex);
    left.cv.wait(lock, [&] { return left.done; });
  } else {
    int sig = 0;
    sigwait(&signals, &sig);
  }
  (*server)->stop();
}
