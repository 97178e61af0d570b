// rtmp-load: plays one RTMP URL N times from one process (rtmp::Client, raw messages, no
// demux) and reports what the players received. A load generator for rtmp-server and
// nginx-rtmp (bench/load/run.py measures the server's CPU and RSS meanwhile).
//
// Modes (combinable where it makes sense):
//   default   N players play until --duration ends.
//   --publish this process also publishes a synthetic H.264 + AAC stream at real time (own
//             thread): 30 fps video (keyframe every 2 s), AAC frames 43/s, each payload
//             carrying a sequence number and its send time (steady_clock = CLOCK_MONOTONIC).
//   --latency players read the send time from each frame and report receive - send (median,
//             p99, max) over all players and frames sent after the warm-up; also sequence
//             gaps (frames a player missed after its first one).
//   --idle    players wait on a key nobody publishes (no read timeout); reports how many are
//             still connected at the end.
//   --churn MIN:MAX  each of the N player slots plays for a random MIN..MAX seconds, leaves,
//             and rejoins after up to 1 s, until --duration ends (the soak test).
//
// Output on stdout, one JSON object per line: {"event":"playing","players":N} once all
// players got NetStream.Play.Start, then {"event":"report",...} every --interval seconds,
// {"event":"done",...} at the end, then {"event":"latency",...} with --latency and
// {"event":"publisher",...} with --publish.
#include "rtmp/client.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

// The stamp in every synthetic frame: magic, sequence number (per track), send time.
constexpr std::uint8_t kMagic[4] = {'R', 'L', 'B', 'T'};
constexpr std::size_t kStampSize = 16;
constexpr std::size_t kVideoStampAt = 10;  // FLV AVC header (5) + NAL length (4) + NAL type (1)
constexpr std::size_t kAudioStampAt = 2;   // FLV AAC header (2)

void put_stamp(rtmp::Bytes& b, std::size_t at, std::uint32_t seq, std::uint64_t ns) {
  std::memcpy(b.data() + at, kMagic, 4);
  for (int i = 0; i < 4; ++i) b[at + 4 + i] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) b[at + 8 + i] = static_cast<std::uint8_t>(ns >> (56 - 8 * i));
}

bool get_stamp(const rtmp::Message& m, std::uint32_t& seq, std::uint64_t& ns) {
  const std::size_t at = m.type == rtmp::msg::video ? kVideoStampAt : kAudioStampAt;
  auto d = m.data();
  if (d.size() < at + kStampSize || std::memcmp(d.data() + at, kMagic, 4) != 0) return false;
  seq = 0;
  ns = 0;
  for (int i = 0; i < 4; ++i) seq = seq << 8 | d[at + 4 + i];
  for (int i = 0; i < 8; ++i) ns = ns << 8 | d[at + 8 + i];
  return true;
}

struct Totals {
  std::atomic<std::size_t> playing{0}, failed{0};
  std::atomic<bool> stop{false};
  // Frames sent at or after this time (ns) count for latency; 0 = not yet.
  std::atomic<std::uint64_t> measure_from{UINT64_MAX};
  // Churn: sessions started, completed as planned, failed to start, ended early or with gaps.
  std::atomic<std::uint64_t> sessions{0}, completed{0}, connect_failed{0}, incomplete{0};
  std::atomic<std::uint64_t> current{0};
};

struct Player final : rtmp::ClientHandler {
  std::atomic<std::uint64_t> bytes{0}, messages{0};
  std::atomic<bool> playing{false}, ended{false};
  std::string error;
  // --latency / --churn: receive - send in microseconds, and sequence gaps per track.
  bool stamps = false;
  const Totals* totals = nullptr;
  std::vector<std::uint32_t> latency_us[2];  // video, audio
  std::uint64_t gaps = 0, stamped = 0;
  std::int64_t last_seq[2] = {-1, -1};
  std::string first_gap;  // where frames were first missed, for the log

