// http-load: N HTTP clients of one live stream from one process (Boost.Beast), the HTTP
// counterpart of rtmp-load. The stream is rtmp-load's synthetic one (rtmp-load --publish):
// every frame carries a sequence number and its send time, so the clients count the frames
// they missed and, with --latency, how long after its send each frame reached them.
//
// Modes (one per run):
//   flv      GET URL (/APP/KEY.flv) and read the live FLV until the end.
//   hls      a classic player: URL is the playlist; fetch init, then poll the playlist
//            (after a target duration when it changed, half of one when not, as RFC 8216
//            asks) and fetch every new segment, starting at the newest one.
//   llhls    an LL-HLS player: fetch the preload-hinted part (it blocks until the part is
//            complete), then a blocking playlist reload (_HLS_msn/_HLS_part) for that part,
//            fetch any listed part it has not got yet, and again with the next hint.
//
// Output on stdout, one JSON object per line: {"event":"playing",...} once every client got
// its first response, then {"event":"done",...} after --duration more seconds.
#include "http_media.hpp"

#include <sys/resource.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

struct Shared {
  tcp::endpoint server;
  std::string host;
  std::chrono::seconds timeout{20};
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> started{0}, failed{0};
  std::atomic<std::uint64_t> measure_from{UINT64_MAX};
  bool latency = false;
};

struct Track {
  std::int64_t last = -1;
  std::uint64_t gaps = 0;
};

// One client's counters; touched only by its own coroutine until the io threads stop.
struct Stats {
  std::uint64_t bytes = 0, requests = 0, errors = 0, connects = 0, files = 0, misses = 0;
  std::uint64_t hint_fail = 0, frames = 0;
  Track video, audio;
  std::vector<std::uint32_t> lat_us, video_lat_us;
  bool started = false;
};

void on_stamp(Stats& st, const Shared& sh, const http_load::Stamp& s, std::uint64_t now) {
  Track& t = s.video ? st.video : st.audio;
  if (t.last >= 0 && s.seq > t.last + 1) t.gaps += s.seq - static_cast<std::uint64_t>(t.last) - 1;
  if (static_cast<std::int64_t>(s.seq) > t.last) t.last = s.seq;
  ++st.frames;
  if (!sh.latency || s.ns < sh.measure_from.load(std::memory_order_relaxed) || now < s.ns) return;
  const auto us = static_cast<std::uint32_t>((now - s.ns) / 1000);
  st.lat_us.push_back(us);
  if (s.video) st.video_lat_us.push_back(us);
}

void mark_started(Stats& st, Shared& sh) {
  if (!st.started) {
    st.started = true;
    ++sh.started;
  }
}

// One keep-alive HTTP/1.1 connection; reconnects when the server closed it.
class Conn {
 public:
  Conn(asio::any_io_executor ex, Shared& sh, Stats& st) : stream_(ex), sh_(sh), st_(st) {}

  // GET target into body; the status, or 0 when the request failed twice.
  asio::awaitable<unsigned> get(const std::string& target, std::string& body) {
    for (int attempt = 0; attempt < 2 && !sh_.stop; ++attempt) {
      if (!open_ && !co_await connect()) co_return 0;
      http::request<http::empty_body> req{http::verb::get, target, 11};
      req.set(http::field::host, sh_.host);
      stream_.expires_after(sh_.timeout);
      auto [we, wn] = co_await http::async_write(stream_, req, tuple_awaitable);
      http::response_parser<http::string_body> p;
      p.body_limit(256u << 20);
      if (!we) {
        auto [re, rn] = co_await http::async_read(stream_, buf_, p, tuple_awaitable);
        if (!re) {
          ++st_.requests;
          st_.bytes += rn;
          if (!p.keep_alive()) close();
          body = std::move(p.get().body());
          co_return p.get().result_int();
        }
      }
      close();
    }
    ++st_.errors;
    co_return 0;
  }

