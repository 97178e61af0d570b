// rtmp-publish: publishes an FLV file to an RTMP server, paced by its timestamps (like
// ffmpeg -re) or as fast as the connection takes it.
#include "common/client_cli.hpp"
#include "rtmp/client.hpp"
#include "rtmp/core/amf.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/flv_file.hpp"
#include "rtmp/media/muxer.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include <csignal>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <optional>

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct Config {
  std::string file, url;
  bool loop = false;
  bool fast = false;
  bool via_demux = false;
  bool quiet = false;
  std::uint32_t chunk_size = 4096;
  std::string type = "live";
};

// Reads an FLV file tag by tag, in 64 KB pieces (files of any size, bounded memory).
class TagSource {
 public:
  explicit TagSource(const std::string& path) : path_(path) {}

  rtmp::Result<void> open() {
    in_.close();
    in_.clear();
    in_.open(path_, std::ios::binary);
    if (!in_) return rtmp::Error(rtmp::errc::invalid_argument, "cannot open " + path_);
    reader_.emplace();
    tags_.clear();
    eof_ = false;
    return {};
  }
  // The next tag, or nullopt at the end of the file.
  rtmp::Result<std::optional<rtmp::Message>> next() {
    while (tags_.empty() && !eof_) {
      in_.read(reinterpret_cast<char*>(buf_.data()), static_cast<std::streamsize>(buf_.size()));
      auto n = static_cast<std::size_t>(in_.gcount());
      if (n == 0) {
        eof_ = true;
        if (auto r = reader_->finish(); !r)
          return rtmp::Error(r.error().code, path_ + ": " + r.error().detail);
        break;
      }
      std::vector<rtmp::Message> out;
      if (auto r = reader_->feed(rtmp::ByteView(buf_.data(), n), out); !r)
        return rtmp::Error(r.error().code, path_ + ": " + r.error().detail);
      for (auto& m : out) tags_.push_back(std::move(m));
    }
    if (tags_.empty()) return std::optional<rtmp::Message>();
    auto m = std::move(tags_.front());
    tags_.pop_front();
    return std::optional<rtmp::Message>(std::move(m));
  }

 private:
  std::string path_;
  std::ifstream in_;
  std::optional<rtmp::FlvReader> reader_;
  std::deque<rtmp::Message> tags_;
  std::array<std::uint8_t, 64 * 1024> buf_{};
  bool eof_ = false;
};

// An FLV script tag "onMetaData", {...} goes out as "@setDataFrame", "onMetaData", {...}
// (what FFmpeg sends and servers keep for players); the original bytes follow unchanged.
rtmp::Message set_data_frame(const rtmp::Message& tag) {
  auto values = rtmp::parse_data(tag);
  if (!values || values->empty() || !(*values)[0].is_string() ||
      (*values)[0].as_string() != "onMetaData")
    return tag;
  rtmp::Bytes payload;
  rtmp::amf::encode_amf0(rtmp::amf::Value("@setDataFrame"), payload);
  payload.insert(payload.end(), tag.data().begin(), tag.data().end());
  rtmp::Message m = tag;
  m.payload = rtmp::make_shared_bytes(std::move(payload));
  return m;
}

// AVC/HEVC/AAC sequence headers (legacy) and Enhanced RTMP SequenceStart: configuration,
// not frames, so they neither pace nor count.
bool is_sequence_header(const rtmp::Message& m) {
  auto d = m.data();
  if (d.size() < 2) return false;
  if (m.type == rtmp::msg::video) {
    if (d[0] & 0x80) return (d[0] & 0x0F) == 0;  // ExVideoTagHeader: PacketType SequenceStart
    return ((d[0] & 0x0F) == 7 || (d[0] & 0x0F) == 12) && d[1] == 0;
  }
  if ((d[0] >> 4) == 9) return (d[0] & 0x0F) == 0;  // ExAudioTagHeader: SequenceStart
  return (d[0] >> 4) == 10 && d[1] == 0;            // AAC sequence header
}

class Publisher {
 public:
  Publisher(asio::io_context& ioc, rtmp::Client& client, const Config& config)
      : client_(client), config_(config), timer_(ioc), source_(config.file) {}

  asio::awaitable<int> run();
  void stop() {
    stopping_ = true;
    timer_.cancel();
  }

 private:
  asio::awaitable<rtmp::Result<void>> send(const rtmp::Message& m);
  asio::awaitable<rtmp::Result<void>> send_demuxed(const rtmp::Message& m);
  asio::awaitable<rtmp::Result<void>> retry(const std::function<rtmp::Result<void>()>& f);
  void progress(bool final);

