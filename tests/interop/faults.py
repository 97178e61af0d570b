#!/usr/bin/env python3
"""Faults against a running rtmp-server, one --case per ctest:

publisher_kill_python  a Python publisher sends half of a large video message and is SIGKILLed
publisher_kill_ffmpeg  FFmpeg publishing 20 Mb/s is SIGKILLed mid-stream
player_kill            a player of a 20 Mb/s stream is SIGKILLed while the relay writes to it
player_blackhole       a player is SIGSTOPped for longer than --slow-player-timeout
player_blackhole_at_end  the same, 1 s before the publisher ends
disk_full_fsize        --record under RLIMIT_FSIZE (writes fail with EFBIG)
disk_full_tmpfs        --record on a 256 KiB tmpfs (writes fail with ENOSPC; skipped if it
                       cannot be mounted)

In every case a bystander pair (FFmpeg publisher + FFmpeg player, key "other") runs at the
same time and must end frame-exact against ffprobe of its fixture; the server must log a line
naming the fault, and stop with exit 0 on SIGTERM afterwards.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults_util as fu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BYSTANDER_FIXTURE = "relay_2mbit_20s"


# Sets RLIMIT_FSIZE, then becomes rtmp-server (same pid): only the server is limited, not
# the test's own files nor the players' outputs.
EXEC_WITH_FSIZE = ("import os, resource, sys; n = int(sys.argv[1]); "
                   "resource.setrlimit(resource.RLIMIT_FSIZE, (n, n)); os.execv(sys.argv[2], sys.argv[2:])")


class LimitedServer(ru.Server):
    """rtmp-server under a file-size limit (ulimit -f)."""

    def __init__(self, binary, work, extra, fsize):
        self.work = work
        self.rss_samples = []
        self.proc = rt.Process("server", [sys.executable, "-c", EXEC_WITH_FSIZE, str(fsize), binary, "--port", "0",
                                          "--bind", "127.0.0.1"] + list(extra), work)
        self.port = self.proc.wait_for_port(10)


def play_session(server, key, nth):
    """Session id of the nth (1-based) player that started on key, from its log line."""
    m = server.wait_log(r"relay: play app=live key=%s session=(\d+) " % key, nth, 20)
    return m[nth - 1].group(1)


def start_players(args, server, work, kinds, key="key", prefix=""):
    """Players joined before the publisher, each waiting: [(name, Process, out)]. rtmp-play
    logs the statuses it gets (-v)."""
    players = []
    for k in kinds:
        name = prefix + k
        out = os.path.join(work, name + ".flv")
        cmd = ru.player_cmd(k, server.url(key), out, args.play) + (["-v"] if k == "rtmp-play" else [])
        players.append((name, rt.Process(name, cmd, work), out))
        server.wait_log(r"relay: play app=live key=%s .*state=waiting_for_publisher" % key, len(players), 20)
    return players


def shifted(got, expected):
    """Players may rebase time: shift `got` so its first video dts is the fixture's first."""
    if not got["video"] or not expected["video"]:
        return got
    off = got["video"][0].dts - expected["video"][0].dts
    return {t: [rt.Packet(p.dts - off, p.pts - off, p.key, p.size) for p in got[t]] for t in got}


def check_prefix_players(players, rcs, expected, problems, whole=None):
    """Each player exited 0 on its own and holds a frame-exact prefix of the fixture; with
    `whole` (video, audio frame counts), exactly that many."""
    for name, pr, out in players:
        if rcs[name] != 0:
            problems.append("%s exited %s (None: still running after the stream ended)\n%s"
                            % (name, rcs[name], pr.logs()))
            continue
        _, pb = fu.check_whole_flv(out, name)
        got = shifted(ru.packets(out), expected)
        pb += fu.check_packet_prefix(expected, got, name)
        if whole is not None and (len(got["video"]), len(got["audio"])) != whole:
            pb.append("%s: %s, expected exactly the %d video + %d audio frames sent whole"
                      % (name, ru.summary(got), whole[0], whole[1]))
        problems += pb
        if not pb:
            print("%s: %s, a frame-exact prefix of the fixture, exit 0" % (name, ru.summary(got)))


def wait_recorded(pub, rec_dir, key, size, timeout):
    """Waits until key's recording holds `size` bytes (the kill then lands mid-stream,
    after whole frames), while `pub` still runs."""
    deadline = time.monotonic() + timeout
    while True:
        recs = recordings(rec_dir, key)
        have = os.path.getsize(recs[0]) if recs else 0
        if have >= size:
            return
        if pub.proc.poll() is not None:
            raise rt.TestFailure("%s exited %s with %d bytes recorded, expected it still running at %d\n%s"
                                 % (pub.name, pub.proc.returncode, have, size, pub.logs()))
        if time.monotonic() > deadline:
            raise rt.TestFailure("recording of %s: %d bytes after %ss, expected %d\n%s"
                                 % (key, have, timeout, size, pub.logs()))
        time.sleep(0.05)


