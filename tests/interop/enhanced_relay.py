#!/usr/bin/env python3
"""rtmp-publish publishes an Enhanced FLV fixture (made by rtmp-mux) to rtmp-server while
rtmp-play (saving an FLV) and rtmp-probe (client mode, JSON events) play it.

Both players join before the publisher, so each must be frame-exact from the start:
 - rtmp-play's file, demuxed by rtmpcxx (rtmp-mux --dump), against `ffprobe -show_packets`
   of the fixture's MP4 sources: per track id, dts/pts/key/size and CRC-32 of every frame;
   and tag for tag (type, timestamp, size, CRC-32) equal to the fixture file;
 - rtmp-probe's video/audio events, in order, against the fixture's events (dts, pts, key,
   size; its events carry no track id, so a multitrack stream is compared in wire order);
 - the server's recording (--record) like rtmp-play's file.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import enhanced_util as eu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def probe_sequence(events):
    out = []
    for e in events:
        if e["event"] == "video":
            out.append(("video", e["dts"], e["pts"], e["key"], e["size"]))
        elif e["event"] == "audio":
            out.append(("audio", e["ts"], e["ts"], True, e["size"]))
    return out


def fixture_sequence(dump_events):
    return probe_sequence(dump_events)


def check_file(args, name, path, label, fixture_tags):
    problems, _ = eu.check_flv_against_sources(args.mux, args.fixtures, name, path, label)
    got = rt.flv_messages(rt.read_flv(path))
    if got != fixture_tags:
        rows = rt.diff_rows(fixture_tags, got)
        problems.append("%s: %d audio/video tags, fixture %d; %d rows differ, first: %s"
                        % (label, len(got), len(fixture_tags), len(rows), rows[:3]))
    return problems


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--publish", required=True, help="path to rtmp-publish")
    p.add_argument("--mux", required=True, help="path to rtmp-mux")
    p.add_argument("--fixture", required=True)
    args = p.parse_args()
    rt.require_tools("ffprobe")

    def run():
        fixture = eu.flv_path(args.fixtures, args.fixture)
        if not os.path.isfile(fixture):
            print("SKIP: fixture %s was not made (encoder missing?)" % args.fixture)
            sys.exit(rt.SKIP)
        for tool, path in (("rtmp-play", args.play), ("rtmp-probe", args.probe)):
            if not (path and os.path.isfile(path)):
                print("SKIP: %s not built" % tool)
                sys.exit(rt.SKIP)
        work = rt.work_dir(args, "enhanced_relay.%s" % args.fixture)
        rec_dir = os.path.join(work, "rec")
        server = ru.Server(args.server, work, ["--record", rec_dir])
        play_out = os.path.join(work, "rtmp-play.flv")
        players = []
        try:
            players.append(("rtmp-play", rt.Process("rtmp-play", [args.play, server.url(), "-o", play_out], work)))
            players.append(("rtmp-probe", rt.Process("rtmp-probe", [args.probe, server.url()], work)))
            server.wait_log(r"relay: play app=live key=key .*state=waiting_for_publisher", len(players))
            t0 = time.monotonic()
            pub = rt.Process("publisher", [args.publish, "-q", fixture, server.url()], work)
            rc = pub.wait(args.timeout)
            if rc != 0:
                raise rt.TestFailure("rtmp-publish exited %s\n%s\n%s" % (rc, pub.logs(), server.proc.logs()))
            print("published %s in %.2fs" % (args.fixture, time.monotonic() - t0))
            rcs = ru.wait_all(players, 15)
            server.wait_log(r"relay: recording closed", 1)
            server.stop()
        finally:
            for _, pr in players:
                pr.kill()
            server.kill()

        problems = []
        for k, pr in players:
            if rcs[k] != 0:
                problems.append("%s exited %s (None = still running 15 s after the publisher)\n%s"
                                % (k, rcs[k], pr.logs()))
        fixture_tags = rt.flv_messages(rt.read_flv(fixture))
        fixture_events = eu.dump(args.mux, fixture)
        if rcs["rtmp-play"] == 0:
            pb = check_file(args, args.fixture, play_out, "rtmp-play", fixture_tags)
            problems += pb
            if not pb:
                print("rtmp-play: %d tags, frame-exact per track and tag for tag" % len(fixture_tags))
        if rcs["rtmp-probe"] == 0:
            got = probe_sequence(rt.read_events(players[1][1].out_path))
            want = fixture_sequence(fixture_events)
            if got != want:
                rows = rt.diff_rows(want, got)
                problems.append("rtmp-probe: %d frames, fixture %d; %d rows differ, first: %s"
                                % (len(got), len(want), len(rows), rows[:4]))
            else:
                print("rtmp-probe: %d frames, frame-exact in wire order" % len(got))
        recs = [os.path.join(dp, f) for dp, _, fs in os.walk(rec_dir) for f in fs]
        if len(recs) != 1:
            problems.append("expected one recording, found %s" % recs)
        else:
            pb = check_file(args, args.fixture, recs[0], "recording", fixture_tags)
            problems += pb
            if not pb:
                print("recording: frame-exact per track and tag for tag")
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
