#!/usr/bin/env python3
"""SIGTERM while a stream is live: rtmp-server stops gracefully.

ffmpeg publishes the 20 s relay fixture with --record on; FFmpeg, rtmpdump, GStreamer and
rtmp-play (when built) play it. 4 s in, the server gets SIGTERM: it must exit 0 within
5 s, every player must end on its own (UnpublishNotify + StreamEOF, then the close), and
what each player saved and the recording must be valid FLV files holding a frame-exact
prefix of the fixture.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def check_prefix(expected, got, name):
    problems = []
    for track in ("video", "audio"):
        e, g = expected[track], got[track]
        if not g:
            problems.append("%s: no %s packets" % (name, track))
        elif g != e[:len(g)]:
            problems += rt.compare_tracks({track: e[:len(g)]}, {track: g}, exp_name="fixture", act_name=name)
    return problems


def main():
    p = ru.arg_parser(__doc__)
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = ru.relay_fixture(args.fixtures, "relay_2mbit_20s")
        work = rt.work_dir(args, "relay_shutdown")
        rec_dir = os.path.join(work, "rec")
        kinds = ru.available_players(args)
        server = ru.Server(args.server, work, ["--record", rec_dir])
        players, pub = [], None
        try:
            for k in kinds:
                out = os.path.join(work, "%s.flv" % k)
                players.append((k, rt.Process(k, ru.player_cmd(k, server.url(), out, args.play), work), out))
            server.wait_log(r"relay: play .*state=waiting_for_publisher", len(players))
            pub = rt.Process("publisher", ru.publish_cmd(server.url(), fixture), work)
            server.wait_log(r"relay: publish app=live key=key")
            time.sleep(4)
            t0 = time.monotonic()
            server.proc.proc.send_signal(signal.SIGTERM)
            rc = server.proc.wait(5)
            took = time.monotonic() - t0
            if rc != 0:
                raise rt.TestFailure("rtmp-server exited %s after SIGTERM (None: still running after 5 s)\n%s"
                                     % (rc, server.proc.logs()))
            print("rtmp-server stopped in %.2f s, exit 0" % took)
            rcs = ru.wait_all([(k, pr) for k, pr, _ in players], 5)
        finally:
            for _, pr, _ in players:
                pr.kill()
            if pub:
                pub.kill()
            server.kill()

        expected = ru.packets(fixture)
        problems = []
        log = server.log()
        for line in ("rtmp-server: SIGTERM: stopping", "relay: recording closed", "rtmp-server: stopped"):
            if line not in log:
                problems.append("server log lacks %r" % line)
        for k, pr, out in players:
            if rcs[k] is None:
                problems.append("%s still running 5 s after the server stopped" % k)
                continue
            got = ru.packets(out)
            pb = check_prefix(expected, got, k)
            problems += pb
            if not pb:
                print("%s: ended (exit %d) with %s, a frame-exact prefix of the fixture" % (k, rcs[k], ru.summary(got)))
        recs = [os.path.join(dp, f) for dp, _, fs in os.walk(rec_dir) for f in fs]
        if len(recs) != 1:
            problems.append("expected one recording, found %s" % recs)
        else:
            got = ru.packets(recs[0])
            pb = check_prefix(expected, got, "recording")
            problems += pb
            if not pb:
                print("recording: closed, %s, a frame-exact prefix of the fixture" % ru.summary(got))
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
