// rtmp-load: plays one RTMP URL N times from one process (rtmp::Client, raw messages, no
// demux) and reports what the players received. A load generator for rtmp-server and
// nginx-rtmp (bench/load/run.py measures the server's CPU and RSS meanwhile).
//
// Output on stdout, one JSON object per line: {"event":"playing","players":N} once all
// players got NetStream.Play.Start, then {"event":"report",...} every --interval seconds
// and {"event":"done",...} at the end.
#include "rtmp/client.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct Player final : rtmp::ClientHandler {
  std::atomic<std::uint64_t> bytes{0}, messages{0};
  std::atomic<bool> playing{false}, ended{false};
  std::string error;

  void on_message(const rtmp::Message& m) override {
    bytes.fetch_add(m.size(), std::memory_order_relaxed);
    messages.fetch_add(1, std::memory_order_relaxed);
  }
  void on_disconnect(const rtmp::Error& reason) override {
    if (error.empty()) error = reason.message();
    ended = true;
  }
};

struct Totals {
  std::atomic<std::size_t> playing{0}, failed{0};
  std::atomic<bool> stop{false};
};

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

void print(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rtmp-load: play one RTMP URL N times from one process"};
  std::string url;
  std::size_t players = 100;
  unsigned threads = 1;
  double duration = 20, interval = 5, ramp = 200;
  app.add_option("url", url, "rtmp://host:port/app/key")->required();
  app.add_option("-n,--players", players, "Players")->capture_default_str();
  app.add_option("--threads", threads, "I/O threads")->capture_default_str();
  app.add_option("--duration", duration, "Seconds to play once every player is on")
      ->capture_default_str();
  app.add_option("--interval", interval, "Seconds between reports")->capture_default_str();
  app.add_option("--ramp", ramp, "Players connected per second")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::err);

  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < std::max(1u, threads); ++i) pool.emplace_back([&] { ioc.run(); });

  rtmp::ClientOptions options;
  options.demux = false;
  options.player = true;
  options.read_timeout = std::chrono::milliseconds(30'000);
  options.connect_timeout = std::chrono::milliseconds(30'000);
  options.handshake_timeout = std::chrono::milliseconds(30'000);
  std::vector<std::unique_ptr<Player>> ps;
  for (std::size_t i = 0; i < players; ++i) ps.push_back(std::make_unique<Player>());
  Totals totals;

  auto t_start = Clock::now();
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
    char line[512];
    std::snprintf(line, sizeof line,
                  "{\"event\":\"%s\",\"seconds\":%.2f,\"players\":%zu,\"ended\":%zu,"
                  "\"total_mbps\":%.2f,\"min_player_mbps\":%.3f,\"max_player_mbps\":%.3f}",
                  event, secs, totals.playing.load(), ended, total * 8 / secs / 1e6,
                  lo * 8 / secs / 1e6, hi * 8 / secs / 1e6);
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
  return totals.failed > 0 ? 1 : 0;
}
