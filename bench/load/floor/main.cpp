// rtmp-fanout-floor: the kernel's share of a fan-out, with no server in it. One process
// writes the same bytes to N loopback TCP connections (TCP_NODELAY, non-blocking, like
// rtmp-server's player sockets) at W writes per connection per second; a child process
// reads them all. The writer's CPU seconds per connection-second are what any server pays
// to deliver that byte rate in that many writes on this machine: the floor under
// bench/load/run.py's fan-out figures (run.py --floor puts it in the same table).
//
// Output: one JSON line {"players","writes_per_s","kbps","seconds","cpu_s",
// "cpu_per_player_s","short_writes"}.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](timeval t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// The child: connects `n` times and reads everything until the parent closes.
[[noreturn]] void reader(std::uint16_t port, unsigned n) {
  int ep = epoll_create1(0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (unsigned i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect");
    fcntl(fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{EPOLLIN, {.fd = fd}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  std::vector<char> buf(1 << 16);
  std::vector<epoll_event> evs(256);
  unsigned open = n;
  while (open > 0) {
    int k = epoll_wait(ep, evs.data(), int(evs.size()), -1);
    for (int i = 0; i < k; ++i) {
      int fd = evs[i].data.fd;
      ssize_t r;
      while ((r = read(fd, buf.data(), buf.size())) > 0) {
      }
      if (r == 0) {
        close(fd);
        --open;
      }
    }
  }
  std::_Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned players = 300, writes = 30, kbps = 2000;
  double seconds = 10, warmup = 1;
  CLI::App app("rtmp-fanout-floor: kernel CPU of writing one stream to N loopback sockets");
  app.add_option("--players", players)->capture_default_str();
  app.add_option("--writes", writes, "writes per connection per second")->capture_default_str();
  app.add_option("--kbps", kbps, "stream rate per connection (kbit/s)")->capture_default_str();
  app.add_option("--seconds", seconds, "measured window")->capture_default_str();
  app.add_option("--warmup", warmup, "seconds before the window")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (players == 0 || writes == 0) return 2;

  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);

  int lst = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(lst, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(lst, 4096) != 0 ||
      getsockname(lst, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    die("listen");
  pid_t child = fork();
  if (child == 0) reader(ntohs(a.sin_port), players);

  std::vector<int> fds;
  for (unsigned i = 0; i < players; ++i) {
    int fd = accept(lst, nullptr, nullptr);
    if (fd < 0) die("accept");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    fds.push_back(fd);
  }
  // Two segments per write, as a server gathers a chunk header and a shared payload.
  const std::size_t per_write = std::size_t(kbps) * 1000 / 8 / writes;
  std::vector<char> head(12, 'h'), body(per_write > 12 ? per_write - 12 : 1, 'b');
  iovec iov[2] = {{head.data(), head.size()}, {body.data(), body.size()}};

  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::nanoseconds(1'000'000'000 / writes);
  const auto start = clock::now();
  const auto window = start + std::chrono::duration_cast<clock::duration>(
                                  std::chrono::duration<double>(warmup));
  const auto end = window + std::chrono::duration_cast<clock::duration>(
                                std::chrono::duration<double>(seconds));
  double cpu0 = 0;
  bool measuring = false;
  unsigned long short_writes = 0;
  for (auto next = start; next < end; next += period) {
    std::this_thread::sleep_until(next);
    if (!measuring && next >= window) {
      measuring = true;
      cpu0 = cpu_seconds();
    }
    for (int fd : fds) {
      ssize_t n = writev(fd, iov, 2);
      if (n < ssize_t(head.size() + body.size())) ++short_writes;
    }
  }
  const double cpu = cpu_seconds() - cpu0;
  for (int fd : fds) close(fd);
  waitpid(child, nullptr, 0);
  std::printf(
      "{\"players\":%u,\"writes_per_s\":%u,\"kbps\":%u,\"seconds\":%.1f,\"cpu_s\":%.3f,"
      "\"cpu_per_player_s\":%.4e,\"short_writes\":%lu}\n",
      players, writes, kbps, seconds, cpu, cpu / (players * seconds), short_writes);
  return 0;
}
