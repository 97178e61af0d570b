#!/usr/bin/env python3
"""rtmp-server --https-port: every HTTP output over TLS, against real clients.

A self-signed certificate for IP 127.0.0.1 is made with the openssl CLI (the RTMPS test's
helper); rtmp-server gets --http-port 0 --https-port 0 --tls-cert --tls-key (the same files
RTMPS uses) and fMP4 LL-HLS. Before ffmpeg publishes the 20 s fixture in real time:
- ffprobe (GnuTLS, -tls_verify 1 -ca_file cert.pem) reads https://.../live/k.flv;
- a WSS client (Python ssl + the RFC 6455 client of http_util) reads wss://.../live/k.flv.
While it plays:
- ffprobe reads https://.../live/k/index.m3u8 from its first segment (-live_start_index 0);
- curl --cacert gets the playlist, /metrics, /api/streams with the same status and
  Content-Type as over plain HTTP, and CORS; a blocking reload (_HLS_msn/_HLS_part) over
  HTTPS returns once that part exists and lists it;
- hostile peers on the HTTPS port: a plain HTTP request, random bytes, and a client that
  connects and sends nothing: each is one log line and is closed (the silent one within
  --http-request-timeout), nothing else is disturbed.
Then: both ffprobe packet lists must equal the fixture's from its first keyframe (dts, pts,
key, size), and the WSS bytes must equal the HTTPS-FLV bytes' packet list too.
"""

import base64
import hashlib
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_util as hu  # noqa: E402
import ops_util as ou  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def https_port(server):
    return int(ou.log_value(server, r"https on port (\d+)"))


class WssClient(hu.WsClient):
    """http_util's WebSocket client over TLS, verifying the server against `cafile`."""

    def __init__(self, port, path, cafile):  # noqa: super().__init__ would connect in clear
        ctx = ssl.create_default_context(cafile=cafile)
        raw = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n").decode(errors="replace")
        self.status = int(head.split(" ", 2)[1])
        want = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        if self.status == 101 and ("sec-websocket-accept: " + want.lower()) not in head.lower():
            raise rt.TestFailure("WebSocket handshake: wrong Sec-WebSocket-Accept:\n" + head)


def wss_reader(port, cafile, out):
    return hu.read_ws_into(WssClient(port, "/live/k.flv", cafile), out, "WSS")


