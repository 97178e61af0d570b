#!/usr/bin/env python3
"""rtmp-server --record DIR --record-format mp4: fragmented MP4 recordings, checked by ffprobe.

Cases (--case):
  exact    ffmpeg publishes the 3 s fixture; the recording's ffprobe packet list (dts, pts,
           key, size per track) equals the fixture's.
  split    --record-split-seconds 4 on the 20 s relay fixture (2 s GOPs): several files named
           KEY-<UTC start>.mp4, each starting with a keyframe, whose packets concatenated equal
           the fixture's.
  kill     SIGKILL of the server 12 s into the 20 s fixture: the file still reads, as a
           frame-exact prefix of the fixture holding >= 80% of what was sent before the kill.
  full     the server under a 600 KB file-size limit (ulimit -f): the recording stops with one
           error log line, the file reads as a frame-exact prefix, and the publish and an
           ffmpeg player of it are untouched (frame-exact to the end).
  unwritable  --record under a path that cannot be created: one error line, stream untouched.
"""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults_util as fu  # noqa: E402
import ops_util as ou  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

SHORT = "h264_high_aac"
LONG = "relay_2mbit_20s"
NAME_RE = re.compile(r"^key-\d{8}T\d{6}Z(-\d+)?\.mp4$")
# Sets RLIMIT_FSIZE, then becomes rtmp-server (same pid): only the server is limited.
EXEC_WITH_FSIZE = ("import os, resource, sys; n = int(sys.argv[1]); "
                   "resource.setrlimit(resource.RLIMIT_FSIZE, (n, n)); os.execv(sys.argv[2], sys.argv[2:])")


def recordings(rec_dir):
    d = os.path.join(rec_dir, "live")
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, f) for f in os.listdir(d))


def mp4_args(rec_dir, *extra):
    return ["--record", rec_dir, "--record-format", "mp4"] + list(extra)


def publish(server, fixture, work, name="publisher"):
    pub = rt.Process(name, ru.publish_cmd(server.url(), fixture), work)
    return pub


def check_names(files):
    bad = [f for f in files if not NAME_RE.match(os.path.basename(f))]
    return ["file names not KEY-<UTC>.mp4: %s" % bad] if bad else []


def case_exact(args, work, rec_dir):
    fixture = ru.fixture(args, SHORT)
    server = ru.Server(args.server, work, mp4_args(rec_dir))
    try:
        rc = publish(server, fixture, work).wait(args.timeout)
        if rc != 0:
            raise rt.TestFailure("publisher exited %s" % rc)
        server.wait_log(r"relay: recording closed", 1)
        server.stop()
    finally:
        server.kill()
    files = recordings(rec_dir)
    if len(files) != 1:
        return ["expected one recording, found %s" % files]
    got = ru.packets(files[0])
    problems = check_names(files)
    problems += rt.compare_tracks(ru.packets(fixture), got, exp_name="fixture", act_name="mp4")
    if not problems:
        print("recording %s: %s, frame-exact" % (os.path.basename(files[0]), ru.summary(got)))
    return problems


def case_split(args, work, rec_dir):
    fixture = ru.fixture(args, LONG)
    server = ru.Server(args.server, work, mp4_args(rec_dir, "--record-split-seconds", "4"))
    try:
        rc = publish(server, fixture, work).wait(args.timeout)
        if rc != 0:
            raise rt.TestFailure("publisher exited %s" % rc)
        server.wait_log(r"relay: recording closed", 1)
        server.stop()
    finally:
        server.kill()
    files = recordings(rec_dir)
    problems = check_names(files)
    if not 4 <= len(files) <= 6:
        problems.append("20 s split every 4 s at 2 s GOPs: expected 4-6 files, found %s" % files)
    joined = {"video": [], "audio": []}
    for f in files:
        got = ru.packets(f)
        if not got["video"] or not got["video"][0].key:
            problems.append("%s does not start with a keyframe" % f)
        print("%s: %s" % (os.path.basename(f), ru.summary(got)))
        for t in joined:
            joined[t] += got[t]
    for t in joined:
        joined[t].sort(key=lambda p: p.dts)
    problems += rt.compare_tracks(ru.packets(fixture), joined, exp_name="fixture", act_name="files")
    return problems


