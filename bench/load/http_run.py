#!/usr/bin/env python3
"""HTTP delivery benchmark: rtmp-server's HTTP-FLV and (LL-)HLS next to nginx serving the same
HLS files and next to rtmp-server's own RTMP fan-out, one server, one stream, one run.

One rtmp-server (--http-port, --hls-dir on a tmpfs) gets rtmp-load's synthetic ~2 Mb/s stream
(30 fps, 2 s GOP, every frame stamped with its send time); one nginx (Debian's, on 127.0.0.1)
serves --hls-dir statically. Then, one after another (http-load = bench/load/http_load.cpp):

  latency   for --latency-seconds, at the same time: one LL-HLS client (preload hints +
            blocking reloads), one HTTP-FLV client and one RTMP player (rtmp-load): frame
            send -> received by the client, median / p99 over every frame after the warm-up.
  hls       N classic HLS clients (playlist polling, whole segments) of rtmp-server, then
            the same N of nginx: CPU seconds of each server over the window; for nginx the
            figure that counts is nginx's CPU plus rtmp-server's extra CPU meanwhile over its
            no-client baseline (it still ingests, segments and writes the files). Misses:
            segments that left the playlist before a client fetched them, and frame gaps.
  llhls     N LL-HLS clients of rtmp-server (nginx cannot answer blocking requests).
  flv       N HTTP-FLV clients, then N RTMP players: CPU s per client per second.

CPU = utime + stime from /proc/PID/stat (all threads; nginx: master + workers), RSS peak,
voluntary context switches (sum over threads). Writes JSON (--json) and a Markdown table.

  bench/load/http_run.py --server build/bench-http/bin/rtmp-server \\
      --load build/bench-http/bench/rtmp-load --http-load build/bench-http/bench/http-load
"""

import argparse
import glob
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid):
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(stat.split("/")[2]))
        except (OSError, ValueError):
            pass
    return out


def status_field(pid, name):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def ctxt(pid):
    total = 0
    for st in glob.glob("/proc/%d/task/*/status" % pid):
        try:
            with open(st) as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


class Probe:
    """CPU, voluntary context switches and peak RSS of a process and its children."""

    def __init__(self, pid):
        self.pids = [pid] + children(pid)

    def sample(self):
        cpu = sw = rss = 0
        for p in self.pids:
            try:
                cpu += proc_cpu(p)
                sw += ctxt(p)
                rss += status_field(p, "VmRSS")
            except OSError:
                pass
        return cpu, sw, rss


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listening on port %d" % port)


def stop(p):
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def start_nginx(work, root, port, workers):
    conf = os.path.join(work, "nginx-http.conf")
    with open(conf, "w") as f:
        f.write("""daemon off;
master_process on;
worker_processes %d;
user root;
error_log %s/nginx-http-error.log warn;
pid %s/nginx-http.pid;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  types { application/vnd.apple.mpegurl m3u8; video/mp4 m4s mp4; }
  server {
    listen 127.0.0.1:%d;
    root %s;
  }
}
""" % (workers, work, work, port, root))
    log = open(os.path.join(work, "nginx-http.log"), "wb")
    return subprocess.Popen(["nginx", "-p", work, "-c", conf], stdout=log, stderr=log)


def json_lines(p):
    events = {}
    for raw in p.stdout:
        try:
            ev = json.loads(raw)
        except ValueError:
            continue
        events[ev.get("event")] = ev
    return events


