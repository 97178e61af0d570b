#!/usr/bin/env python3
"""rtmp-server HLS per codec, end to end and frame-exact: a fixture is published in real
time (legacy FLV by ffmpeg, Enhanced RTMP by rtmp-publish), a Python client follows
/live/k/index.m3u8 like a player until EXT-X-ENDLIST, and ffprobe of the init segment plus
every segment must give the source's packets from its first keyframe:

--container fmp4: every packet of the carried tracks (dts, pts, key, size in ms), compared
  with ffprobe of the FLV (legacy) or of the MP4 sources the Enhanced FLV was made from;
--container mpegts: video dts, pts and key frame-exact (Annex B changes the sizes) and the
  audio frames one for one with their payload sizes (ADTS adds 7 bytes to AAC), every
  audio frame's time within a frame of the source's.

--start-ms S / --jump-ms J (legacy fixtures, published by rtmp-publish): every tag's
  timestamp is moved by S modulo 2^32 (so 2^32 - 1500 wraps mid-stream), and from the
  first video tag past the middle on by J more (a publisher's clock jump). The output
  timeline must continue through both: the same packets, frame-exact, as without them.

Also checked: EXT-X-TARGETDURATION is the same in every playlist fetched and no EXTINF
rounds above it. Exits 77 (skip) when an Enhanced fixture could not be made here.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import enhanced_util as eu  # noqa: E402
import faults_util as fu  # noqa: E402
import http_hls as hh  # noqa: E402
import http_util as hu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

# Codecs each container carries (ffprobe names); other tracks are left out by the server.
CARRIED = {"fmp4": {"h264", "hevc", "av1", "aac", "opus", "mp3"},
           "mpegts": {"h264", "hevc", "aac", "mp3"}}


def enhanced_expected(args, container):
    """Track 0 of each kind of the Enhanced fixture's sources, as rt.Packet lists in ms."""
    sources = [eu.source_path(args.fixtures, s) for s in eu.FIXTURES[args.fixture][0]]
    tracks, codecs = eu.expected_tracks(sources)
    out = {"video": [], "audio": []}
    for kind in out:
        if codecs.get((kind, 0)) in CARRIED[container]:
            out[kind] = [rt.Packet(f.dts, f.pts, f.key, f.size) for f in tracks[(kind, 0)]]
    return out


class TargetWatch(hh.Follower):
    """A Follower that records every EXT-X-TARGETDURATION it saw and leaves the preload hint
    alone (a hint at the stream's end never comes to exist: 404 is then right)."""

    def __init__(self, port, base):
        super().__init__(port, base)
        self.targets = set()

    def poll(self):
        st, _, body = hh.get(self.port, self.base + "index.m3u8")
        if st != 200:
            return False
        self.playlist = body.decode()
        self.targets.update(int(t) for t in re.findall(r"#EXT-X-TARGETDURATION:(\d+)", self.playlist))
        for line in self.playlist.splitlines():
            if line.startswith("#EXT-X-PRELOAD-HINT"):
                continue
            for name in re.findall(r'URI="([^"]+)"', line) + ([line] if line and line[0] != "#" else []):
                self.fetch(name)
        return "#EXT-X-ENDLIST" in self.playlist


def target_problems(f):
    problems = []
    if len(f.targets) != 1:
        problems.append("EXT-X-TARGETDURATION changed: %s" % sorted(f.targets))
    target = min(f.targets) if f.targets else 0
    for d in re.findall(r"#EXTINF:([0-9.]+),", f.playlist):
        if int(float(d) + 0.5) > target:
            problems.append("EXTINF:%s rounds above EXT-X-TARGETDURATION:%d" % (d, target))
    return problems