  void on_message(const rtmp::Message& m) override {
    bytes.fetch_add(m.size(), std::memory_order_relaxed);
    messages.fetch_add(1, std::memory_order_relaxed);
    if (!stamps || (m.type != rtmp::msg::video && m.type != rtmp::msg::audio)) return;
    std::uint32_t seq;
    std::uint64_t sent;
    if (!get_stamp(m, seq, sent)) return;
    const std::uint64_t now = now_ns();
    ++stamped;
    auto& last = last_seq[m.type == rtmp::msg::video ? 0 : 1];
    if (last >= 0 && seq > last + 1) {
      if (first_gap.empty())
        first_gap = std::string(m.type == rtmp::msg::video ? "video" : "audio") + " after " +
                    std::to_string(last) + " got " + std::to_string(seq) + " (message " +
                    std::to_string(stamped) + ", ts " + std::to_string(m.timestamp) + ")";
      gaps += seq - last - 1;
    }
    if (last < static_cast<std::int64_t>(seq)) last = seq;
    if (sent >= totals->measure_from.load(std::memory_order_relaxed) && !totals->stop)
      latency_us[m.type == rtmp::msg::video ? 0 : 1].push_back(static_cast<std::uint32_t>(
          std::min<std::uint64_t>(now > sent ? (now - sent) / 1000 : 0, UINT32_MAX)));
  }
  void on_disconnect(const rtmp::Error& reason) override {
    if (error.empty()) error = reason.message();
    ended = true;
  }
};

