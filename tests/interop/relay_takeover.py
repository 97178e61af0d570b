#!/usr/bin/env python3
"""rtmp-server --publisher-takeover with real ffmpeg publishers and players.

--case stale: ffmpeg publishes, is stopped with SIGSTOP (a silent encoder); after
    --takeover-stale-ms a second ffmpeg publishes the same key and replaces it. The ffmpeg
    and rtmpdump players stay connected through the switch and end with the second
    publisher's stream: more video than the first sent, timestamps never going back.
--case always: the second publish comes at once (an OBS-like reconnect while the old
    connection still looks alive) and replaces the first.
--case off: the second publish is rejected (NetStream.Publish.BadName), as without takeover.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

FIRST_SECONDS = 4  # the first publisher runs this long before it is stopped


def check_player(name, path, min_video):
    """Problems with a player's copy: too little video, or video dts going back."""
    video = ru.packets(path)["video"]
    problems = []
    if len(video) < min_video:
        problems.append("%s: %d video packets, want >= %d" % (name, len(video), min_video))
    back = [i for i in range(1, len(video)) if video[i].dts < video[i - 1].dts]
    if back:
        problems.append("%s: video dts goes back at packet %d" % (name, back[0]))
    if not problems:
        print("%s: %d video packets, dts monotonic, through the takeover" % (name, len(video)))
    return problems


def run_case(args, server, work, fixture, case):
    kinds = ru.available_players(args, wanted=("ffmpeg", "rtmpdump"))
    players = {k: rt.Process(k, ru.player_cmd(k, server.url(), os.path.join(work, k + ".flv")), work)
               for k in kinds}
    first = second = None
    problems = []
    try:
        server.wait_log(r"relay: play .*state=waiting_for_publisher", count=len(kinds))
        first = rt.Process("first", ru.publish_cmd(server.url(), fixture), work)
        server.wait_log(r"relay: publish app=live key=key")
        time.sleep(FIRST_SECONDS)
        os.kill(first.proc.pid, signal.SIGSTOP)
        if case != "always":
            time.sleep(3)  # past --takeover-stale-ms 2000
        second = rt.Process("second", ru.publish_cmd(server.url(), fixture), work)
        if case == "off":
            rc2 = second.wait(10)
            if rc2 in (0, None):
                problems.append("second publisher was not rejected (exit %s)" % rc2)
            server.wait_log(r"relay: publish rejected app=live key=key .*already published")
            print("off: second publisher rejected (ffmpeg exit %s)" % rc2)
            return problems
        server.wait_log(r"relay: publisher takeover app=live key=key")
        print("%s: takeover logged" % case)
        rc2 = second.wait(args.timeout)
        if rc2 != 0:
            problems.append("second publisher exited %s\n%s" % (rc2, second.logs()))
        rcs = ru.wait_all(list(players.items()), 20)
        # The first sent FIRST_SECONDS of 30 fps; the second all 20 s: its frames must be there.
        for k in kinds:
            if rcs[k] != 0:
                problems.append("%s exited %s\n%s" % (k, rcs[k], players[k].logs()))
            else:
                problems += check_player(k, os.path.join(work, k + ".flv"), (FIRST_SECONDS + 15) * 30)
    finally:
        if first:
            try:
                os.kill(first.proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        for p in [first, second] + list(players.values()):
            if p:
                p.kill()
    return problems


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=("stale", "always", "off"))
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = ru.fixture(args, "relay_2mbit_20s")
        work = rt.work_dir(args, "relay_takeover." + args.case)
        server = ru.Server(args.server, work, ["--publisher-takeover", args.case,
                                               "--takeover-stale-ms", "2000"])
        try:
            problems = run_case(args, server, work, fixture, args.case)
            server.stop()
        finally:
            server.kill()
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
