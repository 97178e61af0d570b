#!/usr/bin/env python3
"""rtmp-publish over rtmps://: a TLS-terminating proxy (Python ssl, a throwaway self-signed
certificate for IP 127.0.0.1 made with the openssl CLI) forwards to rtmp-probe --listen.

  default verification    exit 1, stderr names the certificate problem (not in the system store)
  --no-tls-verify         published, probe events match the fixture (as ffmpeg_publish.py)
  --ca-file cert.pem      published, same check
"""

import os
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_util as cu  # noqa: E402
import ffmpeg_publish  # noqa: E402
import rtmptest as rt  # noqa: E402


def make_certificate(work):
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    cmd = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=rtmpcxx test",
           "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise rt.TestFailure("openssl req failed:\n%s" % r.stdout.decode(errors="replace"))
    return cert, key


class TlsProxy:
    def __init__(self, cert, key, upstream_port):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.upstream = upstream_port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        try:
            tls = self.ctx.wrap_socket(c, server_side=True)
        except (ssl.SSLError, OSError):
            c.close()  # the client refused our certificate
            return
        up = socket.create_connection(("127.0.0.1", self.upstream))
        done = threading.Barrier(2, action=lambda: (tls.close(), up.close()))
        threading.Thread(target=self.pump, args=(up, tls, done), daemon=True).start()
        self.pump(tls, up, done)

    @staticmethod
    def pump(src, dst, done):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except (OSError, ssl.SSLError):
            pass
        # Half-close only: closing a socket with unread bytes sends an RST, and the RST can
        # make the receiver's kernel drop data it had not read yet (the last frames).
        if not isinstance(dst, ssl.SSLSocket):
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        try:
            done.wait(10)
        except threading.BrokenBarrierError:
            pass

    def close(self):
        self.sock.close()


def sessions(events):
    """Events split per connection (connect ... disconnect)."""
    out, cur = [], None
    for e in events:
        if e["event"] == "connect":
            cur = []
            out.append(cur)
        if cur is not None:
            cur.append(e)
    return out


def main():
    p = cu.arg_parser(__doc__)
    args = p.parse_args()
    rt.require_tools("openssl", "ffprobe")

    def run():
        fixture = rt.fixture_path(args.fixtures, "h264_high_aac")
        work = rt.work_dir(args, "client_tls")
        cert, key = make_certificate(work)
        probe = rt.Process("probe", [args.probe, "--listen", "--port", "0", "--bind", "127.0.0.1", "--keep"], work)
        proxy = None
        try:
            proxy = TlsProxy(cert, key, probe.wait_for_port(10))
            url = "rtmps://127.0.0.1:%d/live/key" % proxy.port
            base = [args.publish, fixture, url, "--as-fast-as-possible", "--timeout", "5"]
            refused = rt.Process("publish_verify", base, work)
            rc = refused.wait(20)
            with open(refused.err_path, "rb") as f:
                err = f.read().decode(errors="replace")
            if rc != 1 or "handshake_failed: TLS handshake with 127.0.0.1:" not in err or "certificate" not in err:
                raise rt.TestFailure("default verification: expected exit 1 and a certificate error, got %s:\n%s"
                                     % (rc, err))
            print("verification on: %s" % err.strip())
            for name, extra in (("publish_no_verify", ["--no-tls-verify"]), ("publish_ca_file", ["--ca-file", cert])):
                pub = rt.Process(name, base + extra, work)
                cu.wait_ok(pub, args.timeout, name)
            # The proxy may still be forwarding the end of the second session: wait for the
            # probe to report both ends before stopping it.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                with open(probe.out_path, "rb") as f:
                    if f.read().count(b'"event":"disconnect"') >= 2:
                        break
                time.sleep(0.05)
        finally:
            if proxy:
                proxy.close()
            probe.kill()
        per = sessions(rt.read_events(probe.out_path))
        if len(per) != 2:
            raise rt.TestFailure("expected 2 sessions at the probe, got %d" % len(per))
        for i, events in enumerate(per):
            problems = ffmpeg_publish.check(events, fixture)
            if problems:
                raise rt.TestFailure("session %d (logs in %s)\n%s" % (i + 1, work, "\n".join(problems)))
        print("rtmps with --no-tls-verify and with --ca-file: both sessions frame-exact")

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
