"""Helpers for the rtmp-server ops interop tests (RTMPS, HTTP stats, HTTP auth callbacks,
push/pull): a throwaway certificate, the server's RTMPS port, and a frame-exact check of
one player against the fixture. Builds on relay_util and rtmptest; standard library only.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def make_certificate(work):
    """A self-signed certificate for IP 127.0.0.1 (openssl req), as (cert.pem, key.pem)."""
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    cmd = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
           "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
           "-addext", "basicConstraints=critical,CA:TRUE"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise rt.TestFailure("openssl req failed:\n%s" % r.stdout.decode(errors="replace"))
    return cert, key


def log_value(server, pattern, timeout=10.0):
    """The first group of the first log line matching `pattern`."""
    return server.wait_log(pattern, 1, timeout)[0].group(1)


def check_player(expected, out, name, rc, proc, expect_start="first"):
    """Problems (a list of strings) with one player's saved FLV."""
    if rc != 0:
        return ["%s exited %s\n%s" % (name, rc, proc.logs())]
    got = ru.packets(out)
    problems, _ = ru.check_from_first_keyframe(expected, got, name, expect_start=expect_start)
    if not problems:
        print("%s: %s, frame-exact from the first keyframe" % (name, ru.summary(got)))
    return problems


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise rt.TestFailure("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(0.05)


RTMPS_RE = r"rtmps on port (\d+)"


def rtmps_port(server):
    return int(log_value(server, RTMPS_RE))
