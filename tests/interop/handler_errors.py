#!/usr/bin/env python3
"""Handlers that throw, and legacy video codecs, against real FFmpeg through rtmp-test-server.

Cases (--case):
  throw_on_video   the handler throws in on_video for the first publisher: ffmpeg exits with
                   an error promptly (not hanging until a timeout), on_disconnect comes once
                   with handler_error naming on_video, and a second ffmpeg publish is served
                   in full (every frame of the fixture reaches the handler)
  legacy_flv1      ffmpeg publishes Sorenson H.263 (-c:v flv1): the handler gets a Codec
                   h263 (no config) and one video sample per packet, whose dts, keyframe flag
                   and size match ffprobe's packet list of the same file
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest as rt  # noqa: E402
from handler_contract import start_server, stop_server  # noqa: E402


def publish_cmd(path, port, key, realtime):
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error"] + (["-re"] if realtime else [])
    return cmd + ["-i", path, "-c", "copy", "-f", "flv", "rtmp://127.0.0.1:%d/live/%s" % (port, key)]


def case_throw_on_video(args, work):
    fixture = rt.fixture_path(args.fixtures, "h264_high_aac")
    server, port = start_server(args, work, ["--throw-in", "on_video"])
    try:
        # Real time: the publisher is mid-stream when the handler throws, and must be told.
        first = rt.Process("first", publish_cmd(fixture, port, "one", True), work)
        t0 = time.monotonic()
        rc = first.wait(args.timeout)
        took = time.monotonic() - t0
        if rc is None:
            raise rt.TestFailure("ffmpeg hung after the handler threw\n" + first.logs())
        if rc == 0:
            raise rt.TestFailure("ffmpeg exited 0 although its session was closed\n" + first.logs())
        if took > 5:
            raise rt.TestFailure("ffmpeg took %.1f s to notice the close" % took)
        print("first publisher: ffmpeg exited %d after %.2f s" % (rc, took))
        second = rt.Process("second", publish_cmd(fixture, port, "two", False), work)
        if second.wait(args.timeout) != 0:
            raise rt.TestFailure("second publisher failed\n" + second.logs())
        time.sleep(0.3)
    finally:
        events = stop_server(server)
        log = open(server.err_path, "rb").read().decode(errors="replace")
    d = [e for e in events if e["event"] == "disconnect"]
    if len(d) != 2:
        raise rt.TestFailure("want two disconnects (one per publisher), got %r" % d)
    bad, good = d[0], d[1]
    if bad["code"] != "handler_error" or "on_video threw" not in bad["reason"]:
        raise rt.TestFailure("first disconnect should be handler_error in on_video: %r" % bad)
    if "handler on_video threw: test handler throws in on_video" not in log:
        raise rt.TestFailure("the server log does not name the callback and what()\n" + log[-2000:])
    want = rt.ffprobe_packets(fixture)
    if good["code"] != "closed" or good["video"] != len(want["video"]) or good["audio"] != len(want["audio"]):
        raise rt.TestFailure("second publish not served in full: %r, fixture %d video / %d audio"
                             % (good, len(want["video"]), len(want["audio"])))
    print("on_disconnect once with %s; second publish delivered %d video and %d audio frames"
          % (bad["reason"], good["video"], good["audio"]))


def case_legacy_flv1(args, work):
    src = os.path.join(work, "flv1.flv")
    make = rt.Process("encode", ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                                 "testsrc=size=320x240:rate=25:duration=2", "-c:v", "flv1", "-g", "12",
                                 "-an", "-y", src], work)
    if make.wait(args.timeout) != 0:
        raise rt.TestFailure("cannot encode flv1\n" + make.logs())
    server, port = start_server(args, work, ["--log-samples"])
    try:
        pub = rt.Process("publisher", publish_cmd(src, port, "key", False), work)
        if pub.wait(args.timeout) != 0:
            raise rt.TestFailure("publisher failed\n" + pub.logs())
        time.sleep(0.3)
    finally:
        events = stop_server(server)
    codecs = [e for e in events if e["event"] == "codec"]
    if [c["codec"] for c in codecs] != ["h263"] or not codecs[0]["from_frame"]:
        raise rt.TestFailure("want one from-frame h263 codec, got %r" % codecs)
    got = [(e["dts"], e["key"], e["size"]) for e in events if e["event"] == "video"]
    want = [(p.dts, p.key, p.size) for p in rt.ffprobe_packets(src)["video"]]
    if got != want:
        bad = [i for i, (a, b) in enumerate(zip(want, got)) if a != b][:5]
        raise rt.TestFailure("samples differ from ffprobe: %d vs %d, first at %s: %s"
                             % (len(want), len(got), bad, [(want[i], got[i]) for i in bad]))
    d = [e for e in events if e["event"] == "disconnect"]
    if len(d) != 1 or d[0]["code"] != "closed":
        raise rt.TestFailure("want one clean disconnect, got %r" % d)
    print("h263: %d samples match ffprobe (dts, keyframe, size); %d keyframes"
          % (len(got), sum(1 for g in got if g[1])))


def main():
    p = rt.arg_parser(__doc__)
    p.add_argument("--server", required=True, help="path to rtmp-test-server")
    p.add_argument("--case", required=True)
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")
    work = rt.work_dir(args, "handler_errors_" + args.case)
    cases = {"throw_on_video": case_throw_on_video, "legacy_flv1": case_legacy_flv1}
    if args.case not in cases:
        print("unknown case " + args.case)
        sys.exit(2)
    rt.main_wrapper(lambda: cases[args.case](args, work))


if __name__ == "__main__":
    main()
