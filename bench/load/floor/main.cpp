// rtmp-fanout-floor: what the kernel alone costs to deliver a live stream to N loopback TCP
// players, the floor under any RTMP server's CPU per player. The parent sends the same
// bytes to N accepted sockets with one writev per write interval (no RTMP, no event loop
// beyond a sleep); a forked child reads and discards them (its CPU is not counted). Prints
// the sender's CPU seconds (utime + stime) per player per stream-second. bench/load/run.py
// --floor puts it in the fan-out table next to both servers.
//
//   build/release/bench/rtmp-fanout-floor --players 300 --seconds 15 --rate 2000000 --writes 30
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The child: connects n players and reads until the parent closes them.
[[noreturn]] void receivers(std::uint16_t port, int n) {
  int ep = epoll_create1(0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < n; ++i) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) _exit(2);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = s;
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
  }
  std::vector<char> buf(256 * 1024);
  std::vector<epoll_event> ev(256);
  int open = n;
  while (open > 0) {
    int k = epoll_wait(ep, ev.data(), static_cast<int>(ev.size()), -1);
    for (int i = 0; i < k; ++i) {
      ssize_t r = read(ev[i].data.fd, buf.data(), buf.size());
      if (r <= 0) {
        close(ev[i].data.fd);
        --open;
      }
    }
  }
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  int players = 300;
  double seconds = 15, rate = 2000000;  // bits per second per player
  int writes = 30;                      // writev calls per player per second
  int iov = 2;                          // buffers per writev (e.g. video + audio message)
  int nodelay = 1;                      // TCP_NODELAY on the sending sockets
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    double v = std::atof(argv[i + 1]);
    if (k == "--players")
      players = static_cast<int>(v);
    else if (k == "--seconds")
      seconds = v;
    else if (k == "--rate")
      rate = v;
    else if (k == "--writes")
      writes = static_cast<int>(v);
    else if (k == "--iov")
      iov = static_cast<int>(v);
    else if (k == "--nodelay")
      nodelay = static_cast<int>(v);
  }
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(ls, 4096) != 0 ||
      getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    return 1;
  pid_t child = fork();
  if (child == 0) receivers(ntohs(a.sin_port), players);
  std::vector<int> fds;
  for (int i = 0; i < players; ++i) {
    int s = accept(ls, nullptr, nullptr);
    if (s < 0) return 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
    fds.push_back(s);
  }
  // One shared payload per write interval, split into `iov` pieces (no per-player copy).
  const std::size_t per_write = static_cast<std::size_t>(rate / 8 / writes);
  std::vector<char> payload(per_write, 'x');
  std::vector<iovec> vec(static_cast<std::size_t>(iov));
  for (int j = 0; j < iov; ++j) {
    std::size_t b = per_write * static_cast<std::size_t>(j) / static_cast<std::size_t>(iov);
    std::size_t e = per_write * static_cast<std::size_t>(j + 1) / static_cast<std::size_t>(iov);
    vec[static_cast<std::size_t>(j)] = {payload.data() + b, e - b};
  }
  const auto interval = std::chrono::duration<double>(1.0 / writes);
  const auto start = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  long short_writes = 0, calls = 0;
  for (long tick = 0;; ++tick) {
    auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           interval * static_cast<double>(tick));
    if (due - start >= std::chrono::duration<double>(seconds)) break;
    std::this_thread::sleep_until(due);
    for (int s : fds) {
      ssize_t n = writev(s, vec.data(), iov);
      ++calls;
      if (n != static_cast<ssize_t>(per_write)) ++short_writes;
    }
  }
  const double cpu = cpu_seconds() - cpu0;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int s : fds) close(s);
  waitpid(child, nullptr, 0);
  std::printf(
      "players=%d rate=%.0f b/s writes/s=%d iov=%d nodelay=%d seconds=%.2f cpu_s=%.3f "
      "cpu_per_player_stream_s=%.3e writev=%ld short=%ld\n",
      players, rate, writes, iov, nodelay, wall, cpu, cpu / (players * wall), calls, short_writes);
  return short_writes == 0 ? 0 : 3;
}
