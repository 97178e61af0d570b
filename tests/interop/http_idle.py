#!/usr/bin/env python3
"""rtmp-server's HTTP listener under idle and abandoning clients, beside real players.

--case idle: while ffmpeg publishes the 20 s fixture and an HTTP-FLV player plays it, the
  test opens 10,000 TCP connections to --http-port that never send a byte (its own
  RLIMIT_NOFILE raised, which rtmp-server inherits; --http-max-connections 10100). Then:
  - rtmp-server's resident memory above the level before them, per idle connection, must
    stay under --max-kb-per-conn (default 8 KB, 4 times that under ASan; the figure is
    printed, about 6.7 KB on Debian 12 x86-64): a socket, a strand, a timer pair and the
    connection's two coroutine frames with an empty parser each, no buffers;
  - meanwhile an HLS client gets the playlist and a segment (200) within 2 s, and
    /metrics counts the 10,000 in rtmp_http_connections;
  - each idle connection is closed by the server at --http-request-timeout (4 s here):
    none before 3.5 s, all within 4 s + 3 s of being opened, and the gauge falls back;
  - the HTTP-FLV player's file is frame-exact to the fixture from its first keyframe.
--case abort: while the same stream plays to an HTTP-FLV player, 200 times a client asks
  for the newest whole segment with a 4 KB receive buffer, reads 1 KB and closes (the
  unread rest makes it a reset), and 20 times one asks for the playlist's preload-hint
  part (a blocking request) and closes before it exists. The server must log each
  abandoned segment (one line, "closed after N of M bytes"), keep serving (a playlist
  request answers 200 after each batch), come back to the connection count it had before
  (rtmp_http_connections, so no request leaked), keep its memory steady (RSS after the
  200 within 8 MB of after the first 20), and the HTTP-FLV player must be frame-exact.
"""

import os
import re
import resource
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_util as hu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

IDLE = 10_000


def gauge(port):
    st, _, body = hu.get(port, "/metrics")
    m = re.search(r"^rtmp_http_connections (\d+)$", body.decode(), re.M)
    if st != 200 or not m:
        raise rt.TestFailure("/metrics has no rtmp_http_connections gauge")
    return int(m.group(1))


def wait_gauge(port, want, timeout):
    deadline = time.monotonic() + timeout
    while True:
        n = gauge(port)
        if want(n) or time.monotonic() > deadline:
            return n
        time.sleep(0.2)


def sanitized(binary):
    """True for an AddressSanitizer build (its allocator's redzones count in RSS: the cap is
    4 times the plain build's)."""
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def stable_rss(server, wait=1.0):
    """RSS (KiB) once two samples `wait` apart agree within 256 KiB."""
    last = server.sample_rss()
    for _ in range(20):
        time.sleep(wait)
        now = server.sample_rss()
        if abs(now - last) < 256:
            return now
        last = now
    return last


def start_stream(args, work, extra):
    server = ru.Server(args.server, work, ["--http-port", "0"] + extra)
    port = hu.http_port(server)
    out = os.path.join(work, "http.flv")
    reader = hu.FlvGet(port, "/live/k.flv", out)
    server.wait_log(r"http-flv play live/k", 1)
    fixture = ru.fixture(args, "relay_2mbit_20s")
    pub = rt.Process("publisher", ru.publish_cmd(server.url("k"), fixture), work)
    deadline = time.monotonic() + 20
    while hu.get(port, "/live/k/index.m3u8")[0] != 200:
        if time.monotonic() > deadline:
            raise rt.TestFailure("no HLS playlist within 20 s")
        time.sleep(0.2)
    return server, port, reader, out, fixture, pub


def finish_stream(pub, reader, out, fixture):
    if pub.wait(60) != 0:
        raise rt.TestFailure("ffmpeg publisher failed:\n" + pub.logs())
    reader.join(20)
    got = ru.packets(out)
    problems, _ = ru.check_from_first_keyframe(rt.ffprobe_packets(fixture), got, "http-flv",
                                                expect_start="first")
    if not problems:
        print("http-flv player beside them: %s, frame-exact" % ru.summary(got))
    return problems


def newest_segment(port):
    st, _, body = hu.get(port, "/live/k/index.m3u8")
    segs = [ln for ln in body.decode().splitlines() if ln and not ln.startswith("#")]
    hint = re.search(r'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"', body.decode())
    return st, (segs[-1] if segs else None), (hint.group(1) if hint else None)


def open_idle(port, n):
    socks, opened = [], []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        socks.append(s)
        opened.append(time.monotonic())
    return socks, opened


def wait_closed(socks, opened, timeout):
    """Seconds from opening to the server's close, per socket (None: still open)."""
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ, i)
    closed = [None] * len(socks)
    left = len(socks)
    deadline = time.monotonic() + timeout
    while left and time.monotonic() < deadline:
        for key, _ in sel.select(0.2):
            i = key.data
            try:
                data = socks[i].recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                closed[i] = time.monotonic() - opened[i]
                sel.unregister(socks[i])
                left -= 1
    sel.close()
    return closed