  rtmp::Client& client_;
  const Config& config_;
  asio::steady_timer timer_;
  TagSource source_;
  rtmp::Demuxer demuxer_;
  std::vector<rtmp::MediaEvent> events_;
  bool stopping_ = false;
  std::uint64_t frames_ = 0, bytes_ = 0;
  std::int64_t media_ms_ = 0;
  Clock::time_point started_{}, last_progress_{};
  bool tty_ = false;
};

// Sends f() again after the queue drained to half when the bounded queue is full.
asio::awaitable<rtmp::Result<void>> Publisher::retry(const std::function<rtmp::Result<void>()>& f) {
  for (;;) {
    auto r = f();
    if (r || r.error().code != rtmp::errc::output_full) co_return r;
    if (auto d = co_await client_.async_drain(client_.options().max_output_bytes / 2); !d)
      co_return d;
  }
}

asio::awaitable<rtmp::Result<void>> Publisher::send_demuxed(const rtmp::Message& m) {
  demuxer_.recycle(events_);
  if (auto r = demuxer_.push(m, events_); !r) co_return r.error();
  for (const auto& e : events_) {
    rtmp::Result<void> r;
    if (auto* c = std::get_if<rtmp::Codec>(&e))
      r = co_await retry([&] { return client_.send_codec(*c); });
    else if (auto* v = std::get_if<rtmp::VideoSample>(&e))
      r = co_await retry([&] { return client_.send_video(*v); });
    else if (auto* a = std::get_if<rtmp::AudioSample>(&e))
      r = co_await retry([&] { return client_.send_audio(*a); });
    else
      r = co_await retry([&] { return client_.send_message(rtmp::Muxer::mux(e, 0)); });
    if (!r) co_return r;
  }
  co_return rtmp::Result<void>{};
}

asio::awaitable<rtmp::Result<void>> Publisher::send(const rtmp::Message& m) {
  if (m.type == rtmp::msg::data_amf0) {
    auto out = set_data_frame(m);
    co_return co_await retry([&] { return client_.send_message(out); });
  }
  if (config_.via_demux) co_return co_await send_demuxed(m);
  co_return co_await retry([&] { return client_.send_message(m); });
}

void Publisher::progress(bool final) {
  if (!tty_ || config_.quiet) return;
  auto now = Clock::now();
  if (!final && now - last_progress_ < std::chrono::milliseconds(500)) return;
  last_progress_ = now;
  double secs = std::chrono::duration<double>(now - started_).count();
  double kbps = secs > 0 ? static_cast<double>(bytes_) * 8 / secs / 1000 : 0;
  auto line = fmt::format(
      "\rrtmp-publish: time {:02}:{:02}:{:06.3f}  frames {}  bitrate {:.1f} kbit/s  queued {} KB  "
      " ",
      media_ms_ / 3600000, media_ms_ / 60000 % 60, static_cast<double>(media_ms_ % 60000) / 1000,
      frames_, kbps, client_.pending_output() / 1024);
  std::fputs(line.c_str(), stderr);
  if (final) std::fputc('\n', stderr);
}

