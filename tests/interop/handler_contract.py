#!/usr/bin/env python3
"""The Handler contract against real FFmpeg, through rtmp-test-server (tests/tools).

Cases (--case):
  reject_connect / reject_publish / reject_play  ffmpeg fails and prints the description
  second_publisher   a second publisher on a live key is rejected; the first is untouched
  send_play          a handler plays a fixture with send_codec/send_video/send_audio to
                     `ffmpeg -i rtmp://... -c copy out.flv`: ffprobe packet lists (with
                     payload CRCs) of out.flv equal the fixture's
  disconnect_clean | disconnect_kill | disconnect_protocol | disconnect_stop
                     on_disconnect fires exactly once, with the right reason
"""
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest as rt  # noqa: E402
import rtmpwire as rw  # noqa: E402


def start_server(args, work, extra):
    p = rt.Process("server", [args.server, "--port", "0"] + extra, work)
    return p, p.wait_for_port(10)


def stop_server(p):
    if p.proc.poll() is None:
        p.proc.send_signal(signal.SIGTERM)
    rc = p.wait(15)
    if rc is None:
        raise rt.TestFailure("rtmp-test-server did not stop on SIGTERM\n" + p.logs())
    return rt.read_events(p.out_path, schema=False)  # rtmp-test-server's lines


def ffmpeg_publish(fixture, port, key="key", realtime=True, seconds=None):
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error"]
    if realtime:
        cmd += ["-re"]
    cmd += ["-i", fixture]
    if seconds:
        cmd += ["-t", str(seconds)]
    return cmd + ["-c", "copy", "-f", "flv", "rtmp://127.0.0.1:%d/live/%s" % (port, key)]


def disconnects(events):
    return [e for e in events if e["event"] == "disconnect"]


def expect_failure(proc, needle, what):
    rc = proc.wait(30)
    err = open(proc.err_path, "rb").read().decode(errors="replace")
    if rc in (None, 0):
        raise rt.TestFailure("%s: ffmpeg exited %s, expected a failure\n%s" % (what, rc, proc.logs()))
    if needle not in err:
        raise rt.TestFailure("%s: ffmpeg's message lacks %r\n%s" % (what, needle, proc.logs()))
    print("%s: ffmpeg exited %d: %s" % (what, rc, err.strip().splitlines()[-1]))


def case_reject(args, work, which):
    desc = "no %s for you" % which
    server, port = start_server(args, work, ["--reject-" + which, desc])
    try:
        fixture = rt.fixture_path(args.fixtures, "h264_high_aac")
        if which == "play":
            cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i",
                   "rtmp://127.0.0.1:%d/live/key" % port, "-f", "null", "-"]
        else:
            cmd = ffmpeg_publish(fixture, port, realtime=False, seconds=1)
        expect_failure(rt.Process("ffmpeg", cmd, work), "Server error: " + desc, "reject " + which)
    finally:
        events = stop_server(server)
    d = disconnects(events)
    if len(d) != 1:
        raise rt.TestFailure("expected one disconnect, got %r" % d)


def case_second_publisher(args, work):
    server, port = start_server(args, work, [])
    fixture = rt.fixture_path(args.fixtures, "h264_high_aac")
    first = rt.Process("first", ffmpeg_publish(fixture, port), work)
    try:
        time.sleep(1.0)
        second = rt.Process("second", ffmpeg_publish(fixture, port, realtime=False), work)
        expect_failure(second, "already being published", "second publisher")
        rc = first.wait(args.timeout)
        if rc != 0:
            raise rt.TestFailure("first publisher exited %s\n%s" % (rc, first.logs()))
    finally:
        first.kill()
        events = stop_server(server)
    want = rt.ffprobe_packets(fixture)
    d = disconnects(events)
    firsts = [e for e in d if e["video"] > 0]
    if len(d) != 2 or len(firsts) != 1:
        raise rt.TestFailure("expected two disconnects, one with media: %r" % d)
    got = firsts[0]
    if got["video"] != len(want["video"]) or got["audio"] != len(want["audio"]):
        raise rt.TestFailure("first publisher lost frames: handler saw %d video / %d audio, fixture has %d / %d"
                             % (got["video"], got["audio"], len(want["video"]), len(want["audio"])))
    print("first publisher delivered all %d video and %d audio frames" % (got["video"], got["audio"]))


def packets_with_hash(path):
    data = rt.ffprobe_json(path, "-show_packets", "-show_data_hash", "crc32")
    return [(p["codec_type"], p["dts"], p["pts"], p.get("flags"), p["size"], p.get("data_hash"))
            for p in data.get("packets", []) if p.get("codec_type") in ("video", "audio")]


