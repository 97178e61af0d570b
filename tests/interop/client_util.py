"""Helpers for the client interop tests (rtmp-publish, rtmp-play, rtmp-probe URL): nginx-rtmp
started with its own prefix, FFmpeg as a listening server, free ports, FLV-vs-FLV packet
comparison. Builds on rtmptest; Python 3 standard library only.
"""

import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest as rt  # noqa: E402

NGINX_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


def arg_parser(description):
    p = rt.arg_parser(description)
    p.add_argument("--publish", required=True, help="path to rtmp-publish")
    p.add_argument("--play", required=True, help="path to rtmp-play")
    p.add_argument("--test-server", default="", help="path to rtmp-test-server")
    return p


def free_port():
    """A port that was free a moment ago (for peers that cannot report the port they got)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_listening(port):
    """True if some socket listens on `port` (from /proc/net/tcp{,6}: state 0A = LISTEN).
    Probing by connecting would be taken as the one client by `ffmpeg -listen 1`."""
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def wait_listening(port, proc, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_listening(port):
            return
        if proc.proc.poll() is not None:
            raise rt.TestFailure("%s exited with %s before listening on %d\n%s"
                                 % (proc.name, proc.proc.returncode, port, proc.logs()))
        time.sleep(0.02)
    proc.kill()
    raise rt.TestFailure("%s did not listen on port %d within %ss\n%s" % (proc.name, port, timeout, proc.logs()))


def wait_for_text(path, text, proc, timeout=10):
    """Polls a log file until `text` appears (e.g. nginx's "play: name='key'")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, "rb") as f:
                if text.encode() in f.read():
                    return
        except OSError:
            pass
        if proc.proc.poll() is not None:
            raise rt.TestFailure("%s exited with %s while waiting for %r\n%s"
                                 % (proc.name, proc.proc.returncode, text, proc.logs()))
        time.sleep(0.02)
    raise rt.TestFailure("%r did not appear in %s within %ss" % (text, path, timeout))


def wait_ok(proc, timeout, what):
    rc = proc.wait(timeout)
    if rc is None:
        raise rt.TestFailure("%s did not finish within %ss\n%s" % (what, timeout, proc.logs()))
    if rc != 0:
        raise rt.TestFailure("%s exited %d\n%s" % (what, rc, proc.logs()))


class Nginx:
    """nginx with the RTMP module on 127.0.0.1 and a free port, in the foreground with its own
    prefix, pid file and logs under `work` (nothing of the system nginx is used)."""

    # play_restart on: nginx sends NetStream.Play.Stop when the publisher leaves, which is
    # what makes `ffmpeg -i rtmp://...` end (it ignores UnpublishNotify); a player that
    # joined first then gets the stream from its first frame. master_process off: one
    # process, the caller owns its PID.
    CONF = """daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
load_module {module};
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        chunk_size {chunk};
        max_message 8M;  # the default 1M resets publishers of h264_20mbit (1.05 MB keyframes)
        application live {{
            live on;
            record off;
            play_restart on;
            meta copy;  # relay onMetaData as published (default: rebuilt with fewer keys)
        }}
    }}
}}
"""

    def __init__(self, work, chunk_size=4096):
        rt.require_tools("nginx")
        if not os.path.isfile(NGINX_MODULE):
            print("SKIP: %s missing (Debian package libnginx-mod-rtmp)" % NGINX_MODULE)
            sys.exit(rt.SKIP)
        self.prefix = os.path.join(work, "nginx")
        os.makedirs(os.path.join(self.prefix, "logs"), exist_ok=True)
        self.log = os.path.join(self.prefix, "error.log")
        for attempt in range(5):  # the free port may be taken between the check and the bind
            self.port = free_port()
            conf = os.path.join(self.prefix, "nginx.conf")
            with open(conf, "w") as f:
                f.write(self.CONF.format(prefix=self.prefix, module=NGINX_MODULE, port=self.port,
                                         chunk=chunk_size))
            self.proc = rt.Process("nginx", ["nginx", "-p", self.prefix + "/", "-c", conf, "-e", self.log],
                                   work)
            try:
                wait_listening(self.port, self.proc)
                return
            except rt.TestFailure:
                self.proc.kill()
                if attempt == 4:
                    raise

    def url(self, key="key"):
        return "rtmp://127.0.0.1:%d/live/%s" % (self.port, key)

    def wait_for_player(self, key="key", timeout=10):
        wait_for_text(self.log, "play: name='%s'" % key, self.proc, timeout)

    def stop(self):
        if self.proc.proc.poll() is None:
            self.proc.proc.send_signal(signal.SIGTERM)
            if self.proc.wait(5) is None:
                self.proc.kill()


def compare_flv(expected_path, actual_path, name):
    """ffprobe packet lists (per track: dts, pts, key, size) of two FLV files must be equal."""
    if not os.path.isfile(actual_path) or os.path.getsize(actual_path) < 13:
        raise rt.TestFailure("%s: %s missing or empty" % (name, actual_path))
    exp = rt.ffprobe_packets(expected_path)
    got = rt.ffprobe_packets(actual_path)
    problems = rt.compare_tracks(exp, got, "fixture", name)
    if problems:
        raise rt.TestFailure("\n".join(problems))
    return "%d video, %d audio packets identical" % (len(got["video"]), len(got["audio"]))


def check_flv_metadata(expected_path, actual_path):
    """The fixture's onMetaData keys (but duration/filesize) are in the played file's."""
    exp = rt.flv_metadata(rt.read_flv(expected_path))
    got = rt.flv_metadata(rt.read_flv(actual_path))
    if exp is not None and got is None:
        return ["no onMetaData in %s" % actual_path]
    return rt.compare_metadata(exp, got)


def check_probe_events(events, fixture):
    """Problems of rtmp-probe's events for a played fixture: frame-exact media, one metadata
    event equal to the fixture's, and connect, play, ..., disconnect in that order."""
    problems = rt.check_media(events, fixture)
    meta = [e for e in events if e["event"] == "metadata"]
    if len(meta) != 1:
        problems.append("expected one metadata event, got %d" % len(meta))
    else:
        problems += rt.compare_metadata(rt.flv_metadata(rt.read_flv(fixture)), meta[0].get("data"))
    kinds = [e["event"] for e in events]
    if kinds[:1] != ["connect"] or "play" not in kinds or kinds[-1] != "disconnect":
        problems.append("expected connect, play, ..., disconnect; got %s ... %s" % (kinds[:4], kinds[-1:]))
    return problems
