#!/usr/bin/env python3
"""Load benchmark: rtmp-server next to nginx-rtmp, same machine, same run.

Fan-out (--players): for each server and each N, start the server, publish the relay fixture
in a loop (ffmpeg -re -stream_loop -1 -c copy), start rtmp-load with N players, wait until
all play, then measure the server's CPU seconds (utime + stime from /proc) and peak RSS over
--seconds. Reports CPU seconds per player per stream-second (= CPU / (N x seconds)) and what
the players received (aggregate and slowest player, Mb/s), as a Markdown table.

Floor (--floor BIN): for each N, rtmp-fanout-floor (bench/load/floor) writes the same 2 Mb/s to N loopback
sockets at --floor-writes writes per socket per second (the fixture's 30 fps: one write per
frame interval) with no server logic at all: the kernel's part of any server's figure.

Latency (--latency 1,100,1000): rtmp-load publishes its synthetic ~2 Mb/s stream (send
time in every frame) and plays it N times in the same process; median and p99 of
receive - send over all players and frames after --warmup, and frames missed.

Idle connections (--idle 10000): N players play a key nobody publishes; the server's RSS
once all wait, and how many are still connected after --idle-seconds.

  bench/load/run.py --server build/release/bin/rtmp-server --load build/release/bench/rtmp-load
  bench/load/run.py ... --players none --latency 1,100,1000 --idle 10000 --json out.json
"""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "interop"))
import relay_util as ru  # noqa: E402

NGINX_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_rtmp_server(binary, work, port):
    log = open(os.path.join(work, "rtmp-server.log"), "wb")
    p = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--log-level", "warn"],
                         stdout=log, stderr=log)
    return p


def start_nginx(work, port, connections=8192):
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""load_module %s;
daemon off;
master_process off;
worker_processes 1;
user root;
error_log %s/nginx-error.log warn;
pid %s/nginx.pid;
worker_rlimit_nofile %d;
events { worker_connections %d; }
rtmp {
  server {
    listen 127.0.0.1:%d;
    chunk_size 4096;
    application live { live on; }
  }
}
""" % (NGINX_MODULE, work, work, connections + 16, connections, port))
    log = open(os.path.join(work, "nginx.log"), "wb")
    return subprocess.Popen(["nginx", "-p", work, "-c", conf], stdout=log, stderr=log)


def wait_port(port, timeout=10):
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listening on port %d" % port)


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run_one(kind, args, fixture, n, work):
    port = free_port()
    server = start_rtmp_server(args.server, work, port) if kind == "rtmp-server" else start_nginx(work, port)
    pub = load = None
    try:
        wait_port(port)
        url = "rtmp://127.0.0.1:%d/live/bench" % port
        pub = subprocess.Popen(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re",
                                "-stream_loop", "-1", "-i", fixture, "-c", "copy", "-f", "flv", url],
                               stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "publisher.log"), "wb"))
        time.sleep(2)
        load = subprocess.Popen([args.load, url, "-n", str(n), "--threads", str(args.load_threads),
                                 "--duration", str(args.seconds), "--interval", str(args.seconds),
                                 "--ramp", str(args.ramp)],
                                stdout=subprocess.PIPE, stderr=open(os.path.join(work, "load.log"), "wb"))
        line = json.loads(load.stdout.readline() or "{}")
        if line.get("event") != "playing":
            raise RuntimeError("rtmp-load: %r" % line)
        cpu0, t0 = proc_cpu(server.pid), time.monotonic()
        rss = [proc_rss_kb(server.pid)]
        done = None
        while load.poll() is None:
            rss.append(proc_rss_kb(server.pid))
            time.sleep(0.5)
            cpu1, t1 = proc_cpu(server.pid), time.monotonic()
            if done is None and time.monotonic() - t0 >= args.seconds:
                done = (cpu1, t1)
        received = {"total_mbps": 0.0, "min_player_mbps": 0.0}
        for raw in load.stdout:
            ev = json.loads(raw)
            if ev.get("event") == "done":
                received = ev
        cpu1, t1 = done or (proc_cpu(server.pid), time.monotonic())
        secs = t1 - t0
        cpu = cpu1 - cpu0
        return {
            "server": kind, "players": n, "playing": line["players"], "failed": line["failed"],
            "seconds": secs, "cpu_s": cpu, "cpu_per_player_stream_s": cpu / (n * secs),
            "cpu_pct": 100 * cpu / secs, "rss_peak_mb": max(rss) / 1024,
            "total_mbps": received["total_mbps"], "min_player_mbps": received["min_player_mbps"],
        }
    finally:
        for p in (load, pub):
            if p:
                stop(p)
        stop(server)


def run_floor(args, n):
    out = subprocess.run([args.floor, "--players", str(n), "--seconds", str(args.seconds),
                          "--writes", str(args.floor_writes), "--rate", "2000000"],
                         capture_output=True, text=True).stdout
    f = dict(kv.split("=", 1) for kv in out.split() if "=" in kv)  # "key=value ..."
    secs, cpu = float(f["seconds"]), float(f["cpu_s"])
    return {
        "server": "kernel floor (%d writes/s)" % args.floor_writes, "players": n, "playing": n,
        "failed": 0, "seconds": secs, "cpu_s": cpu,
        "cpu_per_player_stream_s": float(f["cpu_per_player_stream_s"]), "cpu_pct": 100 * cpu / secs,
        "rss_peak_mb": None, "total_mbps": None, "min_player_mbps": None, "short_writes": int(f["short"]),
    }


def fmt(value, pattern):
    return "-" if value is None else pattern % value


def start_server(kind, args, work, port, connections=8192):
    if kind == "rtmp-server":
        return start_rtmp_server(args.server, work, port)
    return start_nginx(work, port, connections)


def read_events(load):
    """rtmp-load's remaining JSON lines by event name (the last of each)."""
    events = {}
    for raw in load.stdout:
        try:
            ev = json.loads(raw)
        except ValueError:
            continue
        events[ev.get("event")] = ev
    return events