def measure(tool_cmd, probes, work, name):
    """Runs a load tool; CPU etc. of each probe from its 'playing' line to its end."""
    tool = subprocess.Popen(tool_cmd, stdout=subprocess.PIPE,
                            stderr=open(os.path.join(work, name + ".log"), "wb"))
    first = json.loads(tool.stdout.readline() or "{}")
    if first.get("event") != "playing":
        stop(tool)
        raise RuntimeError("%s: %r" % (name, first))
    tool_probe = Probe(tool.pid)
    t0 = time.monotonic()
    start = {k: p.sample() for k, p in probes.items()}
    load0 = tool_probe.sample()
    last, load1, t1, peak = dict(start), load0, t0, {k: 0 for k in probes}
    while tool.poll() is None:
        time.sleep(0.5)
        if tool.poll() is not None:
            break
        t1 = time.monotonic()
        for k, p in probes.items():
            last[k] = p.sample()
            peak[k] = max(peak[k], last[k][2])
        try:
            load1 = tool_probe.sample()
        except OSError:
            pass
    events = json_lines(tool)
    secs = max(t1 - t0, 1e-9)
    out = {"seconds": secs, "playing": first, "done": events.get("done", {}),
           "latency": events.get("latency"), "load_cpu_pct": 100 * (load1[0] - load0[0]) / secs}
    for k in probes:
        out[k] = {"cpu_s": last[k][0] - start[k][0], "cpu_pct": 100 * (last[k][0] - start[k][0]) / secs,
                  "vol_ctxt": last[k][1] - start[k][1], "rss_peak_mb": peak[k] / 1024}
    return out


def http_load(args, mode, url, n, seconds, latency=False):
    cmd = [args.http_load, url, "--mode", mode, "-n", str(n), "--duration", str(seconds),
           "--ramp", str(args.ramp), "--threads", str(args.load_threads)]
    return cmd + (["--latency", "--warmup", str(args.warmup)] if latency else [])


def rtmp_players(args, url, n, seconds, latency=False):
    cmd = [args.load, url, "-n", str(n), "--duration", str(seconds), "--interval", str(seconds),
           "--ramp", str(args.ramp), "--threads", str(args.load_threads)]
    return cmd + (["--latency", "--warmup", str(args.warmup)] if latency else [])


def run_latency(args, work, urls, server_probe):
    """The three one-client latency measurements side by side."""
    secs = args.latency_seconds
    tools = {
        "llhls": http_load(args, "llhls", urls["hls"], 1, secs, True),
        "flv": http_load(args, "flv", urls["flv"], 1, secs, True),
        "rtmp": rtmp_players(args, urls["rtmp"], 1, secs, True),
    }
    procs = {k: subprocess.Popen(c, stdout=subprocess.PIPE,
                                 stderr=open(os.path.join(work, "latency-%s.log" % k), "wb"))
             for k, c in tools.items()}
    cpu0, t0 = server_probe.sample()[0], time.monotonic()
    rows = {}
    for k, p in procs.items():
        first = json.loads(p.stdout.readline() or "{}")
        ev = json_lines(p)
        p.wait()
        src = ev.get("latency") if k == "rtmp" else ev.get("done")
        rows[k] = {"first": first, "result": src or {}, "done": ev.get("done", {})}
    rows["server_cpu_pct"] = 100 * (server_probe.sample()[0] - cpu0) / (time.monotonic() - t0)
    return rows