def case_kill(args, work, rec_dir):
    fixture = ru.fixture(args, LONG)
    server = ru.Server(args.server, work, mp4_args(rec_dir))
    pub = None
    try:
        pub = publish(server, fixture, work)
        server.wait_log(r"relay: publish app=live key=key", 1)
        start = time.monotonic()
        time.sleep(12)
        os.kill(server.proc.proc.pid, signal.SIGKILL)
        sent_ms = (time.monotonic() - start) * 1000
        server.proc.proc.wait(10)
    finally:
        if pub:
            pub.kill()
        server.kill()
    files = recordings(rec_dir)
    if len(files) != 1:
        return ["expected one recording, found %s" % files]
    expected = ru.packets(fixture)
    got = ru.packets(files[0])
    problems = fu.check_packet_prefix(expected, got, "recording")
    sent = sum(1 for t in expected.values() for p in t if p.dts <= sent_ms)
    have = len(got["video"]) + len(got["audio"])
    print("after SIGKILL at %.1f s: %s of %d packets sent (%.0f%%), %d bytes"
          % (sent_ms / 1000, have, sent, 100.0 * have / max(1, sent), os.path.getsize(files[0])))
    if have < 0.8 * sent:
        problems.append("recording holds %d packets, < 80%% of the %d sent before the kill" % (have, sent))
    return problems


def case_full(args, work, rec_dir):
    fixture = ru.fixture(args, LONG)
    expected = ru.packets(fixture)
    out = os.path.join(work, "player.flv")
    server = ru.Server.__new__(ru.Server)
    server.work, server.rss_samples = work, []
    server.proc = rt.Process("server", [sys.executable, "-c", EXEC_WITH_FSIZE, str(600 * 1000), args.server,
                                        "--port", "0", "--bind", "127.0.0.1"] + mp4_args(rec_dir), work)
    server.port = server.proc.wait_for_port(10)
    player = None
    try:
        player = rt.Process("player", ru.player_cmd("ffmpeg", server.url(), out), work)
        server.wait_log(r"relay: play app=live key=key .*state=waiting_for_publisher", 1)
        rc = publish(server, fixture, work).wait(args.timeout)
        problems = [] if rc == 0 else ["publisher exited %s" % rc]
        problems += ou.check_player(expected, out, "player", player.wait(15), player)
        server.stop()
        log = server.log()
    finally:
        if player:
            player.kill()
        server.kill()
    files = recordings(rec_dir)
    if len(files) != 1:
        return problems + ["expected one recording, found %s" % files]
    lines = [l for l in log.splitlines() if "recording stopped" in l]
    rx = r"record %s: (write|flush): File too large; file cut to %d bytes" % (
        re.escape(files[0]), os.path.getsize(files[0]))
    if len(lines) != 1 or not re.search(rx, lines[0]):
        problems.append("expected one 'recording stopped' line matching %r, got %s" % (rx, lines))
    else:
        print("server: %s" % lines[0])
    got = ru.packets(files[0])
    problems += fu.check_packet_prefix(expected, got, "recording")
    if not got["video"] or len(got["video"]) >= len(expected["video"]):
        problems.append("recording: %s, expected a cut prefix" % ru.summary(got))
    else:
        print("recording: %s, a frame-exact prefix" % ru.summary(got))
    return problems


def case_unwritable(args, work, rec_dir):
    fixture = ru.fixture(args, SHORT)
    out = os.path.join(work, "player.flv")
    server = ru.Server(args.server, work, mp4_args("/proc/version/rec"))
    player = None
    try:
        player = rt.Process("player", ru.player_cmd("ffmpeg", server.url(), out), work)
        server.wait_log(r"relay: play app=live key=key .*state=waiting_for_publisher", 1)
        rc = publish(server, fixture, work).wait(args.timeout)
        problems = [] if rc == 0 else ["publisher exited %s" % rc]
        problems += ou.check_player(ru.packets(fixture), out, "player", player.wait(15), player)
        server.stop()
        log = server.log()
    finally:
        if player:
            player.kill()
        server.kill()
    lines = [l for l in log.splitlines() if "record" in l and "/proc/version/rec" in l and "error" in l]
    if len(lines) != 1:
        problems.append("expected one error line naming /proc/version/rec, got %s" % lines)
    else:
        print("server: %s" % lines[0])
    return problems


CASES = {"exact": case_exact, "split": case_split, "kill": case_kill, "full": case_full,
         "unwritable": case_unwritable}


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", choices=sorted(CASES), required=True)
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        work = rt.work_dir(args, "ops_record_" + args.case)
        rec_dir = os.path.join(work, "rec")
        problems = CASES[args.case](args, work, rec_dir)
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