def run_latency(kind, args, n, work):
    port = free_port()
    server = start_server(kind, args, work, port)
    load = None
    try:
        wait_port(port)
        url = "rtmp://127.0.0.1:%d/live/latency" % port
        load = subprocess.Popen([args.load, url, "--publish", "--latency", "-n", str(n),
                                 "--threads", str(args.load_threads), "--duration", str(args.latency_seconds),
                                 "--interval", str(args.latency_seconds), "--warmup", str(args.warmup),
                                 "--ramp", str(args.ramp)],
                                stdout=subprocess.PIPE, stderr=open(os.path.join(work, "load.log"), "ab"))
        line = json.loads(load.stdout.readline() or "{}")
        if line.get("event") != "playing":
            raise RuntimeError("rtmp-load: %r" % line)
        cpu0, t0 = proc_cpu(server.pid), time.monotonic()
        lcpu0 = lcpu1 = proc_cpu(load.pid)
        rss = [proc_rss_kb(server.pid)]
        cpu1, t1 = cpu0, t0
        while load.poll() is None:
            rss.append(proc_rss_kb(server.pid))
            try:
                cpu1, t1, lcpu1 = proc_cpu(server.pid), time.monotonic(), proc_cpu(load.pid)
            except OSError:  # rtmp-load just exited
                pass
            time.sleep(0.5)
        events = read_events(load)
        lat, done, pub = events.get("latency", {}), events.get("done", {}), events.get("publisher", {})
        return {
            "server": kind, "players": n, "playing": line["players"], "failed": line["failed"],
            "samples": lat.get("samples", 0), "median_ms": lat.get("median_ms", -1),
            "p99_ms": lat.get("p99_ms", -1), "max_ms": lat.get("max_ms", -1), "gaps": lat.get("gaps", -1),
            "ended": done.get("ended", -1), "published_video": pub.get("video", 0),
            "published_audio": pub.get("audio", 0), "publisher_dropped": pub.get("dropped", -1),
            "video_median_ms": lat.get("video_median_ms", -1), "video_p99_ms": lat.get("video_p99_ms", -1),
            "audio_median_ms": lat.get("audio_median_ms", -1), "audio_p99_ms": lat.get("audio_p99_ms", -1),
            "cpu_pct": 100 * (cpu1 - cpu0) / max(t1 - t0, 1e-9), "rss_peak_mb": max(rss) / 1024,
            "load_cpu_pct": 100 * (lcpu1 - lcpu0) / max(t1 - t0, 1e-9),
        }
    finally:
        if load:
            stop(load)
        stop(server)


def run_idle(kind, args, n, work):
    port = free_port()
    server = start_server(kind, args, work, port, connections=n + 64)
    load = None
    try:
        wait_port(port)
        time.sleep(0.5)
        rss_base = proc_rss_kb(server.pid)
        url = "rtmp://127.0.0.1:%d/live/nobody" % port
        load = subprocess.Popen([args.load, url, "--idle", "-n", str(n), "--threads", str(args.load_threads),
                                 "--duration", str(args.idle_seconds), "--interval", str(args.idle_seconds),
                                 "--ramp", str(args.idle_ramp)],
                                stdout=subprocess.PIPE, stderr=open(os.path.join(work, "load.log"), "ab"))
        line = json.loads(load.stdout.readline() or "{}")
        if line.get("event") != "playing":
            raise RuntimeError("rtmp-load: %r" % line)
        rss = [proc_rss_kb(server.pid)]
        while load.poll() is None:
            rss.append(proc_rss_kb(server.pid))
            time.sleep(0.5)
        done = read_events(load).get("done", {})
        waiting = line["players"] - done.get("ended", line["players"])
        peak = max(rss)
        return {
            "server": kind, "players": n, "waiting": line["players"], "failed": line["failed"],
            "ramp_s": line.get("ramp_s", 0), "still_connected": waiting, "rss_base_mb": rss_base / 1024,
            "rss_peak_mb": peak / 1024, "rss_per_conn_kb": (peak - rss_base) / max(n, 1),
        }
    finally:
        if load:
            stop(load)
        stop(server)


