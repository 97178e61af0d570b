#!/usr/bin/env python3
"""Long streams against rtmp-server, one --case per ctest:

wrap    A 6 s stream whose timestamps start at --start-ms (2^24 - 3000: across the 24-bit
        extended-timestamp threshold; 2^32 - 3000: across the 32-bit wrap). The FLV is the
        6 s ffmpeg fixture with every tag's timestamp offset modulo 2^32, written by a Python
        FLV writer. Published by the Python client (type 1 headers: the wrap happens in a
        timestamp delta) or rtmp-publish; played by rtmp-play and FFmpeg, recorded.
        Frame-exact across the wrap means: rtmp-play's file and the recording hold the very
        32-bit timestamps that were published (tag for tag: type, timestamp, size, CRC-32
        of the body); FFmpeg (which unwraps and rebases time) holds the same frames with the
        same timestamp differences, taken modulo 2^32 on the published side.
cycles  1,000 publish/unpublish cycles on one key, then 1,000 play/leave cycles on a live key
        (Python client); VmRSS of the server after cycles 100 and 1,000 of each must not grow
        by more than --rss-growth-kb.

A bystander pair (FFmpeg publisher + player, key "other") runs at the same time and must end
frame-exact against ffprobe of its fixture.
"""

import hashlib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults_util as fu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BYSTANDER_FIXTURE = "relay_2mbit_20s"

# 6 s, B-frames, AAC: bit-exact like fixtures.py, generated once per build tree.
LONG_FIXTURE_ARGS = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=6",
                     "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6",
                     "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-bf", "2",
                     "-g", "30", "-c:a", "aac", "-b:a", "64k", "-ac", "1",
                     "-threads", "1", "-fflags", "+bitexact", "-flags", "+bitexact"]


def long_fixture(fixtures_dir):
    path = os.path.join(fixtures_dir, "long_6s.flv")
    version = subprocess.run(["ffmpeg", "-version"], stdout=subprocess.PIPE, check=True).stdout.splitlines()[0]
    digest = hashlib.sha256(version + b"\0" + "\0".join(LONG_FIXTURE_ARGS).encode()).hexdigest()
    stamp = path + ".sha256"
    if os.path.isfile(path) and os.path.isfile(stamp) and open(stamp).read().strip() == digest:
        return path
    tmp = "%s.%d.tmp.flv" % (path[:-4], os.getpid())
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + LONG_FIXTURE_ARGS + ["-f", "flv", tmp]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise rt.TestFailure("fixture: ffmpeg failed:\n%s" % r.stdout.decode(errors="replace"))
    os.replace(tmp, path)
    with open(stamp, "w") as f:
        f.write(digest + "\n")
    return path


def offset_fixture(src, start_ms, out):
    """src's tags with timestamp + start_ms modulo 2^32 (so they cross 2^32 if start_ms is
    close enough); returns the tags written."""
    tags = [rt.FlvTag(t.type, (t.timestamp + start_ms) & 0xFFFFFFFF, t.body) for t in rt.read_flv(src)]
    fu.write_flv(out, tags)
    back = rt.read_flv(out)
    if [(t.type, t.timestamp, t.body) for t in back] != [(t.type, t.timestamp, t.body) for t in tags]:
        raise rt.TestFailure("the FLV writer did not round-trip %s" % out)
    return tags


def by_track(records):
    return {k: [r for r in records if r[0] == k] for k in (fu.MSG_VIDEO, fu.MSG_AUDIO)}


def check_rebased(sent, got, name):
    """FFmpeg's file against the published records: per track the same (size, crc) in order,
    and each timestamp minus the first video timestamp equal to the published difference
    (taken modulo 2^32 as a signed number)."""
    problems = []
    if not sent or not got:
        return ["%s: no media tags" % name]
    s0 = next(r[1] for r in sent if r[0] == fu.MSG_VIDEO)
    g0 = next(r[1] for r in got if r[0] == fu.MSG_VIDEO)
    st, gt = by_track(sent), by_track(got)
    for k, label in ((fu.MSG_VIDEO, "video"), (fu.MSG_AUDIO, "audio")):
        want = [(fu.signed32(r[1] - s0), r[2], r[3]) for r in st[k]]
        have = [(r[1] - g0, r[2], r[3]) for r in gt[k]]
        if want != have:
            rows = [(i, w, h) for i, (w, h) in enumerate(zip(want, have)) if w != h][:5]
            problems.append("%s %s: %d tags published, %d received; first differences (index, published "
                            "(dt, size, crc), received): %s" % (name, label, len(want), len(have), rows))
    return problems


