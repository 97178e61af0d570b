#!/usr/bin/env python3
"""rtmp-server --http-port: /api/streams and /metrics while a stream is live.

ffmpeg publishes the 20 s relay fixture (640x360, 30 fps, ~2 Mb/s H.264 + AAC) in real time
and one ffmpeg player plays it. While it is live, /api/streams (Python urllib) must show the
stream with its codecs, resolution, ~30 fps, bitrates in and out, one player and an uptime
that grows; /metrics must be valid Prometheus text with the same facts. Unknown paths are
404, POST is 405; after the publisher stops the stream is no longer live.
"""

import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops_util as ou  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def get(port, path, method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                 data=b"x" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def parse_metrics(text):
    """{(name, labels): value}; raises TestFailure on a line that is not the text format."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            raise rt.TestFailure("/metrics: not a sample line: %r" % line)
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def main():
    p = ru.arg_parser(__doc__)
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = ru.fixture(args, "relay_2mbit_20s")
        work = rt.work_dir(args, "ops_http")
        # --no-hls: the HLS output would count as one more player of the stream.
        server = ru.Server(args.server, work, ["--http-port", "0", "--no-hls"])
        player = pub = None
        problems = []
        try:
            port = int(ou.log_value(server, r"http on port (\d+)"))
            status, ctype, body = get(port, "/api/streams")
            if status != 200 or json.loads(body).get("streams") != []:
                problems.append("idle /api/streams: %s %r" % (status, body))
            out = os.path.join(work, "player.flv")
            player = rt.Process("player", ru.player_cmd("ffmpeg", server.url("k"), out), work)
            server.wait_log(r"relay: play app=live key=k", 1)
            pub = rt.Process("publisher", ru.publish_cmd(server.url("k"), fixture), work)
            time.sleep(6)  # a few measurement windows into the stream

            status, ctype, body = get(port, "/api/streams")
            if status != 200 or not ctype.startswith("application/json"):
                raise rt.TestFailure("/api/streams: %s %s" % (status, ctype))
            streams = json.loads(body)["streams"]
            print("/api/streams: %s" % json.dumps(streams[0] if streams else None)[:600])
            if len(streams) != 1:
                raise rt.TestFailure("expected one stream, got %s" % body)
            s = streams[0]
            checks = [
                ("app/key", (s["app"], s["key"]) == ("live", "k")),
                ("live", s["live"] is True),
                ("video codec", s["video"]["codec"] == "h264"),
                ("resolution", (s["video"]["width"], s["video"]["height"]) == (640, 360)),
                ("fps ~30", 25 <= s["video"]["fps"] <= 35),
                ("audio codec", s["audio"]["codec"] == "aac"),
                ("bitrate in ~2 Mb/s", 1200 <= s["bitrate_in_kbps"] <= 3500),
                ("bitrate out ~ in (one player)", 1200 <= s["bitrate_out_kbps"] <= 3500),
                ("players", s["players"] == 1),
                ("dropped frames counter", s["frames_dropped"] == 0),
                ("uptime", 4 <= s["uptime_s"] <= 10),
            ]
            problems += ["/api/streams %s wrong: %s" % (n, json.dumps(s)[:400]) for n, ok in checks if not ok]

            status, ctype, text = get(port, "/metrics")
            if status != 200 or not ctype.startswith("text/plain; version=0.0.4"):
                problems.append("/metrics: %s %s" % (status, ctype))
            m = parse_metrics(text)
            lab = '{app="live",key="k"}'
            want = {"rtmp_stream_live": (1, 1), "rtmp_stream_players": (1, 1),
                    "rtmp_stream_width": (640, 640), "rtmp_stream_height": (360, 360),
                    "rtmp_stream_fps": (25, 35),
                    "rtmp_stream_bitrate_in_bits_per_second": (1.2e6, 3.5e6),
                    "rtmp_stream_received_bytes_total": (5e5, 1e8),
                    "rtmp_stream_dropped_frames_total": (0, 0)}
            for name, (lo, hi) in want.items():
                v = m.get((name, lab))
                if v is None or not lo <= v <= hi:
                    problems.append("/metrics %s%s = %s, expected [%s, %s]" % (name, lab, v, lo, hi))
            info = [k for k in m if k[0] == "rtmp_stream_info"]
            if info != [("rtmp_stream_info", '{app="live",key="k",video_codec="h264",audio_codec="aac"}')]:
                problems.append("/metrics rtmp_stream_info: %s" % info)
            if m.get(("rtmp_connections", "")) != 2:
                problems.append("/metrics rtmp_connections = %s, expected 2" % m.get(("rtmp_connections", "")))
            print("/metrics: %d samples, parsed" % len(m))

            for path, method, code in (("/nope", "GET", 404), ("/metrics", "POST", 405)):
                status, _, _ = get(port, path, method)
                if status != code:
                    problems.append("%s %s: %s, expected %s" % (method, path, status, code))

            pub.kill()  # the publisher leaves
            def not_live():
                st = json.loads(get(port, "/api/streams")[2])["streams"]
                return all(not x["live"] for x in st)
            ou.wait_until(not_live, 10, "the stream to stop being live")
            server.stop()
        finally:
            for pr in (player, pub):
                if pr:
                    pr.kill()
            server.kill()
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