  // GET target and hand every body slice to on(data, n) until the stream ends or stop.
  template <class F>
  asio::awaitable<unsigned> stream(const std::string& target, F on) {
    if (!open_ && !co_await connect()) co_return 0;
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, sh_.host);
    stream_.expires_after(sh_.timeout);
    auto [we, wn] = co_await http::async_write(stream_, req, tuple_awaitable);
    http::response_parser<http::buffer_body> p;
    p.body_limit(boost::none);
    if (!we) std::tie(we, wn) = co_await http::async_read_header(stream_, buf_, p, tuple_awaitable);
    if (we) {
      ++st_.errors;
      co_return 0;
    }
    ++st_.requests;
    const unsigned status = p.get().result_int();
    std::vector<std::uint8_t> chunk(64 * 1024);
    while (status == 200 && !p.is_done() && !sh_.stop) {
      p.get().body().data = chunk.data();
      p.get().body().size = chunk.size();
      stream_.expires_after(sh_.timeout);
      // read_some: hand over what arrived now, not once 64 KB are in (that would add latency).
      auto [re, rn] = co_await http::async_read_some(stream_, buf_, p, tuple_awaitable);
      if (re && re != http::error::need_buffer) {
        if (!sh_.stop) ++st_.errors;
        break;
      }
      const std::size_t n = chunk.size() - p.get().body().size;
      st_.bytes += n;
      on(chunk.data(), n);
    }
    close();
    co_return status;
  }

 private:
  asio::awaitable<bool> connect() {
    stream_.expires_after(sh_.timeout);
    auto [e] = co_await stream_.async_connect(sh_.server, tuple_awaitable);
    if (e) {
      ++st_.errors;
      co_return false;
    }
    stream_.socket().set_option(tcp::no_delay(true));
    ++st_.connects;
    open_ = true;
    buf_.clear();
    co_return true;
  }
  void close() {
    beast::error_code ec;
    stream_.socket().close(ec);
    open_ = false;
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  bool open_ = false;
  Shared& sh_;
  Stats& st_;
};

std::string dir_of(const std::string& path) {
  return path.substr(0, path.rfind('/') + 1);
}

std::string resolve(const std::string& base, const std::string& uri) {
  return !uri.empty() && uri[0] == '/' ? uri : base + uri;
}

asio::awaitable<void> sleep_for(double seconds) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
  co_await t.async_wait(tuple_awaitable);
}

void scan(Stats& st, const Shared& sh, const std::string& body) {
  const auto now = now_ns();
  http_load::scan_stamps(body, [&](const http_load::Stamp& s) { on_stamp(st, sh, s, now); });
}

asio::awaitable<void> run_flv(std::string path, Shared& sh, Stats& st) {
  Conn c(co_await asio::this_coro::executor, sh, st);
  http_load::FlvStamps flv;
  const auto status = co_await c.stream(path, [&](const std::uint8_t* p, std::size_t n) {
    mark_started(st, sh);
    const auto now = now_ns();
    flv.feed(p, n, [&](const http_load::Stamp& s) { on_stamp(st, sh, s, now); });
  });
  if (status != 200 && !st.started) ++sh.failed;
  st.files = flv.tags();
}

// The playlist, parsed; false (counted as an error) when it is not one.
asio::awaitable<bool> load_playlist(Conn& c, const std::string& target, Stats& st,
                                    http_load::Playlist& pl) {
  std::string body;
  const auto status = co_await c.get(target, body);
  if (status == 200 && http_load::parse_playlist(body, pl)) co_return true;
  if (status != 0) ++st.errors;
  co_return false;
}

asio::awaitable<bool> start(Conn& c, const std::string& path, Shared& sh, Stats& st,
                            http_load::Playlist& pl) {
  std::string body;
  for (int tries = 0; tries < 50 && !sh.stop; ++tries) {
    if (co_await load_playlist(c, path, st, pl) && !pl.segments.empty()) {
      if (!pl.map_uri.empty()) co_await c.get(resolve(dir_of(path), pl.map_uri), body);
      mark_started(st, sh);
      co_return true;
    }
    co_await sleep_for(0.2);
  }
  ++sh.failed;
  co_return false;
}

asio::awaitable<void> run_hls(std::string path, Shared& sh, Stats& st) {
  Conn c(co_await asio::this_coro::executor, sh, st);
  http_load::Playlist pl;
  if (!co_await start(c, path, sh, st, pl)) co_return;
  const std::string base = dir_of(path);
  std::uint64_t next = pl.segments.back().first;
  std::string body;
  while (!sh.stop) {
    bool changed = false;
    if (!pl.segments.empty() && pl.segments.front().first > next) {
      st.misses += pl.segments.front().first - next;
      next = pl.segments.front().first;
    }
    for (const auto& [msn, uri] : pl.segments) {
      if (msn < next || sh.stop) continue;
      if (co_await c.get(resolve(base, uri), body) != 200) break;
      scan(st, sh, body);
      ++st.files;
      next = msn + 1;
      changed = true;
    }
    if (pl.ended) break;
    co_await sleep_for(changed ? pl.target_s : pl.target_s / 2);
    while (!sh.stop && !co_await load_playlist(c, path, st, pl)) co_await sleep_for(0.5);
  }
}