def recordings(rec_dir, key):
    return sorted(os.path.join(dp, f) for dp, _, fs in os.walk(rec_dir) for f in fs
                  if f.startswith(key + "-") and f.endswith(".flv"))


# ------------------------------------------------------------------ publisher killed


def case_publisher_kill(args, work, python_publisher):
    fixture = rt.fixture_path(args.fixtures, "h264_20mbit")
    if not python_publisher:
        # 12 s, not 3: FFmpeg's -re clock starts before it connects, so on a loaded machine
        # it may catch up in a burst; the kill must still land well before the end.
        fixture = fu.looped_fixture(fixture, 4, os.path.join(args.fixtures, "faults_20mbit_x4.flv"))
    rec_dir = os.path.join(work, "rec")
    server = ru.Server(args.server, work, ["--record", rec_dir])
    problems = []
    bystander, pub, players = None, None, []
    try:
        players = start_players(args, server, work, ru.available_players(args, ("ffmpeg", "rtmp-play")))
        bystander = fu.Bystander(server, ru.fixture(args, BYSTANDER_FIXTURE), work)
        sent_path = os.path.join(work, "sent.json")
        if python_publisher:
            # After ~1 s of stream: half of the next keyframe (640 KB - 1 MB), then dies.
            pub = rt.Process("publisher", [sys.executable, os.path.join(HERE, "faults_util.py"), "--port",
                                           str(server.port), "--key", "key", "--flv", fixture, "--half-after", "60",
                                           "--record-sent", sent_path], work)
            deadline = time.monotonic() + 30
            while "HALF SENT" not in open(pub.out_path).read():
                if pub.proc.poll() is not None or time.monotonic() > deadline:
                    raise rt.TestFailure("Python publisher did not reach the cut\n%s" % pub.logs())
                time.sleep(0.05)
            # The publisher printed it once the server's kernel acked the half: the kill
            # loses none of it, however far behind the loaded server reads.
            print(open(pub.out_path).read().strip())
        else:
            pub = rt.Process("publisher", ru.publish_cmd(server.url(), fixture), work)
            server.wait_log(r"relay: publish app=live key=key ", 1, 20)
            wait_recorded(pub, os.path.join(rec_dir, "live"), "key", 1000000, 30)
        pub.proc.send_signal(signal.SIGKILL)
        pub.wait(5)
        print("publisher SIGKILLed")
        line = server.wait_log(r"relay: unpublish app=live key=key .*reason=\"([^\"]*)\"", 1, 10)[0]
        reason = line.group(1)
        print("server: %s" % line.group(0))
        if python_publisher and not re.search(r"inside a message: \d+ of 1050538 bytes of a type-9", reason):
            problems.append("unpublish reason %r does not say the connection ended inside the keyframe" % reason)
        if not re.search(r"closed|reset|end of|eof|EOF", reason):
            problems.append("unpublish reason %r does not say the publisher's connection ended" % reason)
        rcs = ru.wait_all([(n, p) for n, p, _ in players], 15)
        problems += bystander.finish()
        server.wait_log(r"relay: recording closed app=live key=key ", 1, 10)
        server.stop()
    finally:
        for _, p, _ in players:
            p.kill()
        if pub:
            pub.kill()
        if bystander:
            bystander.kill()
        server.kill()

    expected = ru.packets(fixture)
    recs = recordings(os.path.join(rec_dir, "live"), "key")
    if len(recs) != 1:
        raise rt.TestFailure("expected one recording of key, found %s\n%s" % (recs, "\n".join(problems)))
    rec_tags, pb = fu.check_whole_flv(recs[0], "recording")
    problems += pb
    rec_media = fu.media_records(rec_tags)
    if python_publisher:
        sent = json.load(open(sent_path))
        want = [tuple(r) for r in sent["sent"]]
        print("publisher sent %d whole media messages, then half of a %d-byte video message at ts %d"
              % (len(want), sent["cut"][2], sent["cut"][1]))
        if rec_media != want:
            problems += fu.check_record_prefix(want, rec_media, "recording")
            problems.append("recording: %d media tags, the publisher sent %d whole" % (len(rec_media), len(want)))
        else:
            print("recording: %d media tags = every whole message sent, nothing of the cut one" % len(rec_media))
    else:
        # FFmpeg's messages are the fixture's tags (-c copy): the recording is a prefix of them.
        want = fu.media_records(rt.read_flv(fixture))
        pb = fu.check_record_prefix(want, rec_media, "recording")
        if len(rec_media) >= len(want):
            pb.append("recording has all %d media tags: the kill came after the end" % len(want))
        problems += pb
        if not pb:
            print("recording: %d of %d media tags, a whole-tag prefix of the fixture" % (len(rec_media), len(want)))
    got_rec = ru.packets(recs[0])
    whole = (len(got_rec["video"]), len(got_rec["audio"]))
    # Every player got exactly what the recording holds: the same whole frames.
    check_prefix_players(players, rcs, expected, problems, whole)
    for name, pr, out in players:
        if name == "rtmp-play" and rcs[name] == 0:
            if "NetStream.Play.UnpublishNotify" not in open(pr.err_path, errors="replace").read():
                problems.append("rtmp-play: no NetStream.Play.UnpublishNotify in its log\n%s" % pr.logs())
            got = fu.media_records(rt.read_flv(out))
            if got != rec_media:
                problems.append("rtmp-play: %d media tags differ from the recording's %d (type, ts, size, crc)"
                                % (len(got), len(rec_media)))
    return problems


