#!/usr/bin/env python3
"""rtmpcxx's client tools against nginx-rtmp (Debian nginx + libnginx-mod-rtmp, started by
the test with its own config, prefix and an ephemeral port).

--case publish: `ffmpeg -i rtmp://.../live/key -c copy -copyts out.flv` joins first, then
    rtmp-publish sends the fixture; ffprobe's packet list of out.flv (per track: dts, pts,
    key, size) must equal the fixture's.
--case play: rtmp-play joins first and saves out.flv while `ffmpeg -re -copyts` publishes the
    fixture; same packet-list check, plus the fixture's onMetaData in out.flv.
--case probe: rtmp-probe URL (client mode) joins first while rtmp-publish sends the fixture;
    its JSON events must match the fixture as in ffmpeg_publish.py (packets, NAL counts,
    codec events, metadata).

-copyts on the ffmpeg side: without it ffmpeg rebases timestamps to 0 (ts_over_2p24 would
test nothing); the test then compares absolute timestamps.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_util as cu  # noqa: E402
import rtmptest as rt  # noqa: E402


def ffmpeg_reader(url, out):
    return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", url, "-c", "copy",
            "-copyts", "-f", "flv", out]


def ffmpeg_publisher(fixture, url):
    return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-copyts", "-i", fixture,
            "-c", "copy", "-f", "flv", url]


def main():
    p = cu.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=["publish", "play", "probe"])
    p.add_argument("--fixture", required=True)
    p.add_argument("--chunk-size", default="4096", help="rtmp-publish --chunk-size")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = rt.fixture_path(args.fixtures, args.fixture)
        work = rt.work_dir(args, "client_nginx.%s.%s.chunk%s" % (args.case, args.fixture, args.chunk_size))
        nginx = cu.Nginx(work)
        out = os.path.join(work, "out.flv")
        procs = []
        try:
            url = nginx.url()
            if args.case == "publish":
                player = rt.Process("ffmpeg_reader", ffmpeg_reader(url, out), work)
            elif args.case == "play":
                player = rt.Process("rtmp-play", [args.play, url, "-o", out, "--timeout", "20"], work)
            else:
                player = rt.Process("rtmp-probe", [args.probe, url, "--timeout", "20"], work)
            procs.append(player)
            nginx.wait_for_player()
            if args.case == "play":
                pub = rt.Process("ffmpeg_publisher", ffmpeg_publisher(fixture, url), work)
            else:
                pub = rt.Process("rtmp-publish", [args.publish, fixture, url, "--chunk-size", args.chunk_size],
                                 work)
            procs.append(pub)
            cu.wait_ok(pub, args.timeout, pub.name)
            cu.wait_ok(player, 15, player.name)
        finally:
            for proc in procs:
                proc.kill()
            nginx.stop()
        if args.case == "probe":
            events = rt.read_events(player.out_path)
            problems = cu.check_probe_events(events, fixture)
            if problems:
                raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))
            n = rt.probe_packets(events)
            print("nginx -> rtmp-probe URL: %d video, %d audio events identical" % (len(n["video"]), len(n["audio"])))
            return
        summary = cu.compare_flv(fixture, out, player.name)
        if args.case == "play":
            problems = cu.check_flv_metadata(fixture, out)
            if problems:
                raise rt.TestFailure("\n".join(problems))
        print("%s: %s -> nginx -> %s: %s" % (args.fixture, pub.name, player.name, summary))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