def https_get(port, path, cafile, timeout=20):
    ctx = ssl.create_default_context(cafile=cafile)
    req = urllib.request.Request("https://127.0.0.1:%d%s" % (port, path))
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def curl_head(url, cafile=None):
    """(status, {lower-case header: value}) of a curl GET (body discarded)."""
    cmd = ["curl", "-sS", "-o", "/dev/null", "-D", "-", "--max-time", "10"]
    if cafile:
        cmd += ["--cacert", cafile]
    r = subprocess.run(cmd + [url], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise rt.TestFailure("curl %s: %s" % (url, r.stderr.decode(errors="replace")))
    lines = r.stdout.decode(errors="replace").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


ms_packets = hu.ms_packets


class Probe:
    """ffprobe -show_packets of a URL in the background (stdout to a file)."""

    def __init__(self, name, url, work, extra):
        self.name, self.out = name, os.path.join(work, name + ".stdout")
        cmd = ["ffprobe", "-v", "error", "-of", "json", "-show_packets"] + extra + [url]
        self.proc = rt.Process(name, cmd, work)

    def packets(self, timeout):
        rc = self.proc.wait(timeout)
        if rc != 0:
            raise rt.TestFailure("%s exited %s\n%s" % (self.name, rc, self.proc.logs()))
        with open(self.out) as f:
            return ms_packets(json.load(f))


def header_checks(server, port, tls_port, cafile, problems):
    for path in ("/live/k/index.m3u8", "/metrics", "/api/streams"):
        plain = curl_head("http://127.0.0.1:%d%s" % (port, path))
        tls = curl_head("https://127.0.0.1:%d%s" % (tls_port, path), cafile)
        same = plain[0] == tls[0] == 200 and plain[1].get("content-type") == tls[1].get("content-type")
        if not same or tls[1].get("access-control-allow-origin") != "*":
            problems.append("curl https %s: %s %s (plain http: %s %s)" % (path, tls[0], tls[1], plain[0], plain[1]))
        else:
            print("curl --cacert https %s: %d %s, as over http" % (path, tls[0], tls[1].get("content-type")))


def blocking_check(tls_port, cafile, problems):
    st, _, body = https_get(tls_port, "/live/k/index.m3u8", cafile)
    text = body.decode()
    msn = len(re.findall(r"^#EXTINF", text, re.M)) + int(re.search(r"MEDIA-SEQUENCE:(\d+)", text).group(1))
    nxt = (msn, len(re.findall(r"part%d\.(\d+)\.m4s" % msn, text)))
    t0 = time.monotonic()
    st, _, body = https_get(tls_port, "/live/k/index.m3u8?_HLS_msn=%d&_HLS_part=%d" % nxt, cafile)
    if st != 200 or ("part%d.%d.m4s" % nxt) not in body.decode():
        problems.append("https blocking reload for part %d.%d: %s without it" % (nxt + (st,)))
    else:
        print("https blocking reload for part %d.%d: answered after %.2f s, lists it"
              % (nxt + (time.monotonic() - t0,)))


def hostile_checks(server, tls_port, problems):
    """Plain HTTP, random bytes and silence on the HTTPS port: logged, closed."""
    def expect(what, data, log, timeout=8.0):
        t0 = time.monotonic()
        ans = hu.raw_request(tls_port, data, timeout)
        took = time.monotonic() - t0
        if b"200 OK" in ans:
            problems.append("%s: answered like HTTP: %r" % (what, ans[:80]))
        try:
            server.wait_log(log, 1, 5)
        except rt.TestFailure:
            problems.append("%s: no log line matching %r" % (what, log))
            return
        if took >= timeout - 0.5:
            problems.append("%s: the server did not close the connection" % what)
        else:
            print("%s on the HTTPS port: logged, closed after %.2f s" % (what, took))

    expect("plain HTTP request", b"GET /live/k.flv HTTP/1.1\r\nHost: x\r\n\r\n",
           r"https: 127\.0\.0\.1:\d+: closed: plain HTTP request on the HTTPS port")
    expect("random bytes", os.urandom(3000), r"https: 127\.0\.0\.1:\d+: closed: TLS handshake failed")
    expect("silent client", b"", r"https: 127\.0\.0\.1:\d+: closed: no TLS handshake within 2000 ms")


def main():
    p = ru.arg_parser(__doc__)
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe", "openssl", "curl")

    def run():
        fixture = ru.fixture(args, "relay_2mbit_20s")
        work = rt.work_dir(args, "http_tls")
        cert, key = ou.make_certificate(work)
        server = ru.Server(args.server, work, [
            "--http-port", "0", "--https-port", "0", "--tls-cert", cert, "--tls-key", key,
            "--hls-window", "30", "--http-request-timeout", "2"])
        problems = []
        try:
            port, tls_port = hu.http_port(server), https_port(server)
            flv = Probe("ffprobe_https_flv", "https://127.0.0.1:%d/live/k.flv" % tls_port, work,
                        ["-tls_verify", "1", "-ca_file", cert])
            wss_out = os.path.join(work, "wss.flv")
            wss = wss_reader(tls_port, cert, wss_out)
            server.wait_log(r"ws-flv play live/k", 1)
            server.wait_log(r"http-flv play live/k", 1)
            pub = rt.Process("publisher", ru.publish_cmd(server.url("k"), fixture), work)
            deadline = time.monotonic() + 20
            while https_get(tls_port, "/live/k/index.m3u8", cert)[0] != 200:
                if time.monotonic() > deadline:
                    raise rt.TestFailure("no HLS playlist over HTTPS within 20 s")
                time.sleep(0.2)
            hls = Probe("ffprobe_https_hls", "https://127.0.0.1:%d/live/k/index.m3u8" % tls_port, work,
                        ["-tls_verify", "0", "-live_start_index", "0"])
            header_checks(server, port, tls_port, cert, problems)
            blocking_check(tls_port, cert, problems)
            hostile_checks(server, tls_port, problems)
            if pub.wait(60) != 0:
                raise rt.TestFailure("ffmpeg publisher failed:\n" + pub.logs())
            expected = rt.ffprobe_packets(fixture)
            for probe in (flv, hls):
                ps, _ = ru.check_from_first_keyframe(expected, probe.packets(60), probe.name, expect_start="first")
                problems += ps
                if not ps:
                    print("%s: frame-exact from the first keyframe" % probe.name)
            wss.join(20)
            got = ru.packets(wss_out)
            ps, _ = ru.check_from_first_keyframe(expected, got, "wss-flv", expect_start="first")
            problems += ps
            if not ps:
                print("wss-flv: %s, frame-exact from the first keyframe" % ru.summary(got))
        finally:
            server.stop()
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))
    return rt.main_wrapper(run)


if __name__ == "__main__":
    sys.exit(main())
