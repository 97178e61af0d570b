#!/usr/bin/env python3
"""rtmp-publish --loop (real-time pacing) into rtmp-probe --listen, stopped with SIGINT after
7 s: the timeline continues across passes (every video dts one frame interval after the one
before, no jump back to the file's start), pacing holds (about 7 s of media in 7 s), every
pass repeats the fixture's frames in order, and rtmp-publish ends with 130 after a clean
FCUnpublish/deleteStream (the probe sees one disconnect, last).
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_util as cu  # noqa: E402
import rtmptest as rt  # noqa: E402


def main():
    p = cu.arg_parser(__doc__)
    p.add_argument("--fixture", default="h264_only")
    args = p.parse_args()
    rt.require_tools("ffprobe")

    def run():
        fixture = rt.fixture_path(args.fixtures, args.fixture)
        work = rt.work_dir(args, "client_loop." + args.fixture)
        probe = rt.Process("probe", [args.probe, "--listen", "--port", "0", "--bind", "127.0.0.1"], work)
        try:
            port = probe.wait_for_port(10)
            pub = rt.Process("rtmp-publish", [args.publish, fixture, "rtmp://127.0.0.1:%d/live/key" % port,
                                              "--loop"], work)
            time.sleep(7)
            pub.proc.send_signal(signal.SIGINT)
            rc = pub.wait(10)
            if rc != 130:
                raise rt.TestFailure("rtmp-publish exited %s after SIGINT, expected 130\n%s" % (rc, pub.logs()))
            if probe.wait(10) != 0:
                raise rt.TestFailure("rtmp-probe did not end after the publisher left\n" + probe.logs())
        finally:
            probe.kill()
        events = rt.read_events(probe.out_path)
        problems = rt.check_session_events(events)
        ref = rt.ffprobe_packets(fixture)["video"]
        got = [e for e in events if e["event"] == "video"]
        dts = [e["dts"] for e in got]
        span = dts[-1] - dts[0] if dts else 0
        if len(got) < 1.8 * len(ref):
            problems.append("only %d video frames in 7 s (fixture: %d per pass)" % (len(got), len(ref)))
        if not 5500 <= span <= 7600:
            problems.append("media span %d ms in 7 s of real time: pacing broken" % span)
        steps = sorted(set(b - a for a, b in zip(dts, dts[1:])))
        if steps and (steps[0] <= 0 or steps[-1] > 2 * (ref[1].dts - ref[0].dts) + 1):
            problems.append("dts steps %s: the timeline is not continuous across passes" % steps)
        sizes = [e["size"] for e in got]
        want = [r.size for r in ref]
        for i in range(0, len(sizes) - len(want) + 1, len(want)):
            if sizes[i:i + len(want)] != want:
                problems.append("pass starting at frame %d differs from the fixture" % i)
                break
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))
        print("%d frames over %d ms in %d passes, continuous" % (len(got), span, len(got) // len(ref) + 1))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