def print_fanout(rows):
    print("| server | players | playing | CPU s / player / stream-s | server CPU | peak RSS | received (all players) | slowest player |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %d | %d | %.2e | %.0f %% | %s | %s | %s |"
              % (r["server"], r["players"], r["playing"], r["cpu_per_player_stream_s"], r["cpu_pct"],
                 fmt(r["rss_peak_mb"], "%.1f MB"), fmt(r["total_mbps"], "%.0f Mb/s"),
                 fmt(r["min_player_mbps"], "%.2f Mb/s")))


def print_latency(rows):
    print("| server | players | playing | samples | median | p99 | max | video median / p99 | audio median / p99 | frames missed | server CPU | rtmp-load CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %d | %d | %d | %.2f ms | %.2f ms | %.1f ms | %.2f / %.2f ms | %.2f / %.2f ms | %d | %.0f %% | %.0f %% |"
              % (r["server"], r["players"], r["playing"], r["samples"], r["median_ms"], r["p99_ms"],
                 r["max_ms"], r["video_median_ms"], r["video_p99_ms"], r["audio_median_ms"], r["audio_p99_ms"],
                 r["gaps"], r["cpu_pct"], r["load_cpu_pct"]))


def print_idle(rows):
    print("| server | idle players | waiting | still connected | RSS before | peak RSS | per connection |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %d | %d | %d | %.1f MB | %.1f MB | %.1f KB |"
              % (r["server"], r["players"], r["waiting"], r["still_connected"], r["rss_base_mb"],
                 r["rss_peak_mb"], r["rss_per_conn_kb"]))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True, help="rtmp-server (release build)")
    p.add_argument("--load", required=True, help="rtmp-load")
    p.add_argument("--players", default="100,300,1000", help="fan-out N list, or 'none'")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--ramp", type=float, default=200, help="players connected per second")
    p.add_argument("--load-threads", type=int, default=1)
    p.add_argument("--fixtures", default=os.path.join(tempfile.gettempdir(), "rtmpcxx-bench-fixtures"))
    p.add_argument("--work", default=None)
    p.add_argument("--no-nginx", action="store_true")
    p.add_argument("--latency", default="", help="latency N list (e.g. 1,100,1000); empty = skip")
    p.add_argument("--latency-seconds", type=float, default=20, help="per latency run, after all play")
    p.add_argument("--warmup", type=float, default=3, help="latency: seconds before frames count")
    p.add_argument("--idle", type=int, default=0, help="idle connected players (e.g. 10000); 0 = skip")
    p.add_argument("--idle-seconds", type=float, default=10)
    p.add_argument("--idle-ramp", type=float, default=1000, help="idle players connected per second")
    p.add_argument("--floor", default=None, help="rtmp-fanout-floor: add the kernel floor per N")
    p.add_argument("--floor-writes", type=int, default=30, help="floor: writes per player per second")
    p.add_argument("--json", default=None, help="also write every row to this file")
    args = p.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
    work = args.work or tempfile.mkdtemp(prefix="rtmp-load-")
    os.makedirs(work, exist_ok=True)
    kinds = ["rtmp-server"]
    if not args.no_nginx:
        if shutil.which("nginx") and os.path.exists(NGINX_MODULE):
            kinds.append("nginx-rtmp")
        else:
            print("nginx-rtmp not installed (nginx + libnginx-mod-rtmp): rtmp-server only")
    rows, lat_rows, idle_rows = [], [], []
    players = [] if args.players in ("", "none") else [int(x) for x in args.players.split(",")]
    fixture = ru.relay_fixture(args.fixtures, "relay_2mbit_20s") if players else None
    for n in players:
        for kind in kinds:
            r = run_one(kind, args, fixture, n, work)
            rows.append(r)
            print(json.dumps(r), flush=True)
        if args.floor:
            r = run_floor(args, n)
            rows.append(r)
            print(json.dumps(r), flush=True)
    for n in [int(x) for x in args.latency.split(",") if x]:
        for kind in kinds:
            r = run_latency(kind, args, n, work)
            lat_rows.append(r)
            print(json.dumps(r), flush=True)
    if args.idle:
        for kind in kinds:
            r = run_idle(kind, args, args.idle, work)
            idle_rows.append(r)
            print(json.dumps(r), flush=True)
    if rows:
        print()
        print_fanout(rows)
    if lat_rows:
        print()
        print_latency(lat_rows)
    if idle_rows:
        print()
        print_idle(idle_rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"fanout": rows, "latency": lat_rows, "idle": idle_rows}, f, indent=1)

if __name__ == "__main__":
    main()