# ------------------------------------------------------------------ player killed / paused


def case_player_kill(args, work):
    fixture = rt.fixture_path(args.fixtures, "h264_20mbit")
    server = ru.Server(args.server, work)
    problems = []
    bystander, pub, victim, players = None, None, None, []
    try:
        # FFmpeg with a fixed 64 KB receive buffer: at 20 Mb/s the relay's writes to it are
        # then mostly waiting on the socket, so the kill lands in the middle of one.
        kind = "ffmpeg"
        victim = rt.Process("victim", ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                                       "-recv_buffer_size", "65536", "-i", server.url(), "-c", "copy", "-f", "flv",
                                       os.path.join(work, "victim.flv")], work)
        vid = play_session(server, "key", 1)
        players = start_players(args, server, work, ru.available_players(args, ("ffmpeg", "rtmp-play", "rtmpdump")))
        bystander = fu.Bystander(server, ru.fixture(args, BYSTANDER_FIXTURE), work)
        pub = rt.Process("publisher", ru.publish_cmd(server.url(), fixture), work)
        server.wait_log(r"relay: publish app=live key=key ", 1, 20)
        time.sleep(1.2)
        victim.proc.send_signal(signal.SIGKILL)
        victim.wait(5)
        print("victim %s (session %s) SIGKILLed 1.2 s into the 20 Mb/s stream" % (kind, vid))
        m = server.wait_log(r"relay: player left app=live key=key session=%s reason=\"([^\"]*)\" frames_sent=(\d+)"
                            % vid, 1, 10)[0]
        print("server: %s" % m.group(0))
        if not re.search(r"reset|broken pipe|closed|EOF|end of", m.group(1), re.I):
            problems.append("player left reason %r does not name the broken connection" % m.group(1))
        if int(m.group(2)) >= len(ru.packets(fixture)["video"]):
            problems.append("the victim had been sent every frame (%s) before it was killed" % m.group(2))
        rc = pub.wait(args.timeout)
        if rc != 0:
            problems.append("publisher exited %s\n%s" % (rc, pub.logs()))
        rcs = ru.wait_all([(n, p) for n, p, _ in players], 15)
        problems += bystander.finish()
        server.stop()
    finally:
        for _, p, _ in players:
            p.kill()
        for p in (pub, victim, bystander):
            if p:
                p.kill()
        server.kill()
    problems += check_full_players(players, rcs, fixture)
    return problems


def check_full_players(players, rcs, fixture):
    problems = []
    expected = ru.packets(fixture)
    for name, pr, out in players:
        if rcs[name] != 0:
            problems.append("%s exited %s\n%s" % (name, rcs[name], pr.logs()))
            continue
        got = ru.packets(out)
        pb, _ = ru.check_from_first_keyframe(expected, got, name, expect_start="first")
        problems += pb
        if not pb:
            print("%s: %s, frame-exact (the whole fixture)" % (name, ru.summary(got)))
    return problems