asio::awaitable<void> run_llhls(std::string path, Shared& sh, Stats& st) {
  Conn c(co_await asio::this_coro::executor, sh, st);
  http_load::Playlist pl;
  if (!co_await start(c, path, sh, st, pl)) co_return;
  const std::string base = dir_of(path);
  // Start at the first hinted part; `last` is the key of the newest part fetched.
  std::uint64_t last = pl.has_hint ? http_load::part_key(pl.hint.msn, pl.hint.index) - 1 : 0;
  std::string body;
  auto got = [&](std::uint64_t msn, unsigned index) {
    const auto key = http_load::part_key(msn, index);
    if (last != 0 && key > last + 1) {  // not the next part of the same segment
      const auto last_msn = last / 100000;
      st.misses += msn == last_msn ? key - last - 1 : msn == last_msn + 1 ? index : 1;
    }
    last = key;
    scan(st, sh, body);
    ++st.files;
  };
  while (!sh.stop && !pl.ended) {
    std::string reload = path;
    if (pl.has_hint) {
      const auto h = pl.hint;
      if (co_await c.get(resolve(base, h.uri), body) == 200) {
        if (http_load::part_key(h.msn, h.index) > last) got(h.msn, h.index);
      } else {
        ++st.hint_fail;
      }
      reload += "?_HLS_msn=" + std::to_string(h.msn) + "&_HLS_part=" + std::to_string(h.index);
    } else {
      co_await sleep_for(0.05);
    }
    if (!co_await load_playlist(c, reload, st, pl)) {
      co_await sleep_for(0.1);
      while (!sh.stop && !co_await load_playlist(c, path, st, pl)) co_await sleep_for(0.2);
    }
    for (const auto& part : pl.parts) {  // parts listed that it has not got (a failed hint)
      if (sh.stop || http_load::part_key(part.msn, part.index) <= last) continue;
      if (co_await c.get(resolve(base, part.uri), body) != 200) break;
      got(part.msn, part.index);
    }
  }
}

struct Percentiles {
  double median_ms = -1, p99_ms = -1, max_ms = -1;
};

Percentiles percentiles(std::vector<std::uint32_t>& v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  p.median_ms = v[v.size() / 2] / 1000.0;
  p.p99_ms = v[std::min(v.size() - 1, v.size() * 99 / 100)] / 1000.0;
  p.max_ms = v.back() / 1000.0;
  return p;
}

