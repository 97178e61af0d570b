#!/usr/bin/env python3
"""ffmpeg publishes a fixture to rtmp-server while FFmpeg, rtmpdump, GStreamer rtmp2src and
rtmp-play (when built) play it and save what they receive.

Every player joined before the publisher (it waits for it), so each must be frame-exact
against the fixture from its first keyframe to its end (ffprobe packet lists: dts, pts,
key, size, aligned by timestamp). The server records the stream (--record): the file must
equal the fixture packet for packet. Then SIGTERM: the server must exit 0.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--fixture", default="h264_high_aac")
    p.add_argument("--chunk-size", default="4096")
    p.add_argument("--audio-hold-min-players", default=None,
                   help="rtmp-server's option (0: audio waits for video even with these few players)")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = ru.fixture(args, args.fixture)
        hold = args.audio_hold_min_players
        work = rt.work_dir(args, "relay_fanout.%s.chunk%s%s" % (
            args.fixture, args.chunk_size, "" if hold is None else ".hold" + hold))
        rec_dir = os.path.join(work, "rec")
        kinds = ru.available_players(args)
        server_args = ["--record", rec_dir, "--chunk-size", args.chunk_size]
        if hold is not None:
            server_args += ["--audio-hold-min-players", hold]
        server = ru.Server(args.server, work, server_args)
        players = []
        try:
            for k in kinds:
                out = os.path.join(work, "%s.flv" % k)
                players.append((k, rt.Process(k, ru.player_cmd(k, server.url(), out, args.play), work), out))
            server.wait_log(r"relay: play app=live key=key .*state=waiting_for_publisher", len(players))
            t0 = time.monotonic()
            pub = rt.Process("publisher", ru.publish_cmd(server.url(), fixture), work)
            rc = pub.wait(args.timeout)
            if rc != 0:
                raise rt.TestFailure("publisher exited %s\n%s\n%s" % (rc, pub.logs(), server.proc.logs()))
            print("published %s in %.2fs" % (args.fixture, time.monotonic() - t0))
            rcs = ru.wait_all([(k, pr) for k, pr, _ in players], 15)
            server.wait_log(r"relay: recording closed", 1)
            server.stop()
        finally:
            for _, pr, _ in players:
                pr.kill()
            server.kill()

        expected = ru.packets(fixture)
        problems = []
        for k, pr, out in players:
            if rcs[k] != 0:
                problems.append("%s exited %s (None = still running 15 s after the publisher)\n%s"
                                % (k, rcs[k], pr.logs()))
                continue
            got = ru.packets(out)
            pb, _ = ru.check_from_first_keyframe(expected, got, k, expect_start="first")
            problems += pb
            if not pb:
                print("%s: %s, frame-exact from the first keyframe" % (k, ru.summary(got)))
        recs = [os.path.join(dp, f) for dp, _, fs in os.walk(rec_dir) for f in fs]
        if len(recs) != 1 or not recs[0].startswith(os.path.join(rec_dir, "live", "key-")):
            problems.append("expected one recording rec/live/key-<UTC>.flv, found %s" % recs)
        else:
            got = ru.packets(recs[0])
            pb = rt.compare_tracks(expected, got, exp_name="fixture", act_name="recording")
            problems += pb
            if not pb:
                print("recording %s: %s, identical to the fixture" % (os.path.relpath(recs[0], work), ru.summary(got)))
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
