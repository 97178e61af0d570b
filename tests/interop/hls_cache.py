#!/usr/bin/env python3
"""HLS through an HTTP cache: the nginx proxy_cache block of docs/http-delivery.md (read from
the doc, ports and paths substituted) in front of rtmp-server, while ffmpeg publishes the
20 s relay fixture in real time.

Through the cache, a Python client follows the playlist like a player (init, every segment
and part, until EXT-X-ENDLIST) and ffmpeg plays the same playlist as an HLS client. Checks:
ffprobe of init + segments equals the fixture's packets from the first keyframe; ffmpeg's
copy equals the fixture from the keyframe it joined at; a second GET of a segment is a cache
HIT with the same bytes and the immutable Cache-Control; a blocking reload through the cache
returns once the part exists and lists it.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_util as cu  # noqa: E402
import http_hls as hh  # noqa: E402
import http_util as hu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "http-delivery.md")


def recipe():
    """The nginx block between the recipe markers of the doc."""
    text = open(DOC).read()
    m = re.search(r"<!-- hls-cache-recipe -->\s*```nginx\n(.*?)```\s*<!-- /hls-cache-recipe -->", text, re.S)
    if not m:
        raise rt.TestFailure("docs/http-delivery.md: no nginx recipe between the markers")
    return m.group(1)


class CachingNginx:
    """Debian's nginx running the doc's block, in the foreground, files under `work`."""

    def __init__(self, work, origin_port):
        rt.require_tools("nginx")
        prefix = os.path.join(work, "nginx")
        os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
        block = recipe()
        for needle in ("listen 80;", "http://127.0.0.1:8080", "/var/cache/nginx/rtmpcxx"):
            if needle not in block:
                raise rt.TestFailure("the doc's recipe no longer has %r to substitute" % needle)
        for attempt in range(5):
            self.port = cu.free_port()
            conf = os.path.join(prefix, "nginx.conf")
            with open(conf, "w") as f:
                f.write("daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\n"
                        "error_log %s/error.log info;\nevents { worker_connections 256; }\nhttp {\n"
                        "access_log %s/access.log;\nclient_body_temp_path %s/tmp;\nproxy_temp_path %s/tmp;\n%s}\n"
                        % (prefix, prefix, prefix, prefix, prefix,
                           block.replace("listen 80;", "listen 127.0.0.1:%d;" % self.port)
                                .replace("http://127.0.0.1:8080", "http://127.0.0.1:%d" % origin_port)
                                .replace("/var/cache/nginx/rtmpcxx", os.path.join(prefix, "cache"))))
            self.proc = rt.Process("nginx", ["nginx", "-p", prefix + "/", "-c", conf,
                                             "-e", os.path.join(prefix, "error.log")], work)
            try:
                cu.wait_listening(self.port, self.proc)
                return
            except rt.TestFailure:
                self.proc.kill()
                if attempt == 4:
                    raise

    def stop(self):
        self.proc.kill()


def cache_checks(port, base, name, body, problems):
    st, h, again = hh.get(port, base + name)
    if st != 200 or again != body:
        problems.append("second GET of %s through the cache: %s, bytes %s" % (name, st, "same" if again == body else "differ"))
    if h.get("X-Cache-Status") != "HIT":
        problems.append("second GET of %s: X-Cache-Status %s, expected HIT" % (name, h.get("X-Cache-Status")))
    if "immutable" not in (h.get("Cache-Control") or ""):
        problems.append("%s: Cache-Control %r, expected immutable" % (name, h.get("Cache-Control")))
    print("%s: second GET is a cache %s, %d bytes" % (name, h.get("X-Cache-Status"), len(again)))


def main():
    p = ru.arg_parser(__doc__)
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe", "nginx")

    def run():
        fixture = ru.fixture(args, "relay_2mbit_20s")
        work = rt.work_dir(args, "hls_cache")
        server = ru.Server(args.server, work, ["--http-port", "0", "--hls-window", "30"])
        nginx = None
        problems = []
        try:
            nginx = CachingNginx(work, hu.http_port(server))
            base = "/live/k/"
            pub = rt.Process("publisher", ru.publish_cmd(server.url("k"), fixture), work)
            f = hh.Follower(nginx.port, base)
            player = None
            deadline = time.monotonic() + 60
            checked = False
            while not f.poll():
                if time.monotonic() > deadline:
                    raise rt.TestFailure("no EXT-X-ENDLIST within 60 s; playlist:\n" + f.playlist)
                if player is None and "#EXTINF" in f.playlist:
                    url = "http://127.0.0.1:%d%sindex.m3u8" % (nginx.port, base)
                    player = rt.Process("ffmpeg-hls", ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                                                       "-i", url, "-c", "copy", "-f", "flv",
                                                       os.path.join(work, "ffmpeg.flv")], work)
                if not checked and len(f.files) > 12:
                    hh.blocking_checks(nginx.port, base, problems)
                    checked = True
                time.sleep(0.1)
            pub.wait(10)
            segs = [ln for ln in f.playlist.splitlines() if ln and not ln.startswith("#")]
            maps = re.findall(r'#EXT-X-MAP:URI="([^"]+)"', f.playlist)
            out = os.path.join(work, "all.mp4")
            with open(out, "wb") as fh:
                fh.write(b"".join(f.files[m] for m in maps[:1]) + b"".join(f.files[s] for s in segs))
            expected = rt.ffprobe_packets(fixture)
            ps, _ = ru.check_from_first_keyframe(expected, hh.packets_ms(out), "hls via nginx")
            problems += ps
            print("follower through nginx: %d segments, %d files" % (len(segs), len(f.files)))
            cache_checks(nginx.port, base, segs[0], f.files[segs[0]], problems)
            cache_checks(nginx.port, base, maps[0], f.files[maps[0]], problems)
            if player is None:
                problems.append("ffmpeg never started: no segment listed")
            elif player.wait(30) != 0:
                problems.append("ffmpeg playing HLS through nginx exited %s\n%s" % (player.proc.returncode, player.logs()))
            else:
                got = ru.packets(os.path.join(work, "ffmpeg.flv"))
                ps, k = ru.check_from_first_keyframe(expected, got, "ffmpeg via nginx")
                problems += ps
                print("ffmpeg through nginx: %d video, %d audio packets from the keyframe at %s ms"
                      % (len(got["video"]), len(got["audio"]), k))
        finally:
            if nginx:
                nginx.stop()
            server.stop()
        if problems:
            raise rt.TestFailure("\n".join(problems))
    return rt.main_wrapper(run)


if __name__ == "__main__":
    sys.exit(main())