def check_exact(sent, got, name):
    if got == sent:
        return []
    rows = [(i, a, b) for i, (a, b) in enumerate(zip(sent, got)) if a != b][:5]
    return ["%s: %d media tags published, %d received; first differences (index, published, received): %s"
            % (name, len(sent), len(got), rows)]


def case_wrap(args, work):
    src = long_fixture(args.fixtures)
    flv = os.path.join(work, "offset.flv")
    tags = offset_fixture(src, args.start_ms, flv)
    sent = fu.media_records(tags)
    first, last = sent[0][1], sent[-1][1]
    wraps = any(r[1] < first for r in sent)
    print("published file: %d media tags, timestamps %d .. %d%s" % (len(sent), first, last,
                                                                    " (wraps at 2^32)" if wraps else ""))
    if args.start_ms >= 2 ** 31 and not wraps:
        raise rt.TestFailure("the offset fixture does not cross 2^32")
    if args.start_ms < 2 ** 24 and not (first < 0xFFFFFF < last):
        raise rt.TestFailure("the offset fixture does not cross 2^24")
    rec_dir = os.path.join(work, "rec")
    server = ru.Server(args.server, work, ["--record", rec_dir])
    problems = []
    players, pub, bystander = [], None, None
    try:
        for k in ru.available_players(args, ("rtmp-play", "ffmpeg")):
            out = os.path.join(work, k + ".flv")
            players.append((k, rt.Process(k, ru.player_cmd(k, server.url(), out, args.play), work), out))
            server.wait_log(r"relay: play app=live key=key .*state=waiting_for_publisher", len(players), 20)
        bystander = fu.Bystander(server, ru.fixture(args, BYSTANDER_FIXTURE), work)
        if args.publisher == "python":
            cmd = [sys.executable, os.path.join(HERE, "faults_util.py"), "--port", str(server.port), "--key", "key",
                   "--flv", flv]
        else:
            if not args.publish or not os.path.isfile(args.publish):
                print("SKIP: rtmp-publish not built")
                sys.exit(rt.SKIP)
            cmd = [args.publish, flv, server.url()]
        pub = rt.Process("publisher", cmd, work)
        rc = pub.wait(args.timeout)
        if rc != 0:
            problems.append("publisher exited %s\n%s" % (rc, pub.logs()))
        rcs = ru.wait_all([(n, p) for n, p, _ in players], 15)
        problems += bystander.finish()
        server.wait_log(r"relay: recording closed app=live key=key ", 1, 10)
        server.stop()
    finally:
        for _, p, _ in players:
            p.kill()
        for p in (pub, bystander):
            if p:
                p.kill()
        server.kill()
    for name, pr, out in players:
        if rcs[name] != 0:
            problems.append("%s exited %s\n%s" % (name, rcs[name], pr.logs()))
            continue
        got_tags, pb = fu.check_whole_flv(out, name)
        got = fu.media_records(got_tags)
        if name == "rtmp-play":
            pb += check_exact(sent, got, name)
            what = "the same 32-bit timestamps, sizes and CRCs"
        else:
            pb += check_rebased(sent, got, name)
            what = "the same frames and timestamp differences (rebased to %d .. %d)" % (got[0][1], got[-1][1]) \
                if got else ""
        problems += pb
        if not pb:
            print("%s: %d media tags, %s" % (name, len(got), what))
    recs = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(rec_dir, "live")) for f in fs
            if f.startswith("key-")]
    if len(recs) != 1:
        problems.append("expected one recording of key, found %s" % recs)
    else:
        rec_tags, pb = fu.check_whole_flv(recs[0], "recording")
        pb += check_exact(sent, fu.media_records(rec_tags), "recording")
        problems += pb
        if not pb:
            print("recording: %d media tags, the same 32-bit timestamps, sizes and CRCs" % len(sent))
    return problems


# ------------------------------------------------------------------ cycles


def publish_cycle(port, key, tags):
    c = fu.RtmpClient(port)
    try:
        c.connect(port)
        c.publish(key)
        for t in tags:
            c.send_tag(t)
        c.delete_stream()
    finally:
        c.close()


def play_cycle(port, key):
    """Play until the first video message (the GOP burst has begun), then leave."""
    c = fu.RtmpClient(port)
    try:
        c.connect(port)
        c.play(key)
        deadline = time.monotonic() + 10
        while c.read_message()[0] != fu.MSG_VIDEO:
            if time.monotonic() > deadline:
                raise fu.RtmpError("no video within 10 s of Play.Start")
        c.delete_stream()
    finally:
        c.close()


def settle_rss(server, pid):
    time.sleep(0.5)  # let the server finish closing the last sessions
    return fu.rss_kb(pid)


