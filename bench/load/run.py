#!/usr/bin/env python3
"""Load benchmark: server CPU and RSS for N players of one ~2 Mb/s live stream, rtmp-server
next to nginx-rtmp, same machine, same run.

For each server and each N: start the server, publish the relay fixture in a loop (ffmpeg
-re -stream_loop -1 -c copy), start rtmp-load with N players, wait until all play, then
measure the server's CPU seconds (utime + stime from /proc) and peak RSS over --seconds.
Reports CPU seconds per player per stream-second (= CPU / (N x seconds)) and what the
players received (aggregate and slowest player, Mb/s), as a Markdown table.

  bench/load/run.py --server build/release/bin/rtmp-server --load build/release/bench/rtmp-load
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


def start_nginx(work, port):
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""load_module %s;
daemon off;
master_process off;
worker_processes 1;
user root;
error_log %s/nginx-error.log warn;
pid %s/nginx.pid;
events { worker_connections 8192; }
rtmp {
  server {
    listen 127.0.0.1:%d;
    chunk_size 4096;
    application live { live on; }
  }
}
""" % (NGINX_MODULE, work, work, port))
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


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True, help="rtmp-server (release build)")
    p.add_argument("--load", required=True, help="rtmp-load")
    p.add_argument("--players", default="100,300,1000")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--ramp", type=float, default=200, help="players connected per second")
    p.add_argument("--load-threads", type=int, default=1)
    p.add_argument("--fixtures", default=os.path.join(tempfile.gettempdir(), "rtmpcxx-bench-fixtures"))
    p.add_argument("--work", default=None)
    p.add_argument("--no-nginx", action="store_true")
    args = p.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
    fixture = ru.relay_fixture(args.fixtures, "relay_2mbit_20s")
    work = args.work or tempfile.mkdtemp(prefix="rtmp-load-")
    os.makedirs(work, exist_ok=True)
    kinds = ["rtmp-server"]
    if not args.no_nginx:
        if shutil.which("nginx") and os.path.exists(NGINX_MODULE):
            kinds.append("nginx-rtmp")
        else:
            print("nginx-rtmp not installed (nginx + libnginx-mod-rtmp): rtmp-server only")
    rows = []
    for n in [int(x) for x in args.players.split(",")]:
        for kind in kinds:
            r = run_one(kind, args, fixture, n, work)
            rows.append(r)
            print(json.dumps(r), flush=True)
    print()
    print("| server | players | playing | CPU s / player / stream-s | server CPU | peak RSS | received (all players) | slowest player |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %d | %d | %.2e | %.0f %% | %.1f MB | %.0f Mb/s | %.2f Mb/s |"
              % (r["server"], r["players"], r["playing"], r["cpu_per_player_stream_s"], r["cpu_pct"],
                 r["rss_peak_mb"], r["total_mbps"], r["min_player_mbps"]))


if __name__ == "__main__":
    main()