def case_player_blackhole(args, work, at_end=False):
    """at_end: the player is stopped 1 s before the publisher ends, so the relay's skipping
    (which an unpublish resets) does not last the timeout; it must be dropped anyway."""
    # 12 s of 20 Mb/s: a player stopped for the 3 s timeout would pin ~8 MB if nothing
    # bounded its queue, against the 2 MB of --player-queue-bytes.
    fixture = fu.looped_fixture(rt.fixture_path(args.fixtures, "h264_20mbit"), 4,
                                os.path.join(args.fixtures, "faults_20mbit_x4.flv"))
    timeout_s, queue_bytes = 3.0, 2000000
    # A fixed, small kernel send buffer: Linux autotuning would otherwise hide megabytes of
    # the stall from the relay.
    server = ru.Server(args.server, work, ["--slow-player-timeout", str(timeout_s), "--player-queue-bytes",
                                           str(queue_bytes), "--player-queue-ms", "1000",
                                           "--socket-send-buffer", "131072"])
    problems = []
    bystander, pub, victim, players, rss = None, None, None, [], None
    try:
        # FFmpeg with a fixed 64 KB receive buffer: a reading player's autotuned buffer
        # (up to tcp_rmem's max, 32 MB here) would hold seconds of the stall in the kernel.
        kind = "ffmpeg"
        victim = rt.Process("victim", ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                                       "-recv_buffer_size", "65536", "-i", server.url(), "-c", "copy", "-f", "flv",
                                       os.path.join(work, "victim.flv")], work)
        vid = play_session(server, "key", 1)
        players = start_players(args, server, work, ru.available_players(args, ("ffmpeg", "rtmp-play", "rtmpdump")))
        bystander = fu.Bystander(server, ru.fixture(args, BYSTANDER_FIXTURE), work)
        pub = rt.Process("publisher", ru.publish_cmd(server.url(), fixture), work)
        server.wait_log(r"relay: publish app=live key=key ", 1, 20)
        rss = fu.RssSampler(server.proc.proc.pid)
        # 5 s in: the GOP caches and the buffer pool have grown to their steady size (RSS
        # rises by ~6 MB over the first seconds of a 20 Mb/s stream with no stall at all).
        stop_at = 11.0 if at_end else 5.0
        time.sleep(stop_at)
        before = max(rss.samples)
        victim.proc.send_signal(signal.SIGSTOP)
        t_stop = time.monotonic()
        print("victim %s (session %s) SIGSTOPped %.0f s into the 12 s stream; server RSS %.1f MB"
              % (kind, vid, stop_at, before / 1024))
        # Behind and skipping for the timeout ("too slow"), or writing nothing at all for it
        # ("stalled": after an unpublish there is nothing to skip).
        line = server.wait_log(r"relay: player (too slow|stalled) app=live key=key session=%s .*" % vid, 1, 20)[0]
        stalled = time.monotonic() - t_stop
        print("server: %s" % line.group(0))
        server.wait_log(r"relay: player left app=live key=key session=%s reason=\"%s\"" % (vid, line.group(1)),
                        1, 5)
        secs = re.search(r"(?:after|for) ([\d.]+)s", line.group(0))
        backlog = re.search(r"backlog_bytes=(\d+)", line.group(0))
        if not secs or float(secs.group(1)) < timeout_s:
            problems.append("dropped before the %s s timeout: %s" % (timeout_s, line.group(0)))
        if not backlog or int(backlog.group(1)) > queue_bytes * 2:
            problems.append("backlog at the drop over twice --player-queue-bytes: %s" % line.group(0))
        victim.proc.send_signal(signal.SIGCONT)
        vrc = victim.wait(10)
        print("victim resumed after %.1f s stopped: exited %s (its connection was closed)" % (stalled, vrc))
        if vrc is None:
            problems.append("victim did not notice its connection was closed within 10 s of SIGCONT")
        rc = pub.wait(args.timeout + 20)
        if rc != 0:
            problems.append("publisher exited %s\n%s" % (rc, pub.logs()))
        peak = rss.stop()
        with open(os.path.join(work, "rss.txt"), "w") as f:
            f.write("\n".join(map(str, rss.samples)) + "\n")
        rcs = ru.wait_all([(n, p) for n, p, _ in players], 15)
        problems += bystander.finish()
        server.stop()
    finally:
        if rss:
            rss.stop()
        for _, p, _ in players:
            p.kill()
        for p in (pub, victim, bystander):
            if p:
                p.kill()
        server.kill()
    # What the stalled player may pin: its queue (--player-queue-bytes of references to the
    # shared encoded messages) and what the kernel buffers keep; 3 MB for the allocator and
    # the GOP caches (a 20 Mb/s GOP is 2.5-3.2 MB, keyframes up to 1 MB). Unbounded, 3 s of
    # stall would pin 7.5 MB more.
    bound = before + (queue_bytes + 3 * 1024 * 1024) // 1024
    print("server RSS: %.1f MB before the stall, peak %.1f MB (bound %.1f MB)"
          % (before / 1024, peak / 1024, bound / 1024))
    if fu.sanitized(args.server):
        print("(ASan build: RSS bound not checked)")
    elif peak > bound:
        problems.append("RSS peaked at %.1f MB, over the bound %.1f MB" % (peak / 1024, bound / 1024))
    problems += check_full_players(players, rcs, fixture)
    return problems


