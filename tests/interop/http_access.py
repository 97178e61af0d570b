#!/usr/bin/env python3
"""rtmp-server --on-play gates HTTP playback: a Python HTTP server is the callback and allows
only name=k?token=good. While ffmpeg publishes live/k:
  - GET /live/k.flv?token=bad is 403 (and no player joins); ?token=good is 200 video/x-flv;
  - a WebSocket upgrade with token=bad is refused (403, no 101);
  - /live/k/index.m3u8?token=bad is 403; ?token=good is 200; a media file with the good
    token is then served without a second callback;
  - the callback saw call=play, protocol=http-flv / ws-flv / hls and the token in the name.
--case limits: with --http-max-connections 2, a third concurrent connection is closed at
  accept with a log line, while the first two still get answers.
"""

import http.server
import os
import socket
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_util as hu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


class Callback(http.server.BaseHTTPRequestHandler):
    calls = []

    def do_POST(self):  # noqa: N802 - http.server's name
        n = int(self.headers.get("Content-Length", 0))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
        Callback.calls.append(form)
        ok = form.get("call") == "publish" or form.get("name", "").endswith("token=good")
        self.send_response(200 if ok else 403)
        self.end_headers()
        self.wfile.write(b"" if ok else b"bad token")

    def log_message(self, *a):
        pass


def status_of(port, path, headers=""):
    headers = headers or "Connection: close\r\n"
    ans = hu.raw_request(port, ("GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path, headers)).encode(),
                         timeout=3)
    try:
        return int(ans.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def case_access(args, work):
    cb = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Callback)
    threading.Thread(target=cb.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/auth" % cb.server_address[1]
    fixture = ru.fixture(args, "relay_2mbit_20s")
    server = ru.Server(args.server, work, ["--http-port", "0", "--on-play", url])
    problems = []
    try:
        port = hu.http_port(server)
        pub = rt.Process("publisher", ru.publish_cmd(server.url("k"), fixture), work)
        server.wait_log(r"relay: publish app=live key=k", 1)
        time.sleep(4)  # a few HLS parts
        ws = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        want = [("/live/k.flv?token=bad", "", 403), ("/live/k.flv?token=bad", ws, 403),
                ("/live/k/index.m3u8?token=bad", "", 403), ("/live/k/index.m3u8?token=good", "", 200),
                ("/live/k/init.mp4?token=good", "", 200), ("/live/k/init.mp4?token=other", "", 403)]
        for path, h, st in want:
            got = status_of(port, path, h)
            if got != st:
                problems.append("%s%s: %s, expected %s" % ("ws " if h else "", path, got, st))
        hls_calls = [c for c in Callback.calls if c.get("protocol") == "hls"]
        if len(hls_calls) != 2:
            problems.append("expected 2 HLS callbacks (bad, good), got %s" % hls_calls)
        out = os.path.join(work, "good.flv")
        reader = hu.FlvGet(port, "/live/k.flv?token=good", out)
        reader.started.wait(10)
        if reader.status != 200:
            problems.append("/live/k.flv?token=good: %s" % reader.status)
        time.sleep(1)
        protos = {c.get("protocol") for c in Callback.calls if c.get("call") == "play"}
        if protos != {"http-flv", "ws-flv", "hls"}:
            problems.append("callback protocols: %s" % protos)
        if not all(c.get("name", "").startswith("k?token=") for c in Callback.calls if c.get("call") == "play"):
            problems.append("token not passed in name: %s" % Callback.calls)
        print("callbacks: %s" % [(c.get("protocol"), c.get("name")) for c in Callback.calls])
        if reader.size < 100000:
            problems.append("the allowed HTTP-FLV player got only %d bytes" % reader.size)
        pub.kill()
    finally:
        server.stop()
        cb.shutdown()
    return problems


def case_limits(args, work):
    server = ru.Server(args.server, work, ["--http-port", "0", "--http-max-connections", "2"])
    problems = []
    try:
        port = hu.http_port(server)
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        time.sleep(0.3)
        third = socket.create_connection(("127.0.0.1", port), timeout=3)
        third.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            got = third.recv(100)
        except (ConnectionError, socket.timeout):
            got = b""
        if got:
            problems.append("third connection answered: %r" % got[:40])
        try:
            server.wait_log(r"refused: http-max-connections 2 reached", 1, 5)
        except rt.TestFailure:
            problems.append("no log line for the refused connection")
        for s in held:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if not s.recv(100).startswith(b"HTTP/1.1 200"):
                problems.append("a held connection got no answer")
            s.close()
    finally:
        server.stop()
    return problems


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=["access", "limits"])
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        work = rt.work_dir(args, "http_access_" + args.case)
        problems = (case_access if args.case == "access" else case_limits)(args, work)
        if problems:
            raise rt.TestFailure("\n".join(problems))
    return rt.main_wrapper(run)


if __name__ == "__main__":
    sys.exit(main())