rtmp::ClientOptions player_options(bool idle) {
  rtmp::ClientOptions options;
  options.demux = false;
  options.player = true;
  // Waiting players get no media: nothing to time out on.
  options.read_timeout = std::chrono::milliseconds(idle ? 0 : 30'000);
  options.connect_timeout = std::chrono::milliseconds(30'000);
  options.handshake_timeout = std::chrono::milliseconds(30'000);
  return options;
}

asio::awaitable<void> run_player(std::string url, rtmp::ClientOptions options, Player& p,
                                 Totals& totals) {
  auto ex = co_await asio::this_coro::executor;
  rtmp::Client client(ex, options);
  client.set_handler(&p);
  auto r = co_await client.async_connect(url);
  if (r) r = co_await client.async_play();
  if (!r) {
    p.error = r.error().message();
    p.ended = true;
    ++totals.failed;
    co_return;
  }
  p.playing = true;
  ++totals.playing;
  // Until the run ends or the server closes the connection.
  asio::steady_timer t(ex);
  while (!p.ended && !totals.stop) {
    t.expires_after(std::chrono::milliseconds(200));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  client.close();
}

// One churn slot: join, play MIN..MAX s, leave, pause up to 1 s, again. A session is
// incomplete if the server ended it early, it got no video within its first 3 s of play, or
// it missed frames (sequence gaps) of the synthetic stream.
asio::awaitable<void> run_churn(std::string url, rtmp::ClientOptions options, Totals& totals,
                                double min_s, double max_s, unsigned seed) {
  auto ex = co_await asio::this_coro::executor;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> stay(min_s, max_s), pause(0.0, 1.0);
  asio::steady_timer t(ex);
  t.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(pause(rng) * max_s)));  // spreads the first joins
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  while (!totals.stop) {
    Player p;
    p.stamps = true;
    p.totals = &totals;
    rtmp::Client client(ex, options);
    client.set_handler(&p);
    ++totals.sessions;
    auto r = co_await client.async_connect(url);
    if (r) r = co_await client.async_play();
    if (!r) {
      ++totals.connect_failed;
      std::fprintf(stderr, "churn: connect/play failed: %s\n", r.error().message().c_str());
    } else {
      ++totals.current;
      const auto start = Clock::now();
      const auto until = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(stay(rng)));
      while (!p.ended && !totals.stop && Clock::now() < until) {
        t.expires_after(std::chrono::milliseconds(100));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      const double played = std::chrono::duration<double>(Clock::now() - start).count();
      --totals.current;
      const bool early = p.ended;
      const bool no_video = played >= 3 && p.last_seq[0] < 0;
      if (early || no_video || p.gaps > 0) {
        ++totals.incomplete;
        const std::string why =
            early      ? "ended: " + p.error
            : no_video ? std::string("no video")
                       : std::to_string(p.gaps) + " frames missed, first: " + p.first_gap;
        std::fprintf(stderr, "churn: incomplete session: %s\n", why.c_str());
      } else {
        ++totals.completed;
      }
      client.close();
    }
    t.expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(pause(rng))));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// The synthetic publisher. Sizes: keyframes key_bytes, other frames frame_bytes (defaults
// 32 KB and 7.5 KB at 30 fps: about 1.9 Mb/s), AAC 1024-sample frames at 44.1 kHz of 256
// bytes. The AVC sequence header is a real 640x360 High-profile SPS/PPS so that nginx-rtmp's
// codec parser accepts it.
struct PublisherStats {
  std::atomic<std::uint64_t> video{0}, audio{0}, full{0};
  std::atomic<bool> publishing{false}, failed{false};
  std::string error;
};

rtmp::Message media(std::uint8_t type, std::uint32_t ts, rtmp::Bytes payload) {
  rtmp::Message m;
  m.type = type;
  m.csid = type == rtmp::msg::audio ? rtmp::csid::audio : rtmp::csid::video;
  m.timestamp = ts;
  m.payload = rtmp::make_shared_bytes(std::move(payload));
  return m;
}

asio::awaitable<void> run_publisher(std::string url, PublisherStats& st, const Totals& totals,
                                    double fps, std::size_t key_bytes, std::size_t frame_bytes) {
  auto ex = co_await asio::this_coro::executor;
  rtmp::ClientOptions options;
  options.demux = false;
  options.read_timeout = std::chrono::milliseconds(0);
  rtmp::Client client(ex, options);
  auto r = co_await client.async_connect(url);
  if (r) r = co_await client.async_publish();
  if (!r) {
    st.error = r.error().message();
    st.failed = true;
    co_return;
  }
  const rtmp::Bytes avcc = {
      0x17, 0x00, 0x00, 0x00, 0x00,                                            // AVC seq header
      0x01, 0x64, 0x00, 0x1e, 0xff, 0xe1, 0x00, 0x1a,                          // 1 SPS, 26 B
      0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0, 0x2f, 0xf9, 0x70, 0x11,  //
      0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16,  //
      0x2d, 0x96,                                                              //
      0x01, 0x00, 0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};                   // 1 PPS, 6 B
  (void)client.send_message(media(rtmp::msg::video, 0, avcc));
  (void)client.send_message(media(rtmp::msg::audio, 0, {0xAF, 0x00, 0x12, 0x10}));
  st.publishing = true;

  const auto start = Clock::now();
  const auto video_step = std::chrono::duration<double>(1.0 / fps);
  const auto audio_step = std::chrono::duration<double>(1024.0 / 44100.0);
  const std::uint64_t gop = static_cast<std::uint64_t>(std::max(1.0, 2 * fps));
  std::uint64_t nv = 0, na = 0;
  asio::steady_timer t(ex);
  while (!totals.stop) {
    const auto due_v = start + std::chrono::duration_cast<Clock::duration>(video_step * nv);
    const auto due_a = start + std::chrono::duration_cast<Clock::duration>(audio_step * na);
    const bool video = due_v <= due_a;
    t.expires_at(video ? due_v : due_a);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    if (client.state() != rtmp::Client::State::publishing) {
      st.error = "publisher disconnected";
      st.failed = true;
      co_return;
    }
    rtmp::Bytes b;
    std::uint32_t ts;
    if (video) {
      const bool key = nv % gop == 0;
      const std::size_t size = std::max(key ? key_bytes : frame_bytes, kVideoStampAt + 32);
      b.resize(size, 0x5A);
      const std::size_t nal = size - 9;
      b[0] = key ? 0x17 : 0x27;
      b[1] = 0x01;  // AVC NALU, composition time 0
      b[2] = b[3] = b[4] = 0;
      b[5] = static_cast<std::uint8_t>(nal >> 24);
      b[6] = static_cast<std::uint8_t>(nal >> 16);
      b[7] = static_cast<std::uint8_t>(nal >> 8);
      b[8] = static_cast<std::uint8_t>(nal);
      b[9] = key ? 0x65 : 0x41;  // IDR slice / non-IDR slice
      ts = static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(video_step * nv).count());
      put_stamp(b, kVideoStampAt, static_cast<std::uint32_t>(nv), now_ns());
    } else {
      b.resize(256, 0x21);
      b[0] = 0xAF;
      b[1] = 0x01;  // AAC raw
      ts = static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(audio_step * na).count());
      put_stamp(b, kAudioStampAt, static_cast<std::uint32_t>(na), now_ns());
    }
    auto sr = client.send_message(media(video ? rtmp::msg::video : rtmp::msg::audio, ts, b));
    if (!sr) ++st.full;  // output_full: the server does not keep up; the frame is dropped
    if (video) {
      ++nv;
      ++st.video;
    } else {
      ++na;
      ++st.audio;
    }
  }
  co_await client.async_close();
}

