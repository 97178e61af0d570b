#!/usr/bin/env python3
"""The relay's policy for legacy players of Enhanced RTMP streams, with FFmpeg 5.1
as the legacy player (Debian's ffmpeg sends no fourCcList) and rtmp-play as the Enhanced one.

 --case multitrack: ffmpeg and rtmp-play wait for the multitrack_avc_default fixture (track 0
   avc1 + mp4a, track 1 hvc1 + Opus), published by rtmp-publish to rtmp-server. ffmpeg must
   get the default tracks only, as legacy AVC/AAC, frame-exact against `ffprobe
   -show_packets` of the fixture's track-0 sources (dts, pts, key, size); rtmp-play all
   tracks, frame-exact per track against the sources.
 --case hevc: the same with hevc_opus: ffmpeg (waiting, and a second one joining while live)
   must fail with the server's NetStream.Play.Failed description naming HEVC on stderr and
   write no frame; rtmp-play still gets everything frame-exact.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import enhanced_util as eu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

FIXTURE = {"multitrack": "multitrack_avc_default", "hevc": "hevc_opus"}
HEVC_REASON = "HEVC (hvc1) needs Enhanced RTMP; this player did not announce it"


def default_tracks(args, name):
    """The fixture's track 0 of each kind as rt.Packet lists (what a legacy player gets)."""
    expected, _ = eu.fixture_reference(args.fixtures, name)
    return {kind: [rt.Packet(f.dts, f.pts, f.key, f.size) for f in expected.get((kind, 0), [])]
            for kind in ("video", "audio")}


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--publish", required=True, help="path to rtmp-publish")
    p.add_argument("--mux", required=True, help="path to rtmp-mux")
    p.add_argument("--case", required=True, choices=sorted(FIXTURE))
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        name = FIXTURE[args.case]
        fixture = eu.flv_path(args.fixtures, name)
        if not os.path.isfile(fixture):
            print("SKIP: fixture %s was not made (encoder missing?)" % name)
            sys.exit(rt.SKIP)
        if not (args.play and os.path.isfile(args.play)):
            print("SKIP: rtmp-play not built")
            sys.exit(rt.SKIP)
        work = rt.work_dir(args, "enhanced_legacy.%s" % args.case)
        server = ru.Server(args.server, work)
        ff_out = os.path.join(work, "ffmpeg.flv")
        late_out = os.path.join(work, "ffmpeg-late.flv")
        play_out = os.path.join(work, "rtmp-play.flv")
        procs = []
        try:
            procs.append(("ffmpeg", rt.Process("ffmpeg", ru.player_cmd("ffmpeg", server.url(), ff_out), work)))
            procs.append(("rtmp-play", rt.Process("rtmp-play", [args.play, server.url(), "-o", play_out], work)))
            server.wait_log(r"relay: play app=live key=key .*kind=legacy .*state=waiting_for_publisher", 1)
            server.wait_log(r"relay: play app=live key=key .*kind=full .*state=waiting_for_publisher", 1)
            pub = rt.Process("publisher", [args.publish, "-q", fixture, server.url()], work)
            if args.case == "hevc":
                # A legacy player joining while live is refused at play.
                server.wait_log(r"relay: publish app=live key=key", 1)
                time.sleep(0.3)
                procs.append(("ffmpeg-late", rt.Process("ffmpeg-late", ru.player_cmd("ffmpeg", server.url(), late_out), work)))
            rc = pub.wait(args.timeout)
            if rc != 0:
                raise rt.TestFailure("rtmp-publish exited %s\n%s\n%s" % (rc, pub.logs(), server.proc.logs()))
            rcs = ru.wait_all(procs, 15)
            server.stop()
        finally:
            for _, pr in procs:
                pr.kill()
            server.kill()

        problems = []
        # rtmp-play (Enhanced, multitrack): everything, frame-exact per track.
        if rcs["rtmp-play"] != 0:
            problems.append("rtmp-play exited %s\n%s" % (rcs["rtmp-play"], procs[1][1].logs()))
        else:
            pb, _ = eu.check_flv_against_sources(args.mux, args.fixtures, name, play_out, "rtmp-play")
            problems += pb
            if not pb:
                print("rtmp-play (Enhanced): every track frame-exact")
        if args.case == "multitrack":
            if rcs["ffmpeg"] != 0:
                problems.append("ffmpeg exited %s\n%s" % (rcs["ffmpeg"], procs[0][1].logs()))
            else:
                got = ru.packets(ff_out)
                want = default_tracks(args, name)
                pb, _ = ru.check_from_first_keyframe(want, got, "ffmpeg", expect_start="first")
                problems += pb
                if not pb:
                    print("ffmpeg (legacy): default tracks frame-exact (%d video, %d audio)"
                          % (len(got["video"]), len(got["audio"])))
        else:
            for k, pr in procs:
                if not k.startswith("ffmpeg"):
                    continue
                with open(pr.err_path, errors="replace") as f:
                    err = f.read()
                if rcs[k] == 0:
                    problems.append("%s exited 0 on an HEVC stream" % k)
                if HEVC_REASON not in err:
                    problems.append("%s: stderr lacks %r:\n%s" % (k, HEVC_REASON, err[-2000:]))
                out = ff_out if k == "ffmpeg" else late_out
                if os.path.isfile(out) and os.path.getsize(out) > 0:
                    frames = ru.packets(out)
                    if frames["video"] or frames["audio"]:
                        problems.append("%s wrote %d video, %d audio frames" % (k, len(frames["video"]), len(frames["audio"])))
                if not problems:
                    print("%s (legacy): NetStream.Play.Failed, %r" % (k, HEVC_REASON))
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