void print(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string report(const std::string& mode, std::vector<Stats>& stats, const Shared& sh,
                   double seconds) {
  Stats sum;
  std::uint64_t files_min = UINT64_MAX, files_max = 0;
  for (auto& s : stats) {
    sum.bytes += s.bytes, sum.requests += s.requests, sum.errors += s.errors;
    sum.connects += s.connects, sum.files += s.files, sum.misses += s.misses;
    sum.hint_fail += s.hint_fail, sum.frames += s.frames;
    sum.video.gaps += s.video.gaps, sum.audio.gaps += s.audio.gaps;
    files_min = std::min(files_min, s.files), files_max = std::max(files_max, s.files);
    sum.lat_us.insert(sum.lat_us.end(), s.lat_us.begin(), s.lat_us.end());
    sum.video_lat_us.insert(sum.video_lat_us.end(), s.video_lat_us.begin(), s.video_lat_us.end());
  }
  const auto all = percentiles(sum.lat_us), video = percentiles(sum.video_lat_us);
  char out[1024];
  std::snprintf(
      out, sizeof out,
      "{\"event\":\"done\",\"mode\":\"%s\",\"clients\":%zu,\"started\":%zu,\"failed\":%zu,"
      "\"seconds\":%.3f,\"requests\":%llu,\"bytes\":%llu,\"mbps\":%.1f,\"files\":%llu,"
      "\"files_min\":%llu,\"files_max\":%llu,\"misses\":%llu,\"video_gaps\":%llu,"
      "\"audio_gaps\":%llu,\"frames\":%llu,\"errors\":%llu,\"connects\":%llu,\"hint_fail\":%llu,"
      "\"samples\":%zu,\"median_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,"
      "\"video_median_ms\":%.2f,\"video_p99_ms\":%.2f}",
      mode.c_str(), stats.size(), sh.started.load(), sh.failed.load(), seconds,
      static_cast<unsigned long long>(sum.requests), static_cast<unsigned long long>(sum.bytes),
      sum.bytes * 8 / 1e6 / std::max(seconds, 1e-9), static_cast<unsigned long long>(sum.files),
      static_cast<unsigned long long>(stats.empty() ? 0 : files_min),
      static_cast<unsigned long long>(files_max), static_cast<unsigned long long>(sum.misses),
      static_cast<unsigned long long>(sum.video.gaps),
      static_cast<unsigned long long>(sum.audio.gaps), static_cast<unsigned long long>(sum.frames),
      static_cast<unsigned long long>(sum.errors), static_cast<unsigned long long>(sum.connects),
      static_cast<unsigned long long>(sum.hint_fail), sum.lat_us.size(), all.median_ms, all.p99_ms,
      all.max_ms, video.median_ms, video.p99_ms);
  return out;
}

bool parse_url(const std::string& url, Shared& sh, std::string& path) {
  unsigned a = 0, b = 0, c = 0, d = 0, port = 0;
  char rest[2048] = "/";
  if (std::sscanf(url.c_str(), "http://%u.%u.%u.%u:%u%2047s", &a, &b, &c, &d, &port, rest) < 5)
    return false;
  sh.host = std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." +
            std::to_string(d) + ":" + std::to_string(port);
  beast::error_code ec;
  sh.server = tcp::endpoint(asio::ip::make_address(sh.host.substr(0, sh.host.rfind(':')), ec),
                            static_cast<std::uint16_t>(port));
  path = rest;
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"http-load: N HTTP-FLV or HLS clients of one stream from one process"};
  std::string url, mode = "flv";
  std::size_t clients = 100;
  unsigned threads = 1;
  double duration = 20, ramp = 200, warmup = 3;
  Shared sh;
  app.add_option("url", url, "http://IP:PORT/APP/KEY.flv or .../index.m3u8")->required();
  app.add_option("--mode", mode, "flv, hls or llhls")->capture_default_str();
  app.add_option("-n,--clients", clients, "Clients")->capture_default_str();
  app.add_option("--threads", threads, "I/O threads")->capture_default_str();
  app.add_option("--duration", duration, "Seconds once every client started")
      ->capture_default_str();
  app.add_option("--ramp", ramp, "Clients started per second")->capture_default_str();
  app.add_flag("--latency", sh.latency, "Collect receive - send time of every frame");
  app.add_option("--warmup", warmup, "Seconds after all started before latency counts")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::string path;
  if (!parse_url(url, sh, path) || (mode != "flv" && mode != "hls" && mode != "llhls")) {
    std::cerr << "http-load: need an http://IP:PORT/ URL and --mode flv|hls|llhls\n";
    return 2;
  }
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  std::vector<Stats> stats(clients);
  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < std::max(1u, threads); ++i) pool.emplace_back([&] { ioc.run(); });
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < clients; ++i) {
    auto run = mode == "flv" ? run_flv : mode == "hls" ? run_hls : run_llhls;
    asio::co_spawn(asio::make_strand(ioc), run(path, sh, stats[i]), asio::detached);
    if (ramp > 0) std::this_thread::sleep_for(std::chrono::duration<double>(1.0 / ramp));
  }
  while (sh.started + sh.failed < clients && Clock::now() - t0 < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  print("{\"event\":\"playing\",\"clients\":" + std::to_string(sh.started.load()) +
        ",\"failed\":" + std::to_string(sh.failed.load()) + ",\"ramp_s\":" +
        std::to_string(std::chrono::duration<double>(Clock::now() - t0).count()) + "}");
  const auto t1 = Clock::now();
  sh.measure_from = now_ns() + static_cast<std::uint64_t>(warmup * 1e9);
  std::this_thread::sleep_for(std::chrono::duration<double>(duration));
  sh.stop = true;
  const double seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  ioc.stop();
  for (auto& t : pool) t.join();
  print(report(mode, stats, sh, seconds));
  std::_Exit(0);  // skips tearing down N suspended coroutines
}