void print(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void raise_nofile() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rtmp-load: play one RTMP URL N times from one process"};
  std::string url, churn;
  std::size_t players = 100, key_bytes = 32'000, frame_bytes = 7'500;
  unsigned threads = 1;
  double duration = 20, interval = 5, ramp = 200, warmup = 3, fps = 30;
  bool publish = false, latency = false, idle = false;
  app.add_option("url", url, "rtmp://host:port/app/key")->required();
  app.add_option("-n,--players", players, "Players")->capture_default_str();
  app.add_option("--threads", threads, "I/O threads")->capture_default_str();
  app.add_option("--duration", duration, "Seconds to play once every player is on")
      ->capture_default_str();
  app.add_option("--interval", interval, "Seconds between reports")->capture_default_str();
  app.add_option("--ramp", ramp, "Players connected per second")->capture_default_str();
  app.add_flag("--publish", publish, "Also publish a synthetic stream to the URL (own thread)");
  app.add_flag("--latency", latency, "Report receive - send time of the synthetic stream");
  app.add_option("--warmup", warmup, "Seconds after all play before latency counts")
      ->capture_default_str();
  app.add_option("--fps", fps, "Synthetic stream frame rate")->capture_default_str();
  app.add_option("--key-bytes", key_bytes, "Synthetic keyframe size")->capture_default_str();
  app.add_option("--frame-bytes", frame_bytes, "Synthetic non-key frame size")
      ->capture_default_str();
  app.add_flag("--idle", idle, "Players wait on a key nobody publishes (no read timeout)");
  app.add_option("--churn", churn, "MIN:MAX seconds per session; players join and leave");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::err);
  raise_nofile();
  double churn_min = 0, churn_max = 0;
  if (!churn.empty() && (std::sscanf(churn.c_str(), "%lf:%lf", &churn_min, &churn_max) != 2 ||
                         churn_min <= 0 || churn_max < churn_min)) {
    std::cerr << "rtmp-load: --churn MIN:MAX with 0 < MIN <= MAX\n";
    return 2;
  }

  Totals totals;
  // The publisher runs on its own thread so that the players' work does not delay it.
  asio::io_context pub_ioc;
  PublisherStats pub;
  std::thread pub_thread;
  if (publish) {
    asio::co_spawn(pub_ioc, run_publisher(url, pub, totals, fps, key_bytes, frame_bytes),
                   asio::detached);
    pub_thread = std::thread([&] { pub_ioc.run(); });
    const auto t = Clock::now();
    while (!pub.publishing && !pub.failed && Clock::now() - t < std::chrono::seconds(30))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!pub.publishing) {
      std::cerr << "rtmp-load: publish failed: " << pub.error << "\n";
      totals.stop = true;
      pub_thread.join();
      return 1;
    }
  }

  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < std::max(1u, threads); ++i) pool.emplace_back([&] { ioc.run(); });

  const rtmp::ClientOptions options = player_options(idle);
  std::vector<std::unique_ptr<Player>> ps;
  auto t_start = Clock::now();
  if (!churn.empty()) {
    for (std::size_t i = 0; i < players; ++i)
      asio::co_spawn(asio::make_strand(ioc),
                     run_churn(url, options, totals, churn_min, churn_max,
                               static_cast<unsigned>(i * 7919 + 1)),
                     asio::detached);
    print("{\"event\":\"playing\",\"players\":" + std::to_string(players) + ",\"failed\":0}");
  } else {
    for (std::size_t i = 0; i < players; ++i) {
      ps.push_back(std::make_unique<Player>());
      ps.back()->stamps = latency;
      ps.back()->totals = &totals;
    }
    for (std::size_t i = 0; i < players; ++i) {
      asio::co_spawn(asio::make_strand(ioc), run_player(url, options, *ps[i], totals),
                     asio::detached);
      if (ramp > 0) std::this_thread::sleep_for(std::chrono::duration<double>(1.0 / ramp));
    }
    while (totals.playing + totals.failed < players &&
           Clock::now() - t_start < std::chrono::seconds(120))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    print("{\"event\":\"playing\",\"players\":" + std::to_string(totals.playing.load()) +
          ",\"failed\":" + std::to_string(totals.failed.load()) + ",\"ramp_s\":" +
          std::to_string(std::chrono::duration<double>(Clock::now() - t_start).count()) + "}");
  }
  if (latency) totals.measure_from = now_ns() + static_cast<std::uint64_t>(warmup * 1e9);

  auto snapshot = [&] {
    std::vector<std::uint64_t> b;
    for (auto& p : ps) b.push_back(p->bytes.load());
    return b;
  };
  auto report = [&](const char* event, const std::vector<std::uint64_t>& from,
                    const std::vector<std::uint64_t>& to, double secs) {
    std::uint64_t total = 0, lo = UINT64_MAX, hi = 0;
    std::size_t ended = 0;
    for (std::size_t i = 0; i < ps.size(); ++i) {
      std::uint64_t d = to[i] - from[i];
      total += d;
      if (ps[i]->playing) {
        lo = std::min(lo, d);
        hi = std::max(hi, d);
      }
      ended += ps[i]->ended;
    }
    if (lo == UINT64_MAX) lo = 0;
    char line[768];
    int n = std::snprintf(line, sizeof line,
                          "{\"event\":\"%s\",\"seconds\":%.2f,\"players\":%zu,\"ended\":%zu,"
                          "\"total_mbps\":%.2f,\"min_player_mbps\":%.3f,\"max_player_mbps\":%.3f",
                          event, secs, totals.playing.load(), ended, total * 8 / secs / 1e6,
                          lo * 8 / secs / 1e6, hi * 8 / secs / 1e6);
    if (!churn.empty())
      n += std::snprintf(line + n, sizeof line - n,
                         ",\"sessions\":%llu,\"current\":%llu,\"completed\":%llu,"
                         "\"connect_failed\":%llu,\"incomplete\":%llu",
                         static_cast<unsigned long long>(totals.sessions.load()),
                         static_cast<unsigned long long>(totals.current.load()),
                         static_cast<unsigned long long>(totals.completed.load()),
                         static_cast<unsigned long long>(totals.connect_failed.load()),
                         static_cast<unsigned long long>(totals.incomplete.load()));
    std::snprintf(line + n, sizeof line - n, "}");
    print(line);
  };
  auto t0 = Clock::now();
  auto first = snapshot(), last = first;
  auto t_last = t0;
  while (Clock::now() - t0 < std::chrono::duration<double>(duration)) {
    std::this_thread::sleep_for(std::chrono::duration<double>(
        std::min(interval, duration - std::chrono::duration<double>(Clock::now() - t0).count())));
    auto now = Clock::now();
    auto cur = snapshot();
    report("report", last, cur, std::chrono::duration<double>(now - t_last).count());
    last = cur;
    t_last = now;
  }
  report("done", first, last, std::chrono::duration<double>(t_last - t0).count());
  for (auto& p : ps)
    if (!p->error.empty() && !p->playing) {
      std::cerr << "rtmp-load: a player failed: " << p->error << "\n";
      break;
    }
  totals.stop = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  work.reset();
  ioc.stop();
  for (auto& t : pool) t.join();
  if (publish) pub_thread.join();

  if (latency) {
    // Players are stopped: their samples can be read.
    std::vector<std::uint32_t> all, track[2];
    std::uint64_t gaps = 0, stamped = 0;
    std::size_t without = 0;
    for (auto& p : ps) {
      for (int k = 0; k < 2; ++k) {
        all.insert(all.end(), p->latency_us[k].begin(), p->latency_us[k].end());
        track[k].insert(track[k].end(), p->latency_us[k].begin(), p->latency_us[k].end());
      }
      gaps += p->gaps;
      stamped += p->stamped;
      without += p->latency_us[0].empty() && p->latency_us[1].empty();
    }
    auto pct = [](std::vector<std::uint32_t>& v, double q) -> double {
      if (v.empty()) return -1;
      auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
      return v[k] / 1000.0;
    };
    char line[640];
    std::snprintf(line, sizeof line,
                  "{\"event\":\"latency\",\"samples\":%zu,\"median_ms\":%.3f,\"p99_ms\":%.3f,"
                  "\"max_ms\":%.3f,\"video_median_ms\":%.3f,\"video_p99_ms\":%.3f,"
                  "\"audio_median_ms\":%.3f,\"audio_p99_ms\":%.3f,\"gaps\":%llu,\"stamped\":%llu,"
                  "\"players_without_samples\":%zu}",
                  all.size(), pct(all, 0.5), pct(all, 0.99), pct(all, 1.0), pct(track[0], 0.5),
                  pct(track[0], 0.99), pct(track[1], 0.5), pct(track[1], 0.99),
                  static_cast<unsigned long long>(gaps), static_cast<unsigned long long>(stamped),
                  without);
    print(line);
  }
  if (publish) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "{\"event\":\"publisher\",\"video\":%llu,\"audio\":%llu,\"dropped\":%llu,"
                  "\"error\":\"%s\"}",
                  static_cast<unsigned long long>(pub.video.load()),
                  static_cast<unsigned long long>(pub.audio.load()),
                  static_cast<unsigned long long>(pub.full.load()), pub.failed ? "yes" : "");
    print(line);
  }
  const bool bad = totals.failed > 0 || pub.failed;
  return bad ? 1 : 0;
}
