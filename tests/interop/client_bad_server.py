#!/usr/bin/env python3
"""rtmp-publish, rtmp-play and rtmp-probe URL against a scripted fake server that misbehaves:
each tool must exit 1 with a clear error on stderr within its timeout (--timeout 1), never
hang or crash.

Cases:
  silence          accepts the TCP connection, never answers the handshake
  garbage          completes the handshake, then sends bytes that are no chunk stream
  error            answers connect with _error NetConnection.Connect.Rejected "go away"
  silent_connect   completes the handshake, never answers connect
  hangup           closes the connection when connect arrives
  refused          nothing listens on the port
"""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_util as cu  # noqa: E402
import rtmptest as rt  # noqa: E402
import rtmpwire as rw  # noqa: E402

# What stderr must say per case, and how long a tool may take (process start included; the
# tools run with --timeout 1, so the timeout cases end after ~1 s, the others at once: the
# message says which it was).
EXPECT = {
    "silence": ("timeout: RTMP handshake with 127.0.0.1:", 4.0),
    "garbage": ("invalid_chunk_header: from server 127.0.0.1:", 2.5),
    "error": ("rejected: connect rejected by 127.0.0.1:%(port)d: NetConnection.Connect.Rejected: go away", 2.5),
    "silent_connect": ("timeout: no answer to connect from 127.0.0.1:", 4.0),
    "hangup": ("closed: server 127.0.0.1:%(port)d closed the connection", 2.5),
    "refused": ("io_error: connect to 127.0.0.1:%(port)d", 2.5),
}


class FakeServer:
    """Accepts connections on 127.0.0.1 and runs the case's script on each, in threads."""

    def __init__(self, case):
        self.case = case
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.conns = []
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def handshake(self, c):
        rw.server_handshake(c.sendall, rw.socket_reader(c))

    def read_until(self, c, needle):
        data = b""
        while needle not in data:
            part = c.recv(65536)
            if not part:
                raise EOFError
            data += part
        return data

    def serve(self, c):
        try:
            if self.case == "silence":
                self.stop.wait()
                return
            self.handshake(c)
            if self.case == "garbage":
                c.sendall(b"\xff" * 64)
            elif self.case == "silent_connect":
                pass
            else:
                self.read_until(c, rw.amf0_string("connect"))
                if self.case == "hangup":
                    c.close()
                    return
                # _error for transaction 1 (the client's connect)
                body = rw.command("_error", 1, rw.amf0_null(),
                                  rw.amf0({"level": "error", "code": "NetConnection.Connect.Rejected",
                                           "description": "go away"}))
                c.sendall(rw.chunked(rw.CSID_COMMAND, rw.MSG_COMMAND, 0, body, 128))
            self.stop.wait()
        except (EOFError, OSError):
            pass

    def close(self):
        self.stop.set()
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def main():
    p = cu.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=sorted(EXPECT))
    args = p.parse_args()

    def run():
        fixture = rt.fixture_path(args.fixtures, "h264_high_aac")
        work = rt.work_dir(args, "client_bad_server." + args.case)
        if args.case == "refused":
            server, port = None, cu.free_port()
        else:
            server = FakeServer(args.case)
            port = server.port
        url = "rtmp://127.0.0.1:%d/live/key" % port
        tools = {
            "rtmp-publish": [args.publish, fixture, url, "--timeout", "1"],
            "rtmp-play": [args.play, url, "-o", os.path.join(work, "out.flv"), "--timeout", "1"],
            "rtmp-probe": [args.probe, url, "--timeout", "1"],
        }
        text, bound = EXPECT[args.case]
        text = text % {"port": port}
        problems = []
        try:
            for name, cmd in tools.items():
                t0 = time.monotonic()
                proc = rt.Process(name, cmd, work)
                rc = proc.wait(10)
                took = time.monotonic() - t0
                with open(proc.err_path, "rb") as f:
                    err = f.read().decode(errors="replace")
                if rc is None:
                    problems.append("%s hung (killed after 10 s)" % name)
                elif rc != 1:
                    problems.append("%s exited %s, expected 1; stderr:\n%s" % (name, rc, err))
                elif text not in err:
                    problems.append("%s: stderr lacks %r:\n%s" % (name, text, err))
                elif took > bound:
                    problems.append("%s took %.2f s, more than %.1f s" % (name, took, bound))
                else:
                    print("%s: exit 1 in %.2f s: %s" % (name, took, err.strip().splitlines()[-1]))
        finally:
            if server:
                server.close()
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
