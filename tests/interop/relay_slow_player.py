#!/usr/bin/env python3
"""One player reads nothing for 10 s while 20 others play a 2 Mb/s stream.

The slow player is FFmpeg writing to a pipe this test does not read for its first 10 s
(so FFmpeg stops reading its socket). The relay must skip whole frames for it up to a
keyframe (it later gets a prefix of the fixture, a gap, then the fixture again from a
keyframe to the end, all frame-exact), count the drops (--stats-file, log lines), and keep
the 20 others frame-exact and the server's RSS under a cap. Prints RSS and CPU figures.
"""

import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

STALL_S = 10.0


def is_asan(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--players", type=int, default=20, help="players that keep up")
    p.add_argument("--rss-cap-mb", type=float, default=96.0)
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = ru.relay_fixture(args.fixtures, "relay_2mbit_20s")
        work = rt.work_dir(args, "relay_slow_player")
        kinds = ru.available_players(args, ("rtmpdump", "ffmpeg", "rtmp-play", "gst"))
        stats_path = os.path.join(work, "stats.json")
        # Caps small enough that the backlog passes them within the stall, and a fixed
        # kernel send buffer (Linux would otherwise autotune it to 4 MB: 16 s of this stream,
        # the whole stall, out of the relay's sight).
        server = ru.Server(args.server, work, ["--player-queue-ms", "2000", "--player-queue-bytes", "2000000",
                                               "--socket-send-buffer", "131072", "--stats-file", stats_path])
        players, slow, pub = [], None, None
        slow_out = os.path.join(work, "slow.flv")
        try:
            for i in range(args.players):
                k = kinds[i % len(kinds)]
                name = "%s-%d" % (k, i)
                out = os.path.join(work, name + ".flv")
                players.append((name, rt.Process(name, ru.player_cmd(k, server.url(), out, args.play), work), out))
            with open(os.path.join(work, "slow.stderr"), "wb") as err:
                # A fixed, small socket receive buffer (no autotuning, which on loopback would
                # absorb the whole 10 s stall and hide it from the relay).
                slow = subprocess.Popen(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                                         "-recv_buffer_size", "65536", "-i", server.url(),
                                         "-c", "copy", "-f", "flv", "pipe:1"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
            server.wait_log(r"relay: play app=live key=key .*state=waiting_for_publisher", args.players + 1, 20)
            cpu0 = server.cpu_seconds()
            pub = rt.Process("publisher", ru.publish_cmd(server.url(), fixture), work)
            t0 = time.monotonic()
            max_dropped, slow_entry = 0, None
            reader = None
            while pub.proc.poll() is None:
                server.sample_rss()
                st = ru.read_stats(stats_path)
                for s in (st or {}).get("streams", []):
                    max_dropped = max(max_dropped, s.get("frames_dropped", 0))
                    for pl in s.get("player_list", []):
                        if pl.get("frames_dropped", 0) > 0:
                            slow_entry = pl
                if reader is None and time.monotonic() - t0 >= STALL_S:
                    reader = threading.Thread(target=lambda: open(slow_out, "wb").write(slow.stdout.read()))
                    reader.start()
                time.sleep(0.25)
            if pub.proc.wait() != 0:
                raise rt.TestFailure("publisher failed\n%s\n%s" % (pub.logs(), server.proc.logs()))
            elapsed = time.monotonic() - t0
            rcs = ru.wait_all([(n, pr) for n, pr, _ in players], 20)
            slow_rc = slow.wait(20)
            if reader:
                reader.join(10)
            cpu = server.cpu_seconds() - cpu0
            server.stop()
        finally:
            for _, pr, _ in players:
                pr.kill()
            if slow and slow.poll() is None:
                slow.kill()
            if pub:
                pub.kill()
            server.kill()

        expected = ru.packets(fixture)
        problems = []
        exact = 0
        for name, pr, out in players:
            if rcs[name] != 0:
                problems.append("%s exited %s\n%s" % (name, rcs[name], pr.logs()))
                continue
            pb, _ = ru.check_from_first_keyframe(expected, ru.packets(out), name, expect_start="first")
            problems += pb
            exact += not pb
        print("%d of %d players frame-exact (the whole stream)" % (exact, len(players)))
        log = server.log()
        behind = log.count("relay: player behind")
        caught_up = log.count("relay: player caught up")
        if slow_rc != 0:
            problems.append("slow player (ffmpeg) exited %s" % slow_rc)
        else:
            got = ru.packets(slow_out)
            pb, skipped_v, skipped_a = ru.check_with_gap(expected, got, "slow")
            problems += pb
            if skipped_v == 0:
                problems.append("slow player: nothing was skipped (%s): the stall did not make it fall behind"
                                % ru.summary(got))
            elif not pb:
                print("slow player: %s; skipped %d video + %d audio frames, resumed at a keyframe, "
                      "frame-exact around the gap" % (ru.summary(got), skipped_v, skipped_a))
        if max_dropped == 0 or slow_entry is None:
            problems.append("stats file never showed dropped frames (max %d)" % max_dropped)
        else:
            print("stats: stream frames_dropped up to %d; slow player entry %s" % (max_dropped, slow_entry))
        if behind == 0 or caught_up == 0:
            problems.append("log: %d 'player behind' and %d 'player caught up' lines" % (behind, caught_up))
        rss = server.rss_samples
        if rss:
            peak = max(rss) / 1024
            print("server RSS: start %.1f MB, peak %.1f MB, end %.1f MB (cap %.0f MB); CPU %.2f s for %.1f s "
                  "of stream to %d players (%.1f ms CPU per player-second)"
                  % (rss[0] / 1024, peak, rss[-1] / 1024, args.rss_cap_mb, cpu, elapsed, len(players) + 1,
                     1000 * cpu / elapsed / (len(players) + 1)))
            # ASan's quarantine and shadow memory make RSS meaningless against a cap.
            if peak > args.rss_cap_mb and not is_asan(args.server):
                problems.append("server RSS peaked at %.1f MB, over the %.0f MB cap" % (peak, args.rss_cap_mb))
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