def case_idle(args, work):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = IDLE + 1000
    if hard != resource.RLIM_INFINITY and hard < need:
        print("SKIP: RLIMIT_NOFILE hard limit %d < %d (the test and the server each need it)"
              % (hard, need))
        return None
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))  # rtmp-server inherits it
    server, port, reader, out, fixture, pub = start_stream(
        args, work, ["--http-max-connections", str(IDLE + 100), "--http-request-timeout", "4"])
    problems, socks = [], []
    try:
        base_conns = gauge(port)  # the player and the /metrics request itself
        base = stable_rss(server, 0.5)
        t0 = time.monotonic()
        socks, opened = open_idle(port, IDLE)
        print("%d idle connections opened in %.2f s" % (IDLE, time.monotonic() - t0))
        n = wait_gauge(port, lambda v: v >= IDLE + 2, 3)
        if n < IDLE + 2:
            problems.append("the server holds %d connections, expected the player, this request and %d"
                            % (n, IDLE))
        rss = stable_rss(server, 0.3)
        per_conn = (rss - base) * 1024 / IDLE
        print("RSS %d KiB before, %d KiB with %d idle connections: %.0f bytes per connection"
              % (base, rss, IDLE, per_conn))
        cap = args.max_kb_per_conn * (4 if sanitized(args.server) else 1)
        if per_conn > cap * 1024:
            problems.append("%.0f bytes of RSS per idle connection, over %d KB" % (per_conn, cap))
        t1 = time.monotonic()
        st, seg, _ = newest_segment(port)
        st2 = hu.get(port, "/live/k/" + seg)[0] if seg else None
        took = time.monotonic() - t1
        if st != 200 or st2 != 200 or took > 2:
            problems.append("HLS beside the idle connections: playlist %s, segment %s, %.2f s" % (st, st2, took))
        else:
            print("HLS playlist + %s beside them: 200, %.2f s" % (seg, took))
        # An ASan build walks 10,000 timers several times slower: more slack, same 4 s timeout.
        slack = 3 * (4 if sanitized(args.server) else 1)
        closed = wait_closed(socks, opened, 4 + slack + (time.monotonic() - t0))
        still = sum(1 for c in closed if c is None)
        early = sum(1 for c in closed if c is not None and c < 3.5)
        late = sum(1 for c in closed if c is not None and c > 4 + slack)
        if still or early or late:
            problems.append("idle connections: %d still open, %d closed before 3.5 s, %d after %d s"
                            % (still, early, late, 4 + slack))
        else:
            cs = sorted(closed)
            print("all %d closed by the server %.2f..%.2f s after opening" % (IDLE, cs[0], cs[-1]))
        try:
            server.wait_log(r"closed: no complete request within 4000 ms", 1, 5)
        except rt.TestFailure:
            problems.append("no log line for the idle connections")
        n = wait_gauge(port, lambda v: v <= base_conns, 5)
        if n > base_conns:
            problems.append("rtmp_http_connections %d after they closed, %d before" % (n, base_conns))
        for s in socks:
            s.close()
        problems += finish_stream(pub, reader, out, fixture)
    finally:
        for s in socks:
            s.close()
        server.stop()
    return problems


def abandon_segment(port, seg):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(("GET /live/k/%s HTTP/1.1\r\nHost: x\r\n\r\n" % seg).encode())
    got = b""
    while len(got) < 1024:
        b = s.recv(1024 - len(got))
        if not b:
            break
        got += b
    s.close()
    return got


def abandon_hint(port, hint):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("GET /live/k/%s HTTP/1.1\r\nHost: x\r\n\r\n" % hint).encode())
    time.sleep(0.02)
    s.close()


def case_abort(args, work):
    server, port, reader, out, fixture, pub = start_stream(args, work, [])
    problems = []
    try:
        base_conns = gauge(port)
        rss = []
        big = 0
        for i in range(200):
            st, seg, hint = newest_segment(port)
            if st != 200 or not seg:
                problems.append("playlist after %d abandoned requests: %s" % (i, st))
                break
            if not abandon_segment(port, seg).startswith(b"HTTP/1.1 200"):
                problems.append("segment %s: no 200 before the abort" % seg)
            if i % 10 == 0 and hint:
                abandon_hint(port, hint)
            if i == 19:
                rss.append(stable_rss(server, 0.3))
            big += 1
        rss.append(stable_rss(server, 0.3))
        # The server sees either its write fail ("closed after N of M bytes") or, when the
        # rest of the segment already sat in its socket buffer, the reset on its next read.
        pattern = r"hls live/k/seg\d+\.m4s: closed after \d+ of \d+ bytes|connection reset by the client"
        time.sleep(1)
        lines = server.wait_log(pattern, 1, 5)
        print("%d segments abandoned mid-body, %d log lines (e.g. %s)" % (big, len(lines), lines[0].group(0)))
        if not big <= len(lines) <= big + 20:
            problems.append("%d log lines for %d abandoned segments (and 20 parts)" % (len(lines), big))
        n = wait_gauge(port, lambda v: v <= base_conns, 10)
        if n > base_conns:
            problems.append("rtmp_http_connections %d after the aborts, %d before: leaked" % (n, base_conns))
        else:
            print("connections back to %d after the aborts" % n)
        print("RSS after 20: %d KiB, after %d: %d KiB" % (rss[0], big, rss[-1]))
        # ASan's quarantine keeps freed memory resident, so growth says nothing there; the
        # connection gauge above and LeakSanitizer at exit cover leaks in that build.
        if len(rss) == 2 and rss[1] - rss[0] > 8 * 1024 and not sanitized(args.server):
            problems.append("RSS grew %d KiB from 20 to %d abandoned requests" % (rss[1] - rss[0], big))
        problems += finish_stream(pub, reader, out, fixture)
    finally:
        server.stop()
    return problems


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=["idle", "abort"])
    p.add_argument("--max-kb-per-conn", type=int, default=8)
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        work = rt.work_dir(args, "http_idle_" + args.case)
        problems = (case_idle if args.case == "idle" else case_abort)(args, work)
        if problems is None:
            sys.exit(77)
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))
    return rt.main_wrapper(run)


if __name__ == "__main__":
    sys.exit(main())