# ------------------------------------------------------------------ disk full


def case_disk_full(args, work, mode):
    rec_dir = os.path.join(work, "rec")
    os.makedirs(rec_dir)
    if mode == "fsize":
        return disk_full(args, work, rec_dir, "File too large", fsize=200 * 1000)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", rec_dir],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        print("SKIP: cannot mount a tmpfs here: %s" % r.stdout.decode(errors="replace").strip())
        sys.exit(rt.SKIP)
    try:
        return disk_full(args, work, rec_dir, "No space left on device")
    finally:
        subprocess.run(["umount", "-l", rec_dir])


def disk_full(args, work, rec_dir, errtext, fsize=None):
    """Both keys are recorded and both recordings fail: 200 KB per file (fsize: key's 326 KB
    fixture fails about 2 s in; the server's log has the same limit and stays far below it)
    or 256 KiB for both (tmpfs)."""
    fixture = rt.fixture_path(args.fixtures, "h264_high_aac")
    problems = []
    server, bystander, pub, players = None, None, None, []
    try:
        extra = ["--record", rec_dir]
        if fsize:
            server = LimitedServer(args.server, work, extra, fsize)
        else:
            server = ru.Server(args.server, work, extra)
        players = start_players(args, server, work, ru.available_players(args, ("ffmpeg", "rtmp-play")))
        bystander = fu.Bystander(server, ru.fixture(args, BYSTANDER_FIXTURE), work)
        pub = rt.Process("publisher", ru.publish_cmd(server.url(), fixture), work)
        rc = pub.wait(args.timeout)
        if rc != 0:
            problems.append("publisher exited %s\n%s" % (rc, pub.logs()))
        rcs = ru.wait_all([(n, p) for n, p, _ in players], 15)
        problems += bystander.finish()
        server.stop()
        log = server.log()
    finally:
        for _, p, _ in players:
            p.kill()
        for p in (pub, bystander, server):
            if p:
                p.kill()
    problems += check_full_players(players, rcs, fixture)
    expected = {"key": ru.packets(fixture), "other": ru.packets(ru.fixture(args, BYSTANDER_FIXTURE))}
    for key in ("key", "other"):
        recs = recordings(os.path.join(rec_dir, "live"), key)
        if len(recs) != 1:
            problems.append("expected one recording of %s, found %s" % (key, recs))
            continue
        path = recs[0]
        # The error names the file, the errno text and where the file was cut: at its size.
        rx = (r"relay: io_error: record %s: (write|flush): %s; file cut to %d bytes \(\d+ whole tags\); "
              r"recording stopped" % (re.escape(path), errtext, os.path.getsize(path)))
        lines = [l for l in log.splitlines() if re.search(rx, l)]
        if len(lines) != 1:
            problems.append("%s: expected one log line matching %r, found %d" % (key, rx, len(lines)))
        else:
            print("server: %s" % lines[0])
        _, pb = fu.check_whole_flv(path, "recording " + key)
        if not pb:
            got = ru.packets(path)
            pb = fu.check_packet_prefix(expected[key], got, "recording " + key)
            if len(got["video"]) >= len(expected[key]["video"]):
                pb.append("recording %s is complete: the write never failed" % key)
            elif not got["video"]:
                pb.append("recording %s holds no video" % key)
            if not pb:
                print("recording %s: %d bytes, %s: whole tags, a frame-exact prefix of the fixture"
                      % (key, os.path.getsize(path), ru.summary(got)))
        problems += pb
    return problems


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=["publisher_kill_python", "publisher_kill_ffmpeg", "player_kill",
                                                     "player_blackhole", "player_blackhole_at_end", "disk_full_fsize", "disk_full_tmpfs"])
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        work = rt.work_dir(args, "faults." + args.case)
        c = args.case
        if c.startswith("publisher_kill"):
            problems = case_publisher_kill(args, work, c.endswith("python"))
        elif c == "player_kill":
            problems = case_player_kill(args, work)
        elif c.startswith("player_blackhole"):
            problems = case_player_blackhole(args, work, c.endswith("at_end"))
        else:
            problems = case_disk_full(args, work, c.rsplit("_", 1)[1])
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(p or "(a check failed without a message)"
                                                                       for p in problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