def case_cycles(args, work):
    src = rt.fixture_path(args.fixtures, "h264_high_aac")
    # Metadata, both sequence headers and the first frames up to the second video frame.
    all_tags = rt.read_flv(src)
    cycle_tags, video = [], 0
    for t in all_tags:
        cycle_tags.append(t)
        video += t.type == fu.MSG_VIDEO
        if video == 3:
            break
    server = ru.Server(args.server, work, ["--stats-interval", "0"])
    pid = server.proc.proc.pid
    problems, figures = [], {}
    bystander, feeder = None, None
    try:
        bystander = fu.Bystander(server, ru.fixture(args, BYSTANDER_FIXTURE), work)
        server.wait_log(r"relay: publish app=live key=other ", 1, 20)
        # Two GOPs of the bystander first: its GOP cache and the allocator reach their steady
        # size, which would otherwise show up as growth during the first cycles.
        time.sleep(4.0)
        t0 = time.monotonic()
        for i in range(1, args.cycles + 1):
            for attempt in range(50):
                try:
                    publish_cycle(server.port, "cycle", cycle_tags)
                    break
                except fu.RtmpError as e:
                    # The previous cycle's unpublish may still be in flight on its strand.
                    if "BadName" not in str(e) or attempt == 49:
                        raise rt.TestFailure("publish cycle %d: %s\n%s" % (i, e, server.proc.logs()))
                    time.sleep(0.01)
            if i in (args.cycles // 10, args.cycles):
                figures["publish_%d" % i] = settle_rss(server, pid)
        t_pub = time.monotonic() - t0
        n = len(server.wait_log(r"relay: unpublish app=live key=cycle ", args.cycles, 10))
        print("%d publish/unpublish cycles in %.1f s (%d unpublish log lines)" % (args.cycles, t_pub, n))
        # A live key for the players: FFmpeg loops the 3 s fixture (timestamps keep rising).
        feeder = rt.Process("feeder", ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re",
                                       "-stream_loop", "-1", "-i", src, "-c", "copy", "-f", "flv",
                                       server.url("live2")], work)
        server.wait_log(r"relay: publish app=live key=live2 ", 1, 20)
        time.sleep(1.0)  # a GOP in the cache
        t0 = time.monotonic()
        for i in range(1, args.cycles + 1):
            try:
                play_cycle(server.port, "live2")
            except (fu.RtmpError, OSError) as e:
                raise rt.TestFailure("play cycle %d: %s\n%s" % (i, e, server.proc.logs()))
            if i in (args.cycles // 10, args.cycles):
                figures["play_%d" % i] = settle_rss(server, pid)
        t_play = time.monotonic() - t0
        n = len(server.wait_log(r"relay: player left app=live key=live2 ", args.cycles, 10))
        print("%d play/leave cycles in %.1f s (%d 'player left' log lines)" % (args.cycles, t_play, n))
        feeder.kill()
        problems += bystander.finish()
        server.stop()
    finally:
        for p in (feeder, bystander):
            if p:
                p.kill()
        server.kill()
    a, b = args.cycles // 10, args.cycles
    print("server VmRSS (KiB): %s" % json.dumps(figures, sort_keys=True))
    for kind in ("publish", "play"):
        grow = figures["%s_%d" % (kind, b)] - figures["%s_%d" % (kind, a)]
        print("%s cycles %d -> %d: RSS %+d KiB (%.2f KiB per cycle; bound %d KiB)"
              % (kind, a, b, grow, grow / (b - a), args.rss_growth_kb))
        if fu.sanitized(args.server):
            print("(ASan build: RSS bound not checked)")
        elif grow > args.rss_growth_kb:
            problems.append("%s cycles: RSS grew by %d KiB from cycle %d to %d (bound %d KiB)"
                            % (kind, grow, a, b, args.rss_growth_kb))
    return problems


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=["wrap", "cycles"])
    p.add_argument("--start-ms", type=int, default=2 ** 32 - 3000)
    p.add_argument("--publisher", default="python", choices=["python", "rtmp-publish"])
    p.add_argument("--publish", default="", help="path to rtmp-publish")
    p.add_argument("--cycles", type=int, default=1000)
    # Measured: +70..330 KiB over cycles 100..1000 (the bystander's GOP churn; without it
    # +4 KiB per 500 cycles). 1 MiB catches a leak of 1.2 KiB per cycle; a session's read
    # buffer alone is 4 KiB.
    p.add_argument("--rss-growth-kb", type=int, default=1024)
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        name = "long_streams.%s" % (args.case if args.case == "cycles" else "ts_%d_%s" % (args.start_ms,
                                                                                         args.publisher))
        work = rt.work_dir(args, name)
        problems = case_wrap(args, work) if args.case == "wrap" else case_cycles(args, work)
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
