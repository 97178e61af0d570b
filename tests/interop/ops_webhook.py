#!/usr/bin/env python3
"""rtmp-server --on-publish-done / --on-play-done / --on-record-done webhooks.

A Python http.server started by the test receives the POSTs:
  - /publish_done answers 200 at once;
  - /play_done hangs past --webhook-timeout on the first POST, then answers 200;
  - /record_done answers 500 to the first POST, then 200.
ffmpeg publishes the fixture (recorded as MP4) while an ffmpeg player plays it. Checked:
  - the player is frame-exact (the hooks never touch the stream);
  - publish_done, play_done and record_done each arrive with nginx-rtmp's form fields (call, app,
    name, addr, clientid) plus duration, bytes and frames (record_done: path, the file as left
    on disk, and its sample count);
  - play_done and record_done were retried (two POSTs each, the second >= 1 s after the first).
"""

import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops_util as ou  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

POSTS = []  # (path, form, monotonic time)
LOCK = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode(), keep_blank_values=True))
        with LOCK:
            POSTS.append((self.path, form, time.monotonic()))
            nth = sum(1 for p in POSTS if p[0] == self.path)
        if self.path == "/play_done" and nth == 1:
            time.sleep(3)  # past the server's 1 s timeout: it gives up and retries
            return
        status = 500 if self.path == "/record_done" and nth == 1 else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def check_common(form, call, problems):
    for k in ("call", "app", "name", "addr", "clientid", "duration", "bytes", "frames"):
        if k not in form:
            problems.append("%s: no field %s in %s" % (call, k, form))
            return
    if form["call"] != call or form["app"] != "live" or form["name"] != "key":
        problems.append("%s: call/app/name %s" % (call, form))


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--fixture", default="h264_high_aac")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = ru.fixture(args, args.fixture)
        expected = ru.packets(fixture)
        work = rt.work_dir(args, "ops_webhook")
        rec_dir = os.path.join(work, "rec")
        http = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=http.serve_forever, daemon=True).start()
        base = "http://127.0.0.1:%d" % http.server_address[1]
        server = ru.Server(args.server, work, [
            "--record", rec_dir, "--record-format", "mp4", "--webhook-timeout", "1",
            "--on-publish-done", base + "/publish_done", "--on-play-done", base + "/play_done",
            "--on-record-done", base + "/record_done"])
        out = os.path.join(work, "player.flv")
        problems = []
        player = pub = None
        try:
            player = rt.Process("player", ru.player_cmd("ffmpeg", server.url(), out), work)
            server.wait_log(r"relay: play app=live key=key .*state=waiting_for_publisher", 1)
            pub = rt.Process("publisher", ru.publish_cmd(server.url(), fixture), work)
            rc = pub.wait(args.timeout)
            if rc != 0:
                problems.append("publisher exited %s" % rc)
            problems += ou.check_player(expected, out, "player", player.wait(15), player)
            # publish_done once; play_done and record_done twice (one retry each).
            ou.wait_until(lambda: len(POSTS) >= 5, 20, "five webhook POSTs")
            time.sleep(0.5)
            server.stop()
        finally:
            for pr in (player, pub):
                if pr:
                    pr.kill()
            server.kill()
            http.shutdown()
        by_path = {}
        for path, form, t in POSTS:
            by_path.setdefault(path, []).append((form, t))
        counts = {k: len(v) for k, v in by_path.items()}
        if counts != {"/publish_done": 1, "/play_done": 2, "/record_done": 2}:
            problems.append("POSTs per hook: %s" % counts)
        n_packets = len(expected["video"]) + len(expected["audio"])
        if "/publish_done" in by_path:
            f = by_path["/publish_done"][0][0]
            check_common(f, "publish_done", problems)
            if not f.get("addr", "").startswith("127.0.0.1:") or float(f.get("duration", 0)) < 2:
                problems.append("publish_done: addr/duration %s" % f)
            if int(f.get("frames", -1)) != n_packets:
                problems.append("publish_done: frames %s, the fixture has %d" % (f.get("frames"), n_packets))
            print("publish_done: %s" % f)
        if "/play_done" in by_path:
            f = by_path["/play_done"][-1][0]
            check_common(f, "play_done", problems)
            if int(f.get("bytes", 0)) <= 0 or int(f.get("frames", 0)) < len(expected["video"]):
                problems.append("play_done: bytes/frames %s" % f)
            gap = by_path["/play_done"][-1][1] - by_path["/play_done"][0][1]
            print("play_done: retried after %.1f s: %s" % (gap, f))
        if "/record_done" in by_path:
            posts = by_path["/record_done"]
            f = posts[-1][0]
            check_common(f, "record_done", problems)
            path = f.get("path", "")
            if posts[0][0] != f:
                problems.append("record_done: the retry differs: %s vs %s" % (posts[0][0], f))
            if posts[-1][1] - posts[0][1] < 0.9:
                problems.append("record_done: retried after %.2f s, expected >= 1 s" % (posts[-1][1] - posts[0][1]))
            if not os.path.isfile(path) or int(f.get("bytes", -1)) != os.path.getsize(path):
                problems.append("record_done: path/bytes %s" % f)
            elif int(f.get("frames", -1)) != n_packets:
                problems.append("record_done: frames %s, the fixture has %d" % (f.get("frames"), n_packets))
            print("record_done: %s" % f)
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
