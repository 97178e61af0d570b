#!/usr/bin/env python3
"""Players that join 5 s into a live stream start with sequence headers + a keyframe.

ffmpeg publishes the 20 s relay fixture (2 s GOPs); 5 s in, FFmpeg, rtmpdump, GStreamer
rtmp2src and rtmp-play join and save what they receive, and a second FFmpeg decodes the
stream (`-f null`) and must report no error. Each saved file must start with the sequence
headers, its first video packet must be a keyframe, and from there it must be frame-exact
against the fixture to the end. With --gop-cache on that keyframe is the one before the
join (the cached GOP: playback starts at once); with off, the next one.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

GOP_MS = 2000
JOIN_S = 5.0


def starts_with_sequence_headers(path):
    """First video tag an AVC sequence header, first audio tag an AAC one (FLV E.4.2/E.4.3)."""
    tags = rt.read_flv(path)
    v = next((t for t in tags if t.type == 9), None)
    a = next((t for t in tags if t.type == 8), None)
    problems = []
    if v is None or len(v.body) < 2 or v.body[0] & 0x0F != 7 or v.body[1] != 0:
        problems.append("%s: first video tag is not an AVC sequence header" % path)
    if a is None or len(a.body) < 2 or a.body[0] >> 4 != 10 or a.body[1] != 0:
        problems.append("%s: first audio tag is not an AAC sequence header" % path)
    return problems


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--gop-cache", choices=("on", "off"), default="on")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = ru.relay_fixture(args.fixtures, "relay_2mbit_20s")
        work = rt.work_dir(args, "relay_late_joiner.gop_" + args.gop_cache)
        kinds = ru.available_players(args)
        server = ru.Server(args.server, work, ["--gop-cache", args.gop_cache])
        players = []
        pub = None
        try:
            pub = rt.Process("publisher", ru.publish_cmd(server.url(), fixture), work)
            server.wait_log(r"relay: publish app=live key=key")
            t_publish = time.monotonic()
            time.sleep(JOIN_S)
            join_ms = (time.monotonic() - t_publish) * 1000
            for k in kinds:
                out = os.path.join(work, "%s.flv" % k)
                players.append((k, rt.Process(k, ru.player_cmd(k, server.url(), out, args.play), work), out))
            decoder = rt.Process("decode", ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-i",
                                            server.url(), "-f", "null", "-"], work)
            rc = pub.wait(args.timeout)
            if rc != 0:
                raise rt.TestFailure("publisher exited %s\n%s\n%s" % (rc, pub.logs(), server.proc.logs()))
            rcs = ru.wait_all([(k, pr) for k, pr, _ in players] + [("decode", decoder)], 15)
            server.stop()
        finally:
            for _, pr, _ in players:
                pr.kill()
            if pub:
                pub.kill()
            server.kill()

        expected = ru.packets(fixture)
        if args.gop_cache == "on":  # the GOP in progress at the join
            window = (join_ms - GOP_MS - 500, join_ms + 300)
        else:  # the next keyframe
            window = (join_ms - 300, join_ms + GOP_MS + 500)
        print("joined at ~%.0f ms of media; first keyframe expected in [%.0f, %.0f] ms" % (join_ms, *window))
        problems = []
        with open(decoder.err_path, "rb") as f:
            errors = f.read().decode("utf-8", "replace").strip()
        if rcs["decode"] != 0 or errors:
            problems.append("ffmpeg -f null: exit %s, errors:\n%s" % (rcs["decode"], errors[:2000]))
        else:
            print("decode: ffmpeg -f null decoded the late-joined stream without an error")
        for k, pr, out in players:
            if rcs[k] != 0:
                problems.append("%s exited %s\n%s" % (k, rcs[k], pr.logs()))
                continue
            got = ru.packets(out)
            pb = starts_with_sequence_headers(out)
            more, kdts = ru.check_from_first_keyframe(expected, got, k, expect_start=window)
            pb += more
            problems += pb
            if not pb:
                print("%s: sequence headers, then keyframe at %d ms, then %s frame-exact to the end"
                      % (k, kdts, ru.summary(got)))
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
