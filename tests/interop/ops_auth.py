#!/usr/bin/env python3
"""rtmp-server --on-publish / --on-play HTTP callbacks (as nginx-rtmp's on_publish).

A Python http.server in the test answers the callbacks: 2xx for stream "good", 403 with the
body "key bad is not allowed" for anything else. Then:
  - ffmpeg publishing live/bad exits non-zero and prints the callback's body;
  - an ffmpeg player of live/bad is refused the same way;
  - ffmpeg publishes the fixture to live/good while an ffmpeg player (allowed) plays it:
    the player is frame-exact from the first keyframe;
  - the callback saw nginx-rtmp's form fields (call, app, name, addr, clientid, tcurl).
"""

import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops_util as ou  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

REQUESTS = []


class Callback(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
        REQUESTS.append((self.path, form))
        if form.get("name") == "good":
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            body = b"key %s is not allowed" % form.get("name", "").encode()
            self.send_response(403)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *a):
        pass


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--fixture", default="h264_high_aac")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = ru.fixture(args, args.fixture)
        work = rt.work_dir(args, "ops_auth")
        http = ThreadingHTTPServer(("127.0.0.1", 0), Callback)
        threading.Thread(target=http.serve_forever, daemon=True).start()
        base = "http://127.0.0.1:%d" % http.server_address[1]
        server = ru.Server(args.server, work, ["--on-publish", base + "/publish", "--on-play", base + "/play",
                                               "--wait-for-publisher", "30"])
        procs = []
        problems = []
        try:
            bad_pub = rt.Process("bad_publisher", ru.publish_cmd(server.url("bad"), fixture), work)
            procs.append(bad_pub)
            rc = bad_pub.wait(15)
            err = open(bad_pub.err_path, errors="replace").read()
            if rc == 0 or "key bad is not allowed" not in err:
                problems.append("publish live/bad: exit %s, stderr %r" % (rc, err[-300:]))
            else:
                print("publish live/bad refused: %s" % err.strip().splitlines()[-1])

            bad_play = rt.Process("bad_player", ru.player_cmd("ffmpeg", server.url("bad"),
                                                              os.path.join(work, "bad.flv")), work)
            procs.append(bad_play)
            rc = bad_play.wait(15)
            err = open(bad_play.err_path, errors="replace").read()
            if rc == 0 or "key bad is not allowed" not in err:
                problems.append("play live/bad: exit %s, stderr %r" % (rc, err[-300:]))
            else:
                print("play live/bad refused: %s" % err.strip().splitlines()[-1])

            out = os.path.join(work, "good.flv")
            player = rt.Process("player", ru.player_cmd("ffmpeg", server.url("good"), out), work)
            procs.append(player)
            server.wait_log(r"relay: play app=live key=good .*state=waiting_for_publisher", 1)
            pub = rt.Process("publisher", ru.publish_cmd(server.url("good"), fixture), work)
            procs.append(pub)
            rc = pub.wait(args.timeout)
            if rc != 0:
                raise rt.TestFailure("publish live/good exited %s\n%s" % (rc, pub.logs()))
            prc = player.wait(15)
            problems += ou.check_player(ru.packets(fixture), out, "allowed player", prc, player)
            server.stop()
        finally:
            for pr in procs:
                pr.kill()
            server.kill()
            http.shutdown()
        calls = [(path, f.get("call"), f.get("name")) for path, f in REQUESTS]
        want = [("/publish", "publish", "bad"), ("/play", "play", "bad"), ("/play", "play", "good"),
                ("/publish", "publish", "good")]
        if calls != want:
            problems.append("callbacks: %s, expected %s" % (calls, want))
        f = REQUESTS[-1][1] if REQUESTS else {}
        if f.get("app") != "live" or not f.get("addr", "").startswith("127.0.0.1:") \
                or not f.get("tcurl", "").startswith("rtmp://127.0.0.1:") or not f.get("clientid"):
            problems.append("callback form fields: %s" % f)
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
