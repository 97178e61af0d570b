// play_to_file: plays a live stream into an FLV file with rtmp::BlockingClient, until the
// publisher stops (or the server closes), or after SECONDS.
//
//   play_to_file rtmp://127.0.0.1/live/key OUT.flv [SECONDS]
#include <rtmp/client.hpp>
#include <rtmp/media/flv_file.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

namespace {

// Raw messages (demux off) are written as FLV tags as they come: the file holds exactly
// what the server sent. Called on the client's thread.
class FileWriter : public rtmp::ClientHandler {
 public:
  explicit FileWriter(std::ofstream& out) : out_(out) {
    rtmp::Bytes header;
    rtmp::FlvWriter::header(header, true, true);
    write(header);
  }
  void on_message(const rtmp::Message& m) override {
    if (m.type != rtmp::msg::audio && m.type != rtmp::msg::video && m.type != rtmp::msg::data_amf0)
      return;
    rtmp::Bytes tag;
    if (rtmp::FlvWriter::tag(tag, m)) {
      write(tag);
      ++tags_;
    }
  }
  void on_status(const rtmp::Status& s) override {
    std::printf("{\"event\":\"status\",\"code\":\"%s\"}\n", s.code.c_str());
    std::fflush(stdout);
  }
  void on_stream_eof() override { std::printf("{\"event\":\"stream_eof\"}\n"); }
  std::size_t tags() const { return tags_; }

 private:
  void write(const rtmp::Bytes& b) {
    out_.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  std::ofstream& out_;
  std::size_t tags_ = 0;
};

// Stops at the end of the stream: UnpublishNotify / Play.Stop, or StreamEOF (nginx-rtmp).
class UntilUnpublished : public FileWriter {
 public:
  UntilUnpublished(std::ofstream& out, rtmp::BlockingClient& client)
      : FileWriter(out), client_(client) {}
  void on_status(const rtmp::Status& s) override {
    FileWriter::on_status(s);
    if (s.code == "NetStream.Play.UnpublishNotify" || s.code == "NetStream.Play.Stop") end();
  }
  void on_stream_eof() override { end(); }

 private:
  // send_* and close() are allowed in callbacks; the blocking calls are not.
  void end() {
    std::call_once(once_, [this] { client_.close(); });
  }
  rtmp::BlockingClient& client_;
  std::once_flag once_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: play_to_file rtmp://HOST[:PORT]/APP/KEY OUT.flv [SECONDS]\n");
    return 2;
  }
  const auto seconds = std::chrono::seconds(argc > 3 ? std::atoi(argv[3]) : 3600);
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  rtmp::ClientOptions options;
  options.player = true;  // the connect a player sends (FFmpeg's)
  options.demux = false;  // on_message: the messages as received
  options.read_timeout = std::chrono::seconds(0);
  rtmp::BlockingClient client(options);
  UntilUnpublished writer(out, client);
  client.set_handler(&writer);
  if (auto r = client.connect(argv[1]); !r) {
    std::fprintf(stderr, "play_to_file: connect: %s\n", r.error().message().c_str());
    return 1;
  }
  if (auto r = client.play(); !r) {
    std::fprintf(stderr, "play_to_file: play: %s\n", r.error().message().c_str());
    return 1;
  }
  auto why = client.wait_closed(seconds);
  client.close();
  std::printf("{\"event\":\"closed\",\"reason\":\"%s\",\"tags\":%zu}\n", rtmp::to_string(why.code),
              writer.tags());
}