asio::awaitable<int> Publisher::run() {
  tty_ = isatty(STDERR_FILENO) != 0;
  if (auto r = co_await client_.async_connect(config_.url); !r) {
    std::cerr << "rtmp-publish: " << r.error().message() << "\n";
    co_return 1;
  }
  if (auto r = co_await client_.async_publish({}, config_.type); !r) {
    std::cerr << "rtmp-publish: " << r.error().message() << "\n";
    client_.close();
    co_return 1;
  }
  started_ = Clock::now();
  // Pacing clock: frame timestamps map to wall time from an anchor; a jump of more than
  // 1 s either way (a discontinuity, or a new loop pass) moves the anchor instead of
  // stalling or bursting. Sequence headers are not paced: FFmpeg writes them at 0 even when
  // the frames start later (ts_over_2p24 fixture: headers at 0, frames at 16799933).
  std::optional<Clock::time_point> anchor_wall;
  std::int64_t anchor_ts = 0, prev_paced = 0;
  std::int64_t offset = 0;  // added to the file's timestamps from the second pass on
  std::int64_t last_ts = 0, gap = 40;
  bool metadata_sent = false;
  std::optional<std::int64_t> first_media;
  for (int pass = 0; !stopping_; ++pass) {
    if (auto r = source_.open(); !r) {
      std::cerr << "rtmp-publish: " << r.error().message() << "\n";
      co_await client_.async_close();
      co_return 1;
    }
    std::optional<std::int64_t> first_frame;
    while (!stopping_) {
      auto tag = source_.next();
      if (!tag) {
        std::cerr << "rtmp-publish: " << tag.error().message() << "\n";
        co_await client_.async_close();
        co_return 1;
      }
      if (!*tag) break;
      rtmp::Message m = std::move(**tag);
      if (m.type == rtmp::msg::data_amf0) {
        if (metadata_sent) continue;  // once, not again on every loop
        metadata_sent = true;
      }
      bool media = m.type == rtmp::msg::audio || m.type == rtmp::msg::video;
      bool frame = media && !is_sequence_header(m);
      std::int64_t ts = static_cast<std::int64_t>(m.timestamp);
      if (pass > 0) {
        // Later passes: the first frame lands one frame interval after the last one sent;
        // nothing goes back in time (the headers at 0 go out at the current time).
        if (frame && !first_frame) {
          first_frame = ts;
          offset = last_ts + gap - ts;
        }
        m.timestamp = static_cast<std::uint32_t>(std::max(ts + offset, last_ts));
      }
      std::int64_t out_ts = static_cast<std::int64_t>(m.timestamp);
      if (frame) {
        if (out_ts > last_ts && first_media)
          gap = std::clamp<std::int64_t>(out_ts - last_ts, 1, 1000);
        last_ts = std::max(last_ts, out_ts);
        if (!config_.fast) {
          if (!anchor_wall || out_ts < prev_paced - 1000 || out_ts > prev_paced + 1000) {
            anchor_wall = Clock::now();
            anchor_ts = out_ts;
          }
          prev_paced = out_ts;
          auto due = *anchor_wall + std::chrono::milliseconds(out_ts - anchor_ts);
          if (due > Clock::now()) {
            timer_.expires_at(due);
            co_await timer_.async_wait(use_tuple);
            if (stopping_) break;
          }
        }
        ++frames_;
        if (!first_media) first_media = out_ts;
        media_ms_ = std::max<std::int64_t>(0, out_ts - *first_media);
      }
      if (media) bytes_ += m.size();
      if (auto r = co_await send(m); !r) {
        progress(true);
        std::cerr << "rtmp-publish: " << r.error().message() << "\n";
        client_.close();
        co_return 1;
      }
      progress(false);
    }
    if (!config_.loop) break;
    demuxer_.reset();
  }
  // Everything queued goes out before the goodbye.
  if (auto r = co_await client_.async_drain(0); !r) {
    progress(true);
    std::cerr << "rtmp-publish: " << r.error().message() << "\n";
    co_return 1;
  }
  progress(true);
  co_await client_.async_close();
  co_return stopping_ ? 130 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rtmp-publish: publish an FLV file to an RTMP server"};
  Config config;
  rtmp::tools::ClientCli cli;
  bool realtime = false, verbose = false;
  app.add_option("file", config.file, "FLV file to publish")->required()->check(CLI::ExistingFile);
  app.add_option("url", config.url, "rtmp[s]://host[:port]/app/key")->required();
  app.add_flag("--loop", config.loop, "Start again at the end of the file (timestamps continue)");
  auto* rt = app.add_flag("--realtime", realtime, "Pace by the file's timestamps (default)");
  app.add_flag("--as-fast-as-possible", config.fast, "Send as fast as the connection takes it")
      ->excludes(rt);
  app.add_option("--chunk-size", config.chunk_size, "Outgoing chunk size (default 4096)")
      ->check(CLI::Range(1u, 0x7FFFFFFFu));
  app.add_option("--type", config.type, "Publish type")
      ->check(CLI::IsMember({"live", "record", "append"}));
  app.add_flag("--via-demux", config.via_demux,
               "Demux the file and send with send_codec/send_video/send_audio (default: raw tags)");
  app.add_flag("-q,--quiet", config.quiet, "No progress line");
  app.add_flag("-v,--verbose", verbose, "Log the connection on stderr");
  cli.add(app);
  CLI11_PARSE(app, argc, argv);

  spdlog::set_default_logger(spdlog::stderr_color_mt("rtmp-publish"));
  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::warn);

  asio::io_context ioc(1);
  rtmp::ClientOptions opts;
  cli.apply(opts);
  opts.chunk_size = config.chunk_size;
  rtmp::Client client(ioc.get_executor(), opts);
  Publisher publisher(ioc, client, config);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) publisher.stop();
  });
  int rc = 0;
  asio::co_spawn(ioc, publisher.run(), [&](std::exception_ptr e, int result) {
    rc = e ? 3 : result;
    signals.cancel();
  });
  ioc.run();
  return rc;
}
