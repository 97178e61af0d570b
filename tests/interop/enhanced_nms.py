#!/usr/bin/env python3
"""Interop with an independent Enhanced RTMP implementation: node-media-server (v4, "designed
to implement enhanced RTMP FLV v1 support for native HEVC, VP9, AV1") from the npm registry,
installed into the build tree (--install) and started on a free loopback port.

--case publish: rtmp-publish sends an Enhanced fixture (HEVC/AV1/VP9) to node-media-server;
  an early rtmp-play (joined before the publisher) must be frame-exact from the start, and a
  late rtmp-play (joined mid-stream) must get the sequence headers and then, per track, the
  fixture from a keyframe to the end: node-media-server only does that if it parsed the
  ExVideoTagHeader (FourCC, packet type, frame type) for its GOP cache.
--case relay: node-media-server pulls the stream from rtmp-server (a relay task) while
  rtmp-publish publishes to rtmp-server; an rtmp-play on node-media-server, joined first,
  must be frame-exact from the start.

Frame-exact: rtmp-play's FLV demuxed by rtmpcxx (rtmp-mux --dump) against `ffprobe
-show_packets` of the fixture's MP4 sources (per track: dts, pts, key, size, CRC-32).
Exit 77 when node/npm are missing or the package cannot be installed.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import enhanced_util as eu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

NMS_PACKAGE = "node-media-server@4.4.3"

# Starts node-media-server from the installed package with an RTMP port only (no HTTP, no
# admin), optionally adds a pull relay task, and prints "listening on ADDR:PORT" on stderr.
RUNNER = r"""
const [modules, port, dataDir, relayUrl] = process.argv.slice(2);
const NodeMediaServer = require(modules + "/node-media-server");
const Context = require(modules + "/node-media-server/src/core/context.js");
const config = {
  bind: "127.0.0.1",
  rtmp: { port: Number(port) },
  store: { path: dataDir },
  auth: { play: false, publish: false, secret: "" },
  record: { auto: false, path: dataDir + "/record" },
  webadmin: { enable: false },
  notify: { url: "" },
};
const nms = new NodeMediaServer(config);
const announce = () => {
  if (relayUrl) Context.relayServer.addTask({ url: relayUrl, streamPath: "/live/relayed", mode: "pull" });
  process.stderr.write("listening on 127.0.0.1:" + port + "\n");
};
(async () => {
  await nms.run();
  const tcp = nms.rtmpServer.tcpServer;
  if (tcp.listening) announce(); else tcp.on("listening", announce);
})();
const stop = async () => { await nms.stop(); process.exit(0); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
"""


def nms_dir(fixtures):
    return os.path.join(fixtures, "nms")


def install(fixtures):
    """npm install the package into <fixtures>/nms (once); exit 77 when impossible."""
    rt.require_tools("node", "npm")
    d = nms_dir(fixtures)
    marker = os.path.join(d, "installed-" + NMS_PACKAGE.replace("/", "_"))
    if os.path.isfile(marker):
        return d
    os.makedirs(d, exist_ok=True)
    cmd = ["npm", "install", "--prefix", d, "--no-audit", "--no-fund", "--loglevel", "error", NMS_PACKAGE]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    if r.returncode != 0:
        print("SKIP: %s failed (registry unreachable?):\n%s" % (" ".join(cmd), r.stdout.decode(errors="replace")[-2000:]))
        sys.exit(rt.SKIP)
    with open(marker, "w") as f:
        f.write(NMS_PACKAGE + "\n")
    return d


def free_port():
    # node-media-server takes no port 0 (it skips a falsy port): pick one and hand it over.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nms:
    def __init__(self, fixtures, work, relay_url=""):
        d = os.path.abspath(nms_dir(fixtures))
        if not os.path.isdir(os.path.join(d, "node_modules", "node-media-server")):
            print("SKIP: node-media-server not installed (interop.enhanced.nms.install)")
            sys.exit(rt.SKIP)
        runner = os.path.join(work, "nms_runner.js")
        with open(runner, "w") as f:
            f.write(RUNNER)
        data = os.path.join(work, "nms-data")
        os.makedirs(data, exist_ok=True)
        self.port = free_port()
        self.proc = rt.Process("nms", ["node", runner, os.path.join(d, "node_modules"), str(self.port), data, relay_url], work)
        self.proc.wait_for_port(20)

    def url(self, key="key"):
        return "rtmp://127.0.0.1:%d/live/%s" % (self.port, key)

    def stop(self):
        if self.proc.proc.poll() is None:
            self.proc.proc.terminate()
        if self.proc.wait(10) is None:
            self.proc.kill()


# node-media-server keeps a stream open for 30 s after its publisher leaves (in case it comes
# back) and tells players nothing: rtmp-play ends on its idle timeout instead.
IDLE_TIMEOUT = "2"


def play_cmd(args, url, out):
    return [args.play, url, "-o", out, "--timeout", IDLE_TIMEOUT]


def ended_by_idle(rc, proc):
    if rc == 0:
        return True
    with open(proc.err_path, "rb") as f:
        return rc == 1 and b"nothing received" in f.read()


def frames_from_keyframe(expected, actual, label):
    """Each track of `actual` must be a suffix of the same track in `expected`; video tracks
    must start at a keyframe. Returns problems."""
    problems = []
    if set(actual) != set(expected):
        return ["%s: tracks %s, expected %s" % (label, sorted(actual), sorted(expected))]
    for key, got in sorted(actual.items()):
        exp = expected[key]
        if not got:
            problems.append("%s %s: no frames" % (label, key))
            continue
        if key[0] == "video" and not got[0].key:
            problems.append("%s %s: starts with a non-keyframe %s" % (label, key, got[0]))
        if got[0] not in exp:
            problems.append("%s %s: first frame %s is not a frame of the source" % (label, key, got[0]))
            continue
        i = exp.index(got[0])
        problems += eu.compare({key: exp[i:]}, {key: got}, "source from frame %d" % i, label)
    return problems


def codecs_before_frames(events, label):
    """Every track's codec event (sequence start) arrives before its first frame."""
    seen, problems = set(), []
    for e in events:
        if e["event"] == "codec":
            seen.add((e["type"], e["track"]))
        elif e["event"] in ("video", "audio") and (e["event"], e["track"]) not in seen:
            problems.append("%s: %s track %d frame before its sequence header" % (label, e["event"], e["track"]))
            break
    return problems


def run_publish(args, work):
    fixture = eu.flv_path(args.fixtures, args.fixture)
    nms = Nms(args.fixtures, work)
    early_out, late_out = os.path.join(work, "early.flv"), os.path.join(work, "late.flv")
    procs = []
    try:
        procs.append(("early", rt.Process("early", play_cmd(args, nms.url(), early_out), work)))
        time.sleep(0.5)  # node-media-server takes a player before its publisher
        pub = rt.Process("publisher", [args.publish, "-q", fixture, nms.url()], work)
        time.sleep(1.5)  # mid-stream, past the first GOP (1 s)
        procs.append(("late", rt.Process("late", play_cmd(args, nms.url(), late_out), work)))
        rc = pub.wait(args.timeout)
        if rc != 0:
            raise rt.TestFailure("rtmp-publish exited %s\n%s\n%s" % (rc, pub.logs(), nms.proc.logs()))
        rcs = ru.wait_all(procs, 15)
    finally:
        for _, p in procs:
            p.kill()
        nms.stop()
    problems = []
    for name, p in procs:
        if not ended_by_idle(rcs[name], p):
            problems.append("rtmp-play (%s) exited %s\n%s\n%s" % (name, rcs[name], p.logs(), nms.proc.logs()))
    if problems:
        return problems
    pb, events = eu.check_flv_against_sources(args.mux, args.fixtures, args.fixture, early_out, "early player")
    problems += pb
    if not pb:
        print("early player: %d frames, frame-exact from the start"
              % sum(1 for e in events if e["event"] in ("video", "audio")))
    expected, _ = eu.fixture_reference(args.fixtures, args.fixture)
    late_events = eu.dump(args.mux, late_out)
    actual, _ = eu.dumped_tracks(late_events)
    pb = frames_from_keyframe(expected, actual, "late player") + codecs_before_frames(late_events, "late player")
    problems += pb
    if not pb:
        first = min(f.dts for f in actual.get(("video", 0), [eu.Frame(0, 0, 0, 0, 0)]))
        print("late player: sequence headers, then frame-exact from the keyframe at %d ms (%d frames)"
              % (first, sum(len(v) for v in actual.values())))
    return problems


def run_relay(args, work):
    fixture = eu.flv_path(args.fixtures, args.fixture)
    # node-media-server 4.4 pulls without announcing Enhanced RTMP in its connect, so the
    # relay would treat it as a legacy player and refuse HEVC/AV1/VP9 (enhanced_legacy.py
    # tests that policy); forward everything to it instead.
    server = ru.Server(args.server, work, extra=["--player-caps", "ignore"])
    nms = None
    procs = []
    try:
        nms = Nms(args.fixtures, work, relay_url=server.url())
        # The relay task's pull connection waits at rtmp-server for the publisher.
        server.wait_log(r"relay: play app=live key=key .*state=waiting_for_publisher", 1, timeout=20)
        out = os.path.join(work, "via_nms.flv")
        procs.append(("player", rt.Process("player", play_cmd(args, nms.url("relayed"), out), work)))
        time.sleep(0.5)
        pub = rt.Process("publisher", [args.publish, "-q", fixture, server.url()], work)
        rc = pub.wait(args.timeout)
        if rc != 0:
            raise rt.TestFailure("rtmp-publish exited %s\n%s\n%s" % (rc, pub.logs(), server.proc.logs()))
        rcs = ru.wait_all(procs, 15)
    finally:
        for _, p in procs:
            p.kill()
        if nms:
            nms.stop()
        server.kill()
    if not ended_by_idle(rcs["player"], procs[0][1]):
        return ["rtmp-play on node-media-server exited %s\n%s\n%s" % (rcs["player"], procs[0][1].logs(), nms.proc.logs())]
    pb, events = eu.check_flv_against_sources(args.mux, args.fixtures, args.fixture, out, "rtmp-server -> nms -> rtmp-play")
    if not pb:
        print("rtmp-publish -> rtmp-server -> node-media-server (pull relay) -> rtmp-play: %d frames, frame-exact"
              % sum(1 for e in events if e["event"] in ("video", "audio")))
    return pb


def main():
    p = rt.arg_parser(__doc__)
    p.add_argument("--install", action="store_true", help="install node-media-server and exit")
    p.add_argument("--case", choices=("publish", "relay"))
    p.add_argument("--fixture")
    p.add_argument("--server", help="path to rtmp-server")
    p.add_argument("--publish", help="path to rtmp-publish")
    p.add_argument("--play", help="path to rtmp-play")
    p.add_argument("--mux", help="path to rtmp-mux")
    args = p.parse_args()

    if args.install:
        d = install(args.fixtures)
        r = subprocess.run(["node", "--version"], stdout=subprocess.PIPE)
        print("%s installed in %s (node %s)" % (NMS_PACKAGE, d, r.stdout.decode().strip()))
        print("PASS")
        return 0

    def run():
        rt.require_tools("node", "ffprobe")
        if not os.path.isfile(eu.flv_path(args.fixtures, args.fixture)):
            print("SKIP: fixture %s was not made (encoder missing?)" % args.fixture)
            sys.exit(rt.SKIP)
        work = rt.work_dir(args, "enhanced_nms.%s.%s" % (args.case, args.fixture))
        problems = run_publish(args, work) if args.case == "publish" else run_relay(args, work)
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    sys.exit(main())