def row(kind, server, clients, m, key, extra=None):
    d = m["done"]
    r = {"test": kind, "server": server, "clients": clients, "started": m["playing"].get("clients",
         m["playing"].get("players")), "failed": m["playing"].get("failed"), "seconds": m["seconds"],
         "cpu_s": m[key]["cpu_s"], "cpu_pct": m[key]["cpu_pct"], "vol_ctxt": m[key]["vol_ctxt"],
         "rss_peak_mb": m[key]["rss_peak_mb"], "load_cpu_pct": m["load_cpu_pct"],
         "mbps": d.get("mbps", d.get("total_mbps")), "files": d.get("files"),
         "files_min": d.get("files_min"), "misses": d.get("misses"), "video_gaps": d.get("video_gaps"),
         "audio_gaps": d.get("audio_gaps"), "errors": d.get("errors"), "requests": d.get("requests")}
    if kind in ("http-flv", "rtmp"):  # one endless response, no files
        r["files"] = r["files_min"] = None
    r["cpu_per_client_s"] = r["cpu_s"] / (clients * m["seconds"])
    r.update(extra or {})
    return r


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True)
    p.add_argument("--load", required=True, help="rtmp-load (publisher, RTMP players)")
    p.add_argument("--http-load", required=True)
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=30, help="each load window")
    p.add_argument("--latency-seconds", type=float, default=60)
    p.add_argument("--warmup", type=float, default=5)
    p.add_argument("--ramp", type=float, default=200, help="clients started per second")
    p.add_argument("--load-threads", type=int, default=1)
    p.add_argument("--nginx-workers", type=int, default=2, help="rtmp-server runs one thread per core")
    p.add_argument("--part-ms", type=int, default=200)
    p.add_argument("--tests", default="latency,hls,llhls,flv")
    p.add_argument("--shm", default="/dev/shm")
    p.add_argument("--work", default=None)
    p.add_argument("--json", default=None)
    p.add_argument("--markdown", default=None)
    args = p.parse_args()
    tests = args.tests.split(",")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = os.path.abspath(args.work or tempfile.mkdtemp(prefix="http-bench-"))
    os.makedirs(work, exist_ok=True)
    hls_dir = tempfile.mkdtemp(prefix="rtmpcxx-hls-", dir=args.shm)
    rtmp_port, http_port, nginx_port = free_port(), free_port(), free_port()
    server = subprocess.Popen([args.server, "--port", str(rtmp_port), "--bind", "127.0.0.1",
                               "--http-port", str(http_port), "--hls-dir", hls_dir,
                               "--hls-part-ms", str(args.part_ms), "--http-max-connections", "20000",
                               "--log-level", "warn"],
                              stdout=open(os.path.join(work, "rtmp-server.log"), "wb"), stderr=subprocess.STDOUT)
    nginx = pub = None
    res = {"clients": args.clients, "seconds": args.seconds, "part_ms": args.part_ms,
           "loadavg_before": os.getloadavg(), "rows": []}
    try:
        wait_port(rtmp_port)
        wait_port(http_port)
        urls = {"rtmp": "rtmp://127.0.0.1:%d/live/bench" % rtmp_port,
                "flv": "http://127.0.0.1:%d/live/bench.flv" % http_port,
                "hls": "http://127.0.0.1:%d/live/bench/index.m3u8" % http_port,
                "nginx": "http://127.0.0.1:%d/live/bench/index.m3u8" % nginx_port}
        pub = subprocess.Popen([args.load, urls["rtmp"], "--publish", "-n", "0", "--duration", "100000",
                                "--interval", "100000"], stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(work, "publisher.log"), "wb"))
        time.sleep(5)  # a few segments in the window
        if "hls" in tests:
            nginx = start_nginx(work, hls_dir, nginx_port, args.nginx_workers)
            wait_port(nginx_port)
        sp = Probe(server.pid)
        if "latency" in tests:
            res["latency"] = run_latency(args, work, urls, sp)
            print(json.dumps(res["latency"]), flush=True)
        n, s = args.clients, args.seconds
        if "hls" in tests:
            # Baseline: what rtmp-server spends with no HTTP client (ingest, segment, files).
            c0, t0 = sp.sample()[0], time.monotonic()
            time.sleep(min(s, 10))
            base = (sp.sample()[0] - c0) / (time.monotonic() - t0)
            res["rtmp_server_idle_cpu_pct"] = 100 * base
            m = measure(http_load(args, "hls", urls["hls"], n, s), {"server": sp}, work, "hls-rtmp")
            res["rows"].append(row("hls (polling)", "rtmp-server", n, m, "server",
                                   {"serving_cpu_s": m["server"]["cpu_s"] - base * m["seconds"]}))
            m = measure(http_load(args, "hls", urls["nginx"], n, s), {"server": sp, "nginx": Probe(nginx.pid)},
                        work, "hls-nginx")
            res["rows"].append(row("hls (polling)", "nginx (files from --hls-dir)", n, m, "nginx",
                                   {"serving_cpu_s": m["nginx"]["cpu_s"],
                                    "rtmp_server_cpu_s": m["server"]["cpu_s"]}))
            print(json.dumps(res["rows"][-2:]), flush=True)
        if "llhls" in tests:
            m = measure(http_load(args, "llhls", urls["hls"], n, s), {"server": sp}, work, "llhls")
            res["rows"].append(row("ll-hls (blocking)", "rtmp-server", n, m, "server"))
            print(json.dumps(res["rows"][-1]), flush=True)
        if "flv" in tests:
            m = measure(http_load(args, "flv", urls["flv"], n, s), {"server": sp}, work, "flv")
            res["rows"].append(row("http-flv", "rtmp-server", n, m, "server"))
            m = measure(rtmp_players(args, urls["rtmp"], n, s), {"server": sp}, work, "rtmp")
            res["rows"].append(row("rtmp", "rtmp-server", n, m, "server"))
            print(json.dumps(res["rows"][-2:]), flush=True)
    finally:
        stop(pub)
        stop(nginx)
        stop(server)
        shutil.rmtree(hls_dir, ignore_errors=True)
    res["loadavg_after"] = os.getloadavg()
    text = "\n".join(tables(res))
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")