def shifted_fixture(src, args, work):
    """src with its timestamps moved (see --start-ms, --jump-ms); returns the new path."""
    tags = rt.read_flv(src)
    mid = next(i for i, t in enumerate(tags) if i >= len(tags) // 2 and t.type == 9)
    out = [rt.FlvTag(t.type, (t.timestamp + args.start_ms + (args.jump_ms if i >= mid else 0)) & 0xFFFFFFFF,
                     t.body) for i, t in enumerate(tags)]
    path = os.path.join(work, "shifted.flv")
    fu.write_flv(path, out)
    print("published: %d .. %d ms, jump of %d ms before tag %d" % (out[0].timestamp, out[-1].timestamp,
                                                                  args.jump_ms, mid))
    return path


def check_ts(expected, got, problems):
    """Video timing frame-exact from the first keyframe; audio frames one for one."""
    ev, gv, ea, ga = expected["video"], got["video"], expected["audio"], got["audio"]
    start, off = None, 0
    if ev:
        if not gv or not gv[0].key:
            problems.append("mpegts: no video, or it starts at no keyframe")
            return
        k = next((i for i, q in enumerate(ev) if q.key and q.pts - q.dts == gv[0].pts - gv[0].dts), None)
        if k != next(i for i, q in enumerate(ev) if q.key):
            problems.append("mpegts: video does not start at the first keyframe")
            return
        off = gv[0].dts - ev[k].dts
        want = [(q.dts + off, q.pts + off, q.key) for q in ev[k:]]
        have = [(q.dts, q.pts, q.key) for q in gv]
        if have != want:
            problems += rt.compare_tracks({"video": [rt.Packet(*w, 0) for w in want]},
                                          {"video": [rt.Packet(*h, 0) for h in have]},
                                          exp_name="source", act_name="hls mpegts")
        start = ev[k].dts
    if not ea:
        return
    if not ga:
        problems.append("mpegts: no audio")
        return
    # AAC: ffprobe counts the ADTS header in the size.
    extra = 7 if ga[0].size - 7 in [q.size for q in ea[:50]] and ga[0].size not in [q.size for q in ea[:50]] else 0
    sizes = [q.size - extra for q in ga]
    # Audio-only streams start where the server's player joined (any frame): of the runs
    # with the same sizes, the one nearest in time (the output keeps the input timeline).
    runs = [i for i in range(len(ea)) if [q.size for q in ea[i:i + 5]] == sizes[:5]
            and (start is None or ea[i].dts >= start - 50)]
    first = min(runs, key=lambda i: abs(ea[i].dts + off - ga[0].dts)) if runs else None
    if first is None:
        problems.append("mpegts: audio matches no run of the source: %s" % ga[:5])
        return
    want = ea[first:]
    if sizes != [q.size for q in want]:
        problems.append("mpegts: %d audio frames, %d in the source from %d ms; sizes differ"
                        % (len(ga), len(want), want[0].dts))
        return
    if start is None:
        off = ga[0].dts - want[0].dts
    # PES times are per PES packet; ffprobe interpolates the frames after the first.
    late = [(w.dts + off, g.dts) for w, g in zip(want, ga) if abs(w.dts + off - g.dts) > 30]
    if late:
        problems.append("mpegts: %d audio frames off by more than 30 ms, first %s" % (len(late), late[:3]))
    print("hls mpegts: %d video packets frame-exact, %d audio frames one for one" % (len(gv), len(ga)))


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--container", required=True, choices=["fmp4", "mpegts"])
    p.add_argument("--fixture", required=True)
    p.add_argument("--publish", help="rtmp-publish, for Enhanced RTMP fixtures and time shifts")
    p.add_argument("--start-ms", type=int, default=0, help="move every timestamp by this (mod 2^32)")
    p.add_argument("--jump-ms", type=int, default=0, help="jump forward by this mid-stream")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")
    enhanced = args.fixture in eu.FIXTURES
    shifted = bool(args.start_ms or args.jump_ms)
    if shifted and not args.publish:
        p.error("--start-ms/--jump-ms need --publish")
    if enhanced and not (args.publish and eu.available(args.fixtures, args.fixture)):
        print("SKIP: Enhanced fixture %s not made here (encoders missing)" % args.fixture)
        sys.exit(rt.SKIP)

    def run():
        work = rt.work_dir(args, "hls_codecs_%s_%s_%d_%d" % (args.fixture, args.container,
                                                             args.start_ms, args.jump_ms))
        if enhanced:
            expected = enhanced_expected(args, args.container)
        else:
            fixture = ru.fixture(args, args.fixture)
            expected = rt.ffprobe_packets(fixture)
        server = ru.Server(args.server, work, ["--http-port", "0", "--hls-format", args.container,
                                               "--hls-window", "100"])
        problems = []
        try:
            port = hu.http_port(server)
            url = server.url("k")
            if enhanced:
                cmd = [args.publish, "-q", eu.flv_path(args.fixtures, args.fixture), url]
            elif shifted:
                cmd = [args.publish, "-q", shifted_fixture(fixture, args, work), url]
            else:
                cmd = ru.publish_cmd(url, fixture)
            pub = rt.Process("publisher", cmd, work)
            f = TargetWatch(port, "/live/k/")
            deadline = time.monotonic() + 90
            while not f.poll():
                if time.monotonic() > deadline:
                    raise rt.TestFailure("no EXT-X-ENDLIST within 90 s; playlist:\n" + f.playlist)
                time.sleep(0.1)
            pub.wait(10)
        finally:
            server.stop()
        segs = [ln for ln in f.playlist.splitlines() if ln and not ln.startswith("#")]
        maps = re.findall(r'#EXT-X-MAP:URI="([^"]+)"', f.playlist)
        out = os.path.join(work, "all." + ("mp4" if args.container == "fmp4" else "ts"))
        with open(out, "wb") as fh:
            fh.write(b"".join(f.files[m] for m in maps[:1]) + b"".join(f.files[s] for s in segs))
        got = hh.packets_ms(out)
        print("%d segments; %d video, %d audio packets (source: %d, %d); targets seen %s"
              % (len(segs), len(got["video"]), len(got["audio"]), len(expected["video"]),
                 len(expected["audio"]), sorted(f.targets)))
        problems += target_problems(f)
        if args.container == "fmp4":
            # Audio may start just after the keyframe (a segment starts with the keyframe).
            ps, k = ru.check_from_first_keyframe(expected, got, "hls fmp4")
            problems += ps
            ev = expected["video"]
            if ev and k is not None and k != next(q.dts for q in ev if q.key):
                problems.append("hls fmp4: starts at the keyframe at %d ms, not the first" % k)
        else:
            check_ts(expected, got, problems)
        if problems:
            raise rt.TestFailure("\n".join(problems))
    return rt.main_wrapper(run)


if __name__ == "__main__":
    sys.exit(main())
