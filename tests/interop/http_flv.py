#!/usr/bin/env python3
"""rtmp-server --http-port: HTTP-FLV and WebSocket-FLV players against ffmpeg publishing.

--case play --fixture F: an HTTP-FLV reader (Python http.client) of /live/k.flv joins before
  ffmpeg publishes fixture F; the response (200, video/x-flv, chunked) ends when the stream
  unpublishes, and ffprobe of what it got must equal the fixture's packets from the first
  keyframe (dts, pts, key flag, size).
--case ws: an HTTP-FLV reader and a WebSocket-FLV reader (ws://.../live/k.flv, a minimal
  RFC 6455 client) of the same stream, both joined before the publish, must receive the
  same bytes, and that FLV must be frame-exact to the fixture.
--case hostile: while an HTTP-FLV player plays a 20 s stream, a malformed request line, a
  64 KB header, path traversal (encoded dots, encoded slash, backslash), a slowloris and a
  WebSocket client that never reads each get a log line and are closed (400, 431, 400, -,
  slow-player abort); OPTIONS, HEAD and unknown paths get 204/200/404; the player must still
  get the whole stream frame-exact.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_util as hu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def check_flv(expected, path, name):
    got = ru.packets(path)
    problems, _ = ru.check_from_first_keyframe(expected, got, name, expect_start="first")
    if not problems:
        print("%s: %s, frame-exact from the first keyframe" % (name, ru.summary(got)))
    return problems


def check_response(reader, name):
    problems = []
    if reader.error:
        problems.append("%s: %s" % (name, reader.error))
    if reader.status != 200:
        problems.append("%s: status %s" % (name, reader.status))
    h = {k.lower(): v for k, v in reader.headers.items()}
    if h.get("content-type") != "video/x-flv" or h.get("transfer-encoding") != "chunked":
        problems.append("%s: headers %s" % (name, reader.headers))
    if h.get("access-control-allow-origin") != "*":
        problems.append("%s: no CORS header: %s" % (name, reader.headers))
    return problems


def publish(server, fixture, work):
    pub = rt.Process("publisher", ru.publish_cmd(server.url("k"), fixture), work)
    if pub.wait(90) != 0:
        raise rt.TestFailure("ffmpeg publisher failed:\n" + pub.logs())


def case_play(args, work, fixture):
    server = ru.Server(args.server, work, ["--http-port", "0"])
    try:
        port = hu.http_port(server)
        out = os.path.join(work, "http.flv")
        reader = hu.FlvGet(port, "/live/k.flv", out)
        reader.started.wait(10)
        server.wait_log(r"http-flv play live/k", 1)
        publish(server, fixture, work)
        reader.join(20)
        if reader.is_alive():
            return ["the HTTP-FLV response did not end after the unpublish"]
        server.wait_log(r"http-flv live/k ended: NetStream.Play.UnpublishNotify", 1)
        expected = rt.ffprobe_packets(fixture)
        return check_response(reader, "http-flv") + check_flv(expected, out, "http-flv")
    finally:
        server.stop()


def ws_reader(port, out):
    return hu.read_ws_into(hu.WsClient(port, "/live/k.flv"), out)


def case_ws(args, work, fixture):
    server = ru.Server(args.server, work, ["--http-port", "0"])
    try:
        port = hu.http_port(server)
        http_out, ws_out = os.path.join(work, "http.flv"), os.path.join(work, "ws.flv")
        reader = hu.FlvGet(port, "/live/k.flv", http_out)
        ws = ws_reader(port, ws_out)
        server.wait_log(r"-flv play live/k", 2)
        st, _, body = hu.get(port, "/api/streams")
        by = json.loads(body)["streams"][0].get("viewers", {})
        counted = by.get("http-flv") == 1 and by.get("ws-flv") == 1
        publish(server, fixture, work)
        reader.join(20)
        ws.join(20)
        if reader.is_alive() or ws.is_alive():
            return ["a response did not end after the unpublish"]
        problems = check_response(reader, "http-flv")
        if not counted:
            problems.append("/api/streams viewers: %s" % by)
        a, b = open(http_out, "rb").read(), open(ws_out, "rb").read()
        if a != b:
            problems.append("ws-flv got %d bytes, http-flv %d: not the same bytes" % (len(b), len(a)))
        else:
            print("ws-flv and http-flv: the same %d bytes" % len(a))
        expected = rt.ffprobe_packets(fixture)
        return problems + check_flv(expected, ws_out, "ws-flv")
    finally:
        server.stop()


def status_of(answer):
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def hostile_checks(server, port):
    """Each bad client: (what, status wanted or None, log pattern)."""
    problems = []

    def expect(what, data, want_status, log, timeout=5.0):
        ans = hu.raw_request(port, data, timeout)
        st = status_of(ans)
        if want_status is not None and st not in (want_status, None):
            problems.append("%s: answered %s, expected %s" % (what, st, want_status))
        try:
            server.wait_log(log, 1, 10)
            print("%s: %s, logged" % (what, st if st is not None else "closed"))
        except rt.TestFailure:
            problems.append("%s: no log line matching %r" % (what, log))
        return st

    expect("malformed request line", b"GARBAGE\r\n\r\n", 400, r"unreadable request")
    big = b"GET /live/k.flv HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n"
    if expect("64 KB header", big, 431, r"unreadable request: header limit") != 431:
        print("64 KB header: the 431 was lost to the reset (the server closed with input unread)")
    expect("encoded dot segments", b"GET /live/%2e%2e/k.flv HTTP/1.1\r\nHost: x\r\n\r\n", 400,
           r"refused: dot segment")
    expect("encoded slash", b"GET /live/..%2Fk.flv HTTP/1.1\r\nHost: x\r\n\r\n", 400,
           r"refused: encoded slash")
    expect("backslash", b"GET /live\\..\\k.flv HTTP/1.1\r\nHost: x\r\n\r\n", 400,
           r"refused: backslash")
    t0 = time.monotonic()
    expect("slowloris", b"GET /live/k.flv HTTP/1.1\r\nHost: x\r\n", None,
           r"closed: no complete request within 2000 ms", timeout=8.0)
    if time.monotonic() - t0 > 7.5:
        problems.append("slowloris: not closed within the 2 s request timeout")
    for what, data, want in (
            ("OPTIONS", b"OPTIONS /live/k.flv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 204),
            ("unknown path", b"GET /nothing/here/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
            ("HEAD metrics", b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200)):
        st = status_of(hu.raw_request(port, data))
        if st != want:
            problems.append("%s: answered %s, expected %d" % (what, st, want))
    return problems


def case_hostile(args, work):
    fixture = ru.fixture(args, "relay_2mbit_20s")
    server = ru.Server(args.server, work, ["--http-port", "0", "--http-request-timeout", "2",
                                           "--slow-player-timeout", "3"])
    try:
        port = hu.http_port(server)
        out = os.path.join(work, "http.flv")
        reader = hu.FlvGet(port, "/live/k.flv", out)
        server.wait_log(r"http-flv play live/k", 1)
        pub = rt.Process("publisher", ru.publish_cmd(server.url("k"), fixture), work)
        time.sleep(2)
        # A WebSocket player that never reads, with a small receive window.
        stuck = hu.WsClient(port, "/live/k.flv", rcvbuf=4096)
        problems = hostile_checks(server, port)
        try:
            server.wait_log(r"ws-flv live/k ended", 1, 25)
            print("never-reading ws-flv client: dropped by the relay, logged")
        except rt.TestFailure:
            problems.append("the never-reading WebSocket client was not dropped")
        stuck.close()
        if pub.wait(60) != 0:
            raise rt.TestFailure("ffmpeg publisher failed:\n" + pub.logs())
        reader.join(20)
        expected = rt.ffprobe_packets(fixture)
        return problems + check_response(reader, "http-flv") + check_flv(expected, out, "http-flv")
    finally:
        server.stop()


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=["play", "ws", "hostile"])
    p.add_argument("--fixture", default="h264_high_aac")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        work = rt.work_dir(args, "http_flv_%s_%s" % (args.case, args.fixture))
        if args.case == "hostile":
            problems = case_hostile(args, work)
        else:
            fixture = ru.fixture(args, args.fixture)
            problems = (case_play if args.case == "play" else case_ws)(args, work, fixture)
        if problems:
            raise rt.TestFailure("\n".join(problems))
    return rt.main_wrapper(run)


if __name__ == "__main__":
    sys.exit(main())
