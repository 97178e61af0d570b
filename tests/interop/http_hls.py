#!/usr/bin/env python3
"""rtmp-server HLS over HTTP, end to end: ffmpeg publishes the 20 s relay fixture in real
time; a Python client follows /live/k/index.m3u8 like a player, downloading init, every
segment and (fMP4) every LL-HLS part as they appear, until EXT-X-ENDLIST.

--case fmp4: ffprobe of init + all segments must equal the fixture's packets (dts, pts, key,
  size, in ms) from the first keyframe; each segment must equal the concatenation of its
  parts; a blocking reload for the next part (_HLS_msn/_HLS_part) must return once that part
  exists and list it; _HLS_msn far ahead is 400; Range on a segment gives 206 and the exact
  bytes, past the end 416; HEAD gives the length; an unknown stream is 404; media types are
  video/mp4 (init) and video/iso.segment; /metrics counts this client as an HLS viewer.
--case mpegts: the same stream as MPEG-TS segments (video/mp2t): ffprobe of the segments
  must give the fixture's video timing (dts, pts, key) from the first keyframe and as many
  audio frames as were published from there.
"""

import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_util as hu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def get(port, path, headers=None, method="GET", timeout=20):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers=headers or {},
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def packets_ms(path):
    """Per-track packets with times in ms (from *_time) for any container."""
    return hu.ms_packets(rt.ffprobe_json(path, "-show_packets"))


class Follower:
    """Downloads what the playlist lists as it appears."""

    def __init__(self, port, base):
        self.port, self.base = port, base
        self.files, self.playlist, self.types = {}, "", {}

    def fetch(self, name):
        if name in self.files:
            return
        st, h, body = get(self.port, self.base + name)
        if st != 200:
            raise rt.TestFailure("%s: %s" % (name, st))
        self.files[name] = body
        self.types[name] = h.get("Content-Type")

    def poll(self):
        st, _, body = get(self.port, self.base + "index.m3u8")
        if st != 200:
            return False
        self.playlist = body.decode()
        for name in re.findall(r'URI="([^"]+)"', self.playlist) + \
                [ln for ln in self.playlist.splitlines() if ln and not ln.startswith("#")]:
            self.fetch(name)
        return "#EXT-X-ENDLIST" in self.playlist


def blocking_checks(port, base, problems):
    st, _, body = get(port, base + "index.m3u8")
    text = body.decode()
    msn = len(re.findall(r"^#EXTINF", text, re.M)) + int(re.search(r"MEDIA-SEQUENCE:(\d+)", text).group(1))
    parts = re.findall(r'part%d\.(\d+)\.m4s' % msn, text)
    nxt = (msn, len(parts))
    t0 = time.monotonic()
    st, _, body = get(port, base + "index.m3u8?_HLS_msn=%d&_HLS_part=%d" % nxt)
    waited = time.monotonic() - t0
    if st != 200 or ("part%d.%d.m4s" % nxt) not in body.decode():
        problems.append("blocking reload for part %d.%d: %s without it" % (nxt + (st,)))
    else:
        print("blocking reload for part %d.%d: answered after %.2f s, lists it" % (nxt + (waited,)))
    st, _, _ = get(port, base + "index.m3u8?_HLS_msn=%d" % (msn + 1000))
    if st != 400:
        problems.append("_HLS_msn far ahead: %s, expected 400" % st)