def ms(v):
    return "-" if v is None or v < 0 else "%.0f ms" % v


def dash(v):
    return "-" if v is None else v


def tables(res):
    out = []
    lat = res.get("latency")
    if lat:
        out += ["### Latency: frame sent to rtmp-server -> received by one client (%d ms parts)" % res["part_ms"], "",
                "| path | samples | median | p99 | max | video median / p99 | frames missed | target |",
                "|---|---:|---:|---:|---:|---:|---:|---|"]
        names = {"llhls": ("LL-HLS part (preload hint + blocking reload)", "< 1000 ms"),
                 "flv": ("HTTP-FLV", "< 500 ms"), "rtmp": ("RTMP (reference)", "-")}
        for k, (name, target) in names.items():
            r = lat[k]["result"]
            d = lat[k]["done"]
            gaps = r.get("gaps") if k == "rtmp" else (d.get("video_gaps", 0) + d.get("audio_gaps", 0))
            out.append("| %s | %s | %s | %s | %s | %s / %s | %s | %s |" % (
                name, r.get("samples", 0), ms(r.get("median_ms")), ms(r.get("p99_ms")), ms(r.get("max_ms")),
                ms(r.get("video_median_ms")), ms(r.get("video_p99_ms")), gaps, target))
        out += ["", "rtmp-server CPU meanwhile: %.1f %%." % lat["server_cpu_pct"], ""]
    rows = res["rows"]
    if rows:
        out += ["### %d clients of one ~2 Mb/s stream, %g s each" % (res["clients"], res["seconds"]), "",
                "| test | server | clients started | serving CPU s | vs nginx | CPU s / client-s | vs RTMP | server CPU | vol. ctx switches | peak RSS | received | files (min per client) | misses | frame gaps | errors | load gen CPU |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        nginx = next((r for r in rows if r["server"].startswith("nginx")), None)
        rtmp = next((r for r in rows if r["test"] == "rtmp"), None)
        for r in rows:
            serving = r.get("serving_cpu_s")
            vs_nginx = "-"
            if serving is not None and nginx and nginx["serving_cpu_s"] > 0:
                vs_nginx = "%.2fx" % (serving / nginx["serving_cpu_s"])
            vs_rtmp = "-"
            if r["test"] == "http-flv" and rtmp:
                vs_rtmp = "%.2fx" % (r["cpu_per_client_s"] / rtmp["cpu_per_client_s"])
            out.append("| %s | %s | %s | %s | %s | %.2e | %s | %.0f %% | %d | %.1f MB | %.0f Mb/s | %s (%s) | %s | %s | %s | %.0f %% |" % (
                r["test"], r["server"], r["started"], "-" if serving is None else "%.2f" % serving, vs_nginx,
                r["cpu_per_client_s"], vs_rtmp, r["cpu_pct"], r["vol_ctxt"], r["rss_peak_mb"], r["mbps"] or 0,
                dash(r["files"]), dash(r["files_min"]), dash(r["misses"]),
                dash(None if r["video_gaps"] is None else r["video_gaps"] + r["audio_gaps"]), dash(r["errors"]),
                r["load_cpu_pct"]))
        out += ["", "Serving CPU: rtmp-server's CPU over the window less its no-client rate (%.1f %% of a core: "
                "ingest, segmenting, writing --hls-dir); for nginx, nginx's own CPU (rtmp-server meanwhile: %s)."
                % (res.get("rtmp_server_idle_cpu_pct", 0),
                   "%.2f s" % nginx["rtmp_server_cpu_s"] if nginx else "-"),
                "Load average before / after: %s / %s." % (
                    " ".join("%.2f" % x for x in res["loadavg_before"]),
                    " ".join("%.2f" % x for x in res["loadavg_after"])), ""]
    return out


if __name__ == "__main__":
    sys.exit(main())
