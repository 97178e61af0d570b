#!/usr/bin/env python3
"""Soak: one publisher, P players joining and leaving at random, for a given duration.

Starts the server on 127.0.0.1, then one rtmp-load that publishes its synthetic ~2 Mb/s
stream (sequence numbers in every frame) and runs P player slots: each plays for a random
--stay MIN:MAX seconds, leaves, and rejoins within a second. Every --interval seconds it
samples the server's RSS and CPU (/proc) and prints a row; at the end a summary. Errors:
failed connects, incomplete sessions (ended by the server, no video within 3 s, or frames
missed), frames the publisher could not queue, the server or the publisher dying.
Exit status 1 if there was any error.

  bench/soak.py --server build/release/bin/rtmp-server --load build/release/bench/rtmp-load
  bench/soak.py ... --minutes 5 --nginx     # nginx-rtmp instead
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "load"))
import run as lr  # noqa: E402  (bench/load/run.py: server start/stop and /proc helpers)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True, help="rtmp-server (release build)")
    p.add_argument("--load", required=True, help="rtmp-load")
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--players", type=int, default=200)
    p.add_argument("--stay", default="5:60", help="MIN:MAX seconds a player stays")
    p.add_argument("--interval", type=float, default=10)
    p.add_argument("--nginx", action="store_true", help="soak nginx-rtmp instead of rtmp-server")
    p.add_argument("--work", default=None)
    p.add_argument("--json", default=None, help="also write the samples and summary here")
    args = p.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = args.work or tempfile.mkdtemp(prefix="rtmp-soak-")
    os.makedirs(work, exist_ok=True)
    kind = "nginx-rtmp" if args.nginx else "rtmp-server"
    port = lr.free_port()
    server = lr.start_server(kind, args, work, port)
    load = None
    samples = []
    try:
        lr.wait_port(port)
        url = "rtmp://127.0.0.1:%d/live/soak" % port
        seconds = args.minutes * 60
        load = lr.subprocess.Popen(
            [args.load, url, "--publish", "--churn", args.stay, "-n", str(args.players),
             "--duration", str(seconds), "--interval", str(args.interval)],
            stdout=lr.subprocess.PIPE, stderr=open(os.path.join(work, "soak-load.log"), "wb"))
        first = json.loads(load.stdout.readline() or "{}")
        if first.get("event") != "playing":
            raise RuntimeError("rtmp-load: %r" % first)
        t0 = time.monotonic()
        cpu_last, t_last = lr.proc_cpu(server.pid), t0
        print("| t | server RSS | server CPU | players on | sessions | completed | connect failed | incomplete |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|", flush=True)
        events = {}
        for raw in load.stdout:  # one report per --interval: sample the server then
            ev = json.loads(raw)
            events[ev["event"]] = ev
            if ev["event"] != "report":
                continue
            if server.poll() is not None:
                raise RuntimeError("%s exited with %s" % (kind, server.returncode))
            cpu, t = lr.proc_cpu(server.pid), time.monotonic()
            s = {"t": t - t0, "rss_mb": lr.proc_rss_kb(server.pid) / 1024,
                 "cpu_pct": 100 * (cpu - cpu_last) / max(t - t_last, 1e-9),
                 "current": ev["current"], "sessions": ev["sessions"], "completed": ev["completed"],
                 "connect_failed": ev["connect_failed"], "incomplete": ev["incomplete"]}
            cpu_last, t_last = cpu, t
            samples.append(s)
            print("| %.0f s | %.1f MB | %.1f %% | %d | %d | %d | %d | %d |"
                  % (s["t"], s["rss_mb"], s["cpu_pct"], s["current"], s["sessions"], s["completed"],
                     s["connect_failed"], s["incomplete"]), flush=True)
        load.wait()
        alive = server.poll() is None
        pub = events.get("publisher", {})
        last = events.get("done") or (samples[-1] if samples else {})  # final counts
        # RSS once every slot has joined and left at least once (first joins are spread over
        # MAX seconds) vs at the end.
        warm_t = 2 * float(args.stay.split(":")[1])
        warm = next((x for x in samples if x["t"] >= warm_t), samples[0] if samples else {})
        summary = {
            "server": kind, "minutes": args.minutes, "players": args.players, "stay": args.stay,
            "sessions": last.get("sessions", 0), "completed": last.get("completed", 0),
            "connect_failed": last.get("connect_failed", -1), "incomplete": last.get("incomplete", -1),
            "published_video": pub.get("video", 0), "publisher_dropped": pub.get("dropped", -1),
            "publisher_error": pub.get("error", "missing"), "server_alive": alive,
            "rss_warm_mb": warm.get("rss_mb", 0), "rss_warm_t": warm.get("t", 0), "rss_end_mb": samples[-1]["rss_mb"] if samples else 0,
            "rss_max_mb": max((x["rss_mb"] for x in samples), default=0),
            "load_exit": load.returncode,
        }
        errors = (summary["connect_failed"] + summary["incomplete"] + max(summary["publisher_dropped"], 0)
                  + (0 if alive else 1) + (1 if summary["publisher_error"] else 0)
                  + (1 if summary["publisher_dropped"] < 0 or summary["connect_failed"] < 0 else 0))
        summary["errors"] = errors
        print()
        print(json.dumps(summary))
        print("%s: %d sessions in %g min (%d completed), %d errors; RSS %.1f MB after %.0f s, "
              "%.1f MB at the end (max %.1f MB)"
              % (kind, summary["sessions"], args.minutes, summary["completed"], errors,
                 summary["rss_warm_mb"], warm.get("t", 0), summary["rss_end_mb"], summary["rss_max_mb"]))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"samples": samples, "summary": summary}, f, indent=1)
        return 1 if errors else 0
    finally:
        if load:
            lr.stop(load)
        lr.stop(server)


if __name__ == "__main__":
    sys.exit(main())