def range_checks(port, base, name, whole, problems):
    st, h, body = get(port, base + name, {"Range": "bytes=10-109"})
    if st != 206 or body != whole[10:110] or h.get("Content-Range") != "bytes 10-109/%d" % len(whole):
        problems.append("Range 10-109 of %s: %s %s" % (name, st, h.get("Content-Range")))
    st, h, _ = get(port, base + name, {"Range": "bytes=%d-" % len(whole)})
    if st != 416:
        problems.append("Range past the end of %s: %s, expected 416" % (name, st))
    st, h, body = get(port, base + name, method="HEAD")
    if st != 200 or int(h.get("Content-Length", -1)) != len(whole) or body:
        problems.append("HEAD %s: %s %s" % (name, st, h.get("Content-Length")))


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=["fmp4", "mpegts"])
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = ru.fixture(args, "relay_2mbit_20s")
        work = rt.work_dir(args, "http_hls_" + args.case)
        server = ru.Server(args.server, work, ["--http-port", "0", "--hls-format", args.case,
                                               "--hls-window", "30"])
        problems = []
        try:
            port = hu.http_port(server)
            base = "/live/k/"
            if get(port, "/live/nothing/index.m3u8")[0] != 404:
                problems.append("unknown stream: not 404")
            pub = rt.Process("publisher", ru.publish_cmd(server.url("k"), fixture), work)
            f = Follower(port, base)
            deadline = time.monotonic() + 60
            checked_blocking = False
            while not f.poll():
                if time.monotonic() > deadline:
                    raise rt.TestFailure("no EXT-X-ENDLIST within 60 s; playlist:\n" + f.playlist)
                if args.case == "fmp4" and not checked_blocking and len(f.files) > 12:
                    blocking_checks(port, base, problems)
                    checked_blocking = True
                    s = json.loads(get(port, "/api/streams")[2])["streams"][0]
                    if s.get("viewers", {}).get("hls") != 1 or not s.get("bytes_out_by_protocol", {}).get("hls"):
                        problems.append("/api/streams: HLS viewer/bytes not counted: %s" % s)
                time.sleep(0.1)
            pub.wait(10)
            segs = [ln for ln in f.playlist.splitlines() if ln and not ln.startswith("#")]
            print("%d segments, %d files downloaded" % (len(segs), len(f.files)))
            maps = re.findall(r'#EXT-X-MAP:URI="([^"]+)"', f.playlist)
            data = b"".join(f.files[m] for m in maps[:1]) + b"".join(f.files[s] for s in segs)
            out = os.path.join(work, "all." + ("mp4" if args.case == "fmp4" else "ts"))
            with open(out, "wb") as fh:
                fh.write(data)
            expected = rt.ffprobe_packets(fixture)
            got = packets_ms(out)
            if args.case == "fmp4":
                ps, _ = ru.check_from_first_keyframe(expected, got, "hls fmp4")
                problems += ps
                whole_parts = 0
                for s in segs:
                    n = int(s[3:-4])
                    parts = sorted((int(m), k) for k in f.files
                                   for m in re.findall(r"^part%d\.(\d+)\.m4s$" % n, k))
                    if parts and parts[0][0] == 0:
                        cat = b"".join(f.files[k] for _, k in parts)
                        if cat != f.files[s]:
                            problems.append("%s != its %d parts" % (s, len(parts)))
                        whole_parts += 1
                if whole_parts == 0:
                    problems.append("no segment had all its parts downloaded")
                else:
                    print("%d segments equal their concatenated parts" % whole_parts)
                want = {maps[0]: "video/mp4", segs[0]: "video/iso.segment"}
                for name, t in want.items():
                    if f.types.get(name) != t:
                        problems.append("%s: Content-Type %s, expected %s" % (name, f.types.get(name), t))
                range_checks(port, base, segs[0], f.files[segs[0]], problems)
            else:
                v = [(q.dts, q.pts, q.key) for q in got["video"]]
                ev = expected["video"]
                k = next((i for i, q in enumerate(ev) if q.key and q.pts - q.dts == got["video"][0].pts - got["video"][0].dts), None) if v else None
                if k is None:
                    problems.append("hls mpegts: no video, or it starts at no keyframe")
                else:
                    off = got["video"][0].dts - ev[k].dts
                    want = [(q.dts + off, q.pts + off, q.key) for q in ev[k:]]
                    if v != want:
                        problems += rt.compare_tracks({"video": [rt.Packet(*w, 0) for w in want]},
                                                      {"video": [rt.Packet(*w, 0) for w in v]},
                                                      exp_name="fixture", act_name="hls mpegts")
                    na = len([q for q in expected["audio"] if q.dts >= ev[k].dts - 50])
                    if abs(len(got["audio"]) - na) > 2:
                        problems.append("hls mpegts: %d audio frames, expected about %d" % (len(got["audio"]), na))
                    print("hls mpegts: %d video packets frame-exact in time, %d audio" % (len(v), len(got["audio"])))
                if f.types.get(segs[0]) != "video/mp2t":
                    problems.append("%s: Content-Type %s" % (segs[0], f.types.get(segs[0])))
            st, _, body = get(port, "/metrics")
            if not re.search(r'rtmp_http_sent_bytes_total\{protocol="hls"\} [1-9]', body.decode()):
                problems.append("/metrics: no HLS bytes counted")
        finally:
            server.stop()
        if problems:
            raise rt.TestFailure("\n".join(problems))
    return rt.main_wrapper(run)


if __name__ == "__main__":
    sys.exit(main())
