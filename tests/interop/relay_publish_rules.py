#!/usr/bin/env python3
"""rtmp-server's admission rules with real FFmpeg and rtmpdump.

--case second_publisher: a second ffmpeg publishing the same key is rejected
    (NetStream.Publish.BadName) while the first goes on undisturbed: the player's copy is
    frame-exact.
--case key_file: --publish-key-file allows listed keys (query string ignored) and rejects
    others; a player gets the allowed stream frame-exact.
--case wait_for_publisher: a player of a key nobody publishes gets
    NetStream.Play.StreamNotFound after --wait-for-publisher seconds and ends (and at once
    with 0).
--case max_connections: with --max-connections 2, a third connection is refused.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def play_and_check(args, server, work, fixture, publish_url, play_url):
    """rtmpdump plays play_url while ffmpeg publishes publish_url; returns problems."""
    out = os.path.join(work, "player.flv")
    player = rt.Process("player", ru.player_cmd("rtmpdump", play_url, out), work)
    try:
        server.wait_log(r"relay: play .*state=waiting_for_publisher")
        pub = rt.Process("publisher", ru.publish_cmd(publish_url, fixture), work)
        rc = pub.wait(args.timeout)
        if rc != 0:
            return ["allowed publisher exited %s\n%s" % (rc, pub.logs())]
        prc = player.wait(15)
    finally:
        player.kill()
    if prc != 0:
        return ["player exited %s\n%s" % (prc, player.logs())]
    problems, _ = ru.check_from_first_keyframe(ru.packets(fixture), ru.packets(out), "player", "first")
    if not problems:
        print("player: frame-exact copy of the published stream")
    return problems


def second_publisher(args, server, work, fixture):
    out = os.path.join(work, "player.flv")
    player = rt.Process("player", ru.player_cmd("rtmpdump", server.url(), out), work)
    first = second = None
    try:
        server.wait_log(r"relay: play .*state=waiting_for_publisher")
        first = rt.Process("first", ru.publish_cmd(server.url(), fixture), work)
        server.wait_log(r"relay: publish app=live key=key")
        time.sleep(0.5)
        second = rt.Process("second", ru.publish_cmd(server.url("key?other=1"), fixture), work)
        rc2 = second.wait(10)
        rc1 = first.wait(args.timeout)
        prc = player.wait(15)
    finally:
        for p in (player, first, second):
            if p:
                p.kill()
    problems = []
    if rc2 in (0, None):
        problems.append("second publisher was not rejected (exit %s)\n%s" % (rc2, second.logs()))
    else:
        print("second publisher: rejected, ffmpeg exited %d" % rc2)
    server.wait_log(r"relay: publish rejected app=live key=key .*already published by session")
    if rc1 != 0:
        problems.append("first publisher exited %s\n%s" % (rc1, first.logs()))
    if prc != 0:
        problems.append("player exited %s\n%s" % (prc, player.logs()))
    else:
        pb, _ = ru.check_from_first_keyframe(ru.packets(fixture), ru.packets(out), "player", "first")
        problems += pb
        if not pb:
            print("first publisher undisturbed: the player's copy is frame-exact")
    return problems


def key_file(args, server, work, fixture):
    problems = []
    bad = rt.Process("bad", ru.publish_cmd(server.url("wrong"), fixture), work)
    rc = bad.wait(10)
    if rc in (0, None):
        problems.append("publish with a key not in the file was not rejected (exit %s)" % rc)
    else:
        server.wait_log(r"relay: publish rejected app=live key=wrong .*key not allowed")
        print("key 'wrong': rejected (ffmpeg exit %d)" % rc)
    scoped = rt.Process("scoped", ru.publish_cmd(server.url("scoped", app="other"), fixture), work)
    rc = scoped.wait(10)
    if rc in (0, None):
        problems.append("'live/scoped' was allowed in app 'other' (exit %s)" % rc)
    problems += play_and_check(args, server, work, fixture, server.url("goodkey?token=1"),
                               server.url("goodkey"))
    return problems


def wait_for_publisher(args, server_bin, work):
    problems = []
    for wait in ("2", "0"):
        server = ru.Server(server_bin, work, ["--wait-for-publisher", wait], name="server-wait" + wait)
        try:
            t0 = time.monotonic()
            dump_out = os.path.join(work, "rtmpdump-wait%s.flv" % wait)
            player = rt.Process("player-wait" + wait, ru.player_cmd("rtmpdump", server.url("nobody"), dump_out), work)
            ff = rt.Process("ffplayer-wait" + wait,
                            ru.player_cmd("ffmpeg", server.url("nobody"), os.path.join(work, "f.flv")), work)
            rc, frc = player.wait(10), ff.wait(10)
            took = time.monotonic() - t0
            # rtmpdump already had NetStream.Play.Start when waiting: it ends with exit 0 and
            # an empty file; FFmpeg reports the error ("Server error: nobody is not live").
            dumped = os.path.getsize(dump_out) if os.path.exists(dump_out) else 0
            if rc is None or dumped > 13 or frc in (0, None):
                problems.append("--wait-for-publisher %s: players exited %s (rtmpdump, %d bytes), %s (ffmpeg)"
                                % (wait, rc, dumped, frc))
            elif took < float(wait) - 0.3 or took > float(wait) + 3:
                problems.append("--wait-for-publisher %s: players ended after %.1f s" % (wait, took))
            else:
                print("--wait-for-publisher %s: both players got StreamNotFound and ended after %.1f s"
                      % (wait, took))
            pattern = r"relay: player gave up waiting" if wait != "0" else r"relay: play rejected .*not live"
            server.wait_log(pattern, 2)
            server.stop()
        finally:
            server.kill()
    return problems


def max_connections(args, server, work, fixture):
    problems = []
    holders = [rt.Process("hold%d" % i, ru.player_cmd("rtmpdump", server.url("k%d" % i), os.path.join(work, "h.flv")), work)
               for i in range(2)]
    try:
        server.wait_log(r"relay: play .*state=waiting_for_publisher", 2)
        third = rt.Process("third", ru.player_cmd("rtmpdump", server.url("k3"), os.path.join(work, "t.flv")), work)
        rc = third.wait(10)
        if rc in (0, None):
            problems.append("third connection was not refused (exit %s)" % rc)
        else:
            server.wait_log(r"connection refused: max-connections 2 reached")
            print("third connection refused (rtmpdump exit %d)" % rc)
    finally:
        for h in holders:
            h.kill()
    return problems


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", required=True,
                   choices=("second_publisher", "key_file", "wait_for_publisher", "max_connections"))
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe", "rtmpdump")

    def run():
        fixture = rt.fixture_path(args.fixtures, "h264_high_aac")
        work = rt.work_dir(args, "relay_publish_rules." + args.case)
        if args.case == "wait_for_publisher":
            problems = wait_for_publisher(args, args.server, work)
        else:
            extra = []
            if args.case == "key_file":
                keys = os.path.join(work, "keys.txt")
                with open(keys, "w") as f:
                    f.write("# allowed publish keys\ngoodkey\nlive/scoped\n")
                extra = ["--publish-key-file", keys]
            if args.case == "max_connections":
                extra = ["--max-connections", "2"]
            server = ru.Server(args.server, work, extra)
            try:
                problems = globals()[args.case](args, server, work, fixture)
                server.stop()
            finally:
                server.kill()
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
