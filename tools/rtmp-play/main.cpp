// rtmp-play: plays an RTMP stream and writes it as an FLV file (or to stdout, so
// `rtmp-play URL -o - | ffplay -` works). Tags are the messages as received: no remux.
#include "common/client_cli.hpp"
#include "rtmp/client.hpp"
#include "rtmp/core/amf.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/media/flv_file.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

namespace {

namespace asio = boost::asio;

// Writes the played messages as FLV tags. The FLV header waits for the first audio/video
// message so that its has_audio/has_video flags can follow the metadata.
class FlvSink final : public rtmp::ClientHandler {
 public:
  FlvSink(std::FILE* out, asio::steady_timer& stop, double duration)
      : out_(out), stop_(stop), duration_ms_(duration * 1000) {}

  void on_status(const rtmp::Status& s) override {
    spdlog::info("status {} {} {}", s.level, s.code, s.description);
    // End of the stream: FFmpeg's player stops on these too.
    if (s.code == "NetStream.Play.Stop" || s.code == "NetStream.Play.UnpublishNotify") end();
  }
  void on_stream_eof() override { end(); }
  void on_message(const rtmp::Message& m) override {
    if (error_ || ended_) return;  // after the end: what is still in flight is not wanted
    if (m.type == rtmp::msg::data_amf0) {
      on_data(m);
      return;
    }
    if (m.type != rtmp::msg::audio && m.type != rtmp::msg::video) return;
    if (duration_ms_ > 0) {  // like ffmpeg -t: frames before start + duration
      if (!first_ts_) first_ts_ = m.timestamp;
      if (static_cast<double>(m.timestamp - *first_ts_) >= duration_ms_) {
        end();
        return;
      }
    }
    if (!header_written_) write_header();
    write_tag(m);
    ++frames_;
  }
  void on_disconnect(const rtmp::Error& reason) override {
    reason_ = reason;
    end();
  }

  bool failed() const { return error_.has_value(); }
  const std::optional<rtmp::Error>& write_error() const { return error_; }
  const rtmp::Error& reason() const { return reason_; }
  std::uint64_t frames() const { return frames_; }
  void finish() {
    if (!header_written_ && !pending_data_.empty()) write_header();
    std::fflush(out_);
  }

 private:
  void on_data(const rtmp::Message& m) {
    auto values = rtmp::parse_data(m);
    if (!values || values->empty() || !(*values)[0].is_string()) return;
    auto name = (*values)[0].as_string();
    if (name == "|RtmpSampleAccess") return;  // nginx-rtmp's permission flags, not content
    rtmp::Message tag = m;
    if (name == "@setDataFrame") {
      // Servers that relay the publisher's data message as is: the file stores onMetaData.
      rtmp::Bytes payload;
      for (std::size_t i = 1; i < values->size(); ++i)
        rtmp::amf::encode_amf0((*values)[i], payload);
      tag.payload = rtmp::make_shared_bytes(std::move(payload));
      values->erase(values->begin());
    }
    if (!values->empty() && (*values)[0].is_string() && (*values)[0].as_string() == "onMetaData" &&
        values->size() > 1) {
      const auto& meta = (*values)[1];
      has_video_ = meta.get("videocodecid") != nullptr;
      has_audio_ = meta.get("audiocodecid") != nullptr;
      have_flags_ = true;
    }
    if (header_written_)
      write_tag(tag);
    else
      pending_data_.push_back(std::move(tag));
  }
  void write_header() {
    header_written_ = true;
    rtmp::Bytes head;
    rtmp::FlvWriter::header(head, have_flags_ ? has_audio_ : true, have_flags_ ? has_video_ : true);
    write(head);
    for (const auto& m : pending_data_) write_tag(m);
    pending_data_.clear();
  }
  void write_tag(const rtmp::Message& m) {
    buf_.clear();
    if (auto r = rtmp::FlvWriter::tag(buf_, m); !r) {
      spdlog::warn("message skipped: {}", r.error().message());
      return;
    }
    write(buf_);
  }
  void write(const rtmp::Bytes& b) {
    if (std::fwrite(b.data(), 1, b.size(), out_) != b.size() || std::fflush(out_) != 0) {
      error_ = rtmp::Error(rtmp::errc::io_error, "write failed (output closed?)");
      end();
    }
  }
  void end() {
    ended_ = true;
    stop_.cancel();
  }

  std::FILE* out_;
  asio::steady_timer& stop_;
  double duration_ms_;
  bool header_written_ = false;
  bool ended_ = false;
  bool have_flags_ = false, has_audio_ = true, has_video_ = true;
  std::vector<rtmp::Message> pending_data_;
  rtmp::Bytes buf_;
  std::optional<std::uint32_t> first_ts_;
  std::uint64_t frames_ = 0;
  std::optional<rtmp::Error> error_;
  rtmp::Error reason_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rtmp-play: play an RTMP stream into an FLV file"};
  std::string url, output = "-";
  double duration = 0;
  bool verbose = false;
  rtmp::tools::ClientCli cli;
  app.add_option("url", url, "rtmp[s]://host[:port]/app/name")->required();
  app.add_option("-o,--output", output, "FLV file to write, or - for stdout (default)");
  app.add_option("--duration", duration, "Stop after this many seconds of media")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("-v,--verbose", verbose, "Log the connection on stderr");
  cli.add_player(app);
  CLI11_PARSE(app, argc, argv);

  spdlog::set_default_logger(spdlog::stderr_color_mt("rtmp-play"));
  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::warn);

  std::FILE* out = stdout;
  if (output != "-") {
    out = std::fopen(output.c_str(), "wb");
    if (!out) {
      std::cerr << "rtmp-play: cannot open " << output << " for writing\n";
      return 1;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is a write error, reported as such

  asio::io_context ioc(1);
  rtmp::ClientOptions opts;
  cli.apply_player(opts);
  opts.player = true;
  opts.demux = false;  // raw messages: the file gets exactly what the server sent
  rtmp::Client client(ioc.get_executor(), opts);
  asio::steady_timer stop(ioc, asio::steady_timer::time_point::max());
  FlvSink sink(out, stop, duration);
  client.set_handler(&sink);
  bool interrupted = false;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) {
      interrupted = true;
      stop.cancel();
    }
  });
  int rc = 0;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        if (auto r = co_await client.async_connect(url); !r) {
          std::cerr << "rtmp-play: " << r.error().message() << "\n";
          rc = 1;
          co_return;
        }
        if (auto r = co_await client.async_play(); !r) {
          std::cerr << "rtmp-play: " << r.error().message() << "\n";
          rc = 1;
          client.close();
          co_return;
        }
        co_await stop.async_wait(asio::as_tuple(asio::use_awaitable));
        bool ended_by_error = client.state() == rtmp::Client::State::closed &&
                              sink.reason().code != rtmp::errc::closed &&
                              sink.reason().code != rtmp::errc::ok;
        co_await client.async_close();
        if (sink.failed()) {
          std::cerr << "rtmp-play: " << sink.write_error()->message() << "\n";
          rc = 1;
        } else if (ended_by_error) {
          std::cerr << "rtmp-play: " << sink.reason().message() << "\n";
          rc = 1;
        } else if (interrupted) {
          rc = 130;
        }
      },
      [&](std::exception_ptr e) {
        if (e) rc = 3;
        signals.cancel();
      });
  ioc.run();
  sink.finish();
  if (out != stdout) std::fclose(out);
  spdlog::info("{} audio/video messages written", sink.frames());
  return rc;
}