def case_send_play(args, work):
    fixture = rt.fixture_path(args.fixtures, args.fixture)
    server, port = start_server(args, work, ["--play-file", fixture])
    out = os.path.join(work, "out.flv")
    try:
        reader = rt.Process("reader", ["ffmpeg", "-hide_banner", "-loglevel", "error", "-copyts", "-i",
                                       "rtmp://127.0.0.1:%d/live/x" % port, "-c", "copy", "-y", out], work)
        rc = reader.wait(args.timeout)
        if rc is None:
            raise rt.TestFailure("ffmpeg reader did not finish\n" + reader.logs())
    finally:
        events = stop_server(server)
    want, got = packets_with_hash(fixture), packets_with_hash(out)
    if want != got:
        bad = [i for i, (a, b) in enumerate(zip(want, got)) if a != b][:5]
        raise rt.TestFailure("ffprobe packets differ: fixture %d, received %d; first differences at %s: %s"
                             % (len(want), len(got), bad, [(want[i], got[i]) for i in bad]))
    print("ffmpeg received all %d packets identical (dts, pts, flags, size, crc32)" % len(got))
    if len(disconnects(events)) != 1:
        raise rt.TestFailure("expected one disconnect: %r" % events)


def case_disconnect(args, work, how):
    server, port = start_server(args, work, [])
    fixture = rt.fixture_path(args.fixtures, "h264_high_aac")
    pub = None
    try:
        if how == "clean":
            pub = rt.Process("publisher", ffmpeg_publish(fixture, port, realtime=False), work)
            if pub.wait(args.timeout) != 0:
                raise rt.TestFailure("publisher failed\n" + pub.logs())
            time.sleep(0.5)
        elif how == "kill":
            pub = rt.Process("publisher", ffmpeg_publish(fixture, port), work)
            time.sleep(1.5)
            pub.proc.send_signal(signal.SIGKILL)
            pub.wait(5)
            time.sleep(0.5)
        elif how == "protocol":
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            rw.client_handshake(s.sendall, rw.socket_reader(s, on_eof=rt.TestFailure), c1=bytes(rw.HANDSHAKE_SIZE))
            # fmt 0, csid 3, a command message whose AMF body is an invalid marker.
            s.sendall(bytes([0x03, 0, 0, 0, 0, 0, 4, 20, 0, 0, 0, 0]) + b"\xff\xff\xff\xff")
            s.settimeout(5)
            try:
                while s.recv(4096):
                    pass
            except OSError:
                pass
            s.close()
            time.sleep(0.3)
        elif how == "stop":
            pub = rt.Process("publisher", ffmpeg_publish(fixture, port), work)
            time.sleep(1.5)
    finally:
        events = stop_server(server)
        if pub is not None:
            pub.kill()
    d = disconnects(events)
    if len(d) != 1:
        raise rt.TestFailure("on_disconnect fired %d times (want exactly 1): %r" % (len(d), d))
    want = {"clean": ("closed", "peer closed"), "kill": ("", ""),
            "protocol": ("amf_invalid_marker", ""), "stop": ("closed", "server stopping")}[how]
    if want[0] and d[0]["code"] != want[0]:
        raise rt.TestFailure("disconnect code %r, want %r: %r" % (d[0]["code"], want[0], d[0]))
    if want[1] and want[1] not in d[0]["reason"]:
        raise rt.TestFailure("disconnect reason %r lacks %r" % (d[0]["reason"], want[1]))
    if how == "kill" and d[0]["code"] not in ("closed", "io_error"):
        raise rt.TestFailure("killed publisher: unexpected code %r" % d[0])
    print("on_disconnect once: %s" % d[0]["reason"])


def main():
    p = rt.arg_parser(__doc__)
    p.add_argument("--server", required=True, help="path to rtmp-test-server")
    p.add_argument("--case", required=True)
    p.add_argument("--fixture", default="h264_high_aac")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")
    work = rt.work_dir(args, "handler_" + args.case + ("_" + args.fixture if args.case == "send_play" else ""))
    c = args.case

    def run():
        if c.startswith("reject_"):
            case_reject(args, work, c[len("reject_"):])
        elif c == "second_publisher":
            case_second_publisher(args, work)
        elif c == "send_play":
            case_send_play(args, work)
        elif c.startswith("disconnect_"):
            case_disconnect(args, work, c[len("disconnect_"):])
        else:
            raise rt.TestFailure("unknown case " + c)

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
