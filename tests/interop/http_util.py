"""Helpers for rtmp-server's HTTP delivery tests: an HTTP-FLV reader, a minimal WebSocket
client (RFC 6455, client side: masked frames out, binary messages in) and raw-socket
requests for hostile input. Python 3 standard library only."""

import base64
import hashlib
import http.client
import os
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops_util as ou  # noqa: E402
import rtmptest as rt  # noqa: E402


def http_port(server):
    return int(ou.log_value(server, r"http on port (\d+)"))


class FlvGet(threading.Thread):
    """GET path into a file until the response ends (the stream unpublished)."""

    def __init__(self, port, path, out):
        super().__init__(daemon=True)
        self.port, self.path, self.out = port, path, out
        self.status, self.headers, self.error, self.size = None, {}, None, 0
        self.started = threading.Event()
        self.start()

    def run(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            conn.request("GET", self.path)
            r = conn.getresponse()
            self.status, self.headers = r.status, dict(r.getheaders())
            self.started.set()
            with open(self.out, "wb") as f:
                while True:
                    b = r.read1(65536)
                    if not b:
                        break
                    self.size += len(b)
                    f.write(b)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = repr(e)
        self.started.set()


class WsClient:
    """A WebSocket client: handshake, then recv() binary/text messages (None at close)."""

    def __init__(self, port, path, rcvbuf=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(60)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n").decode(errors="replace")
        self.status = int(head.split(" ", 2)[1])
        want = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        if self.status == 101 and ("sec-websocket-accept: " + want.lower()) not in head.lower():
            raise rt.TestFailure("WebSocket handshake: wrong Sec-WebSocket-Accept:\n" + head)

    def _until(self, sep):
        while sep not in self.buf:
            b = self.sock.recv(65536)
            if not b:
                raise rt.TestFailure("connection closed during the WebSocket handshake")
            self.buf += b
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def _read(self, n):
        while len(self.buf) < n:
            b = self.sock.recv(65536)
            if not b:
                raise EOFError
            self.buf += b
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send(self, opcode, payload=b""):
        mask = os.urandom(4)
        head = bytes([0x80 | opcode, 0x80 | len(payload)])  # control frames: < 126 bytes
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def recv(self):
        """The next data message, or None once the server closed."""
        message = b""
        try:
            while True:
                b0, b1 = self._read(2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack(">H", self._read(2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", self._read(8))[0]
                if b1 & 0x80:
                    raise rt.TestFailure("server frame is masked")
                payload = self._read(n)
                op = b0 & 0x0F
                if op == 8:
                    self._send(8, payload[:2])
                    return None
                if op == 9:
                    self._send(10, payload)
                    continue
                if op in (0, 1, 2):
                    message += payload
                    if b0 & 0x80:
                        return message
        except (EOFError, ConnectionError, socket.timeout):
            return None

    def close(self):
        self.sock.close()


def get(port, path):
    """(status, headers, body) of a GET (any status)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, dict(r.getheaders()), r.read()


def raw_request(port, data, timeout=5.0):
    """Sends bytes, returns what the server answered until it closed (or the timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except ConnectionError:
            pass  # closed before all was sent (a refused header): read what it said
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                return out
            except ConnectionError:
                return out
            if not b:
                return out
            out += b
    finally:
        s.close()


def read_ws_into(ws, out, what="WebSocket"):
    """Writes every message of an upgraded WebSocket client (WsClient or one with the same
    recv/close) to the file `out` on a thread, which it returns; checks the 101 first."""
    if ws.status != 101:
        raise rt.TestFailure("%s upgrade answered %s" % (what, ws.status))

    def run():
        with open(out, "wb") as f:
            while True:
                m = ws.recv()
                if m is None:
                    break
                f.write(m)
        ws.close()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def ms_packets(data):
    """ffprobe -show_packets JSON as per-track packets in ms (from *_time)."""
    tracks = {"video": [], "audio": []}
    for p in data.get("packets", []):
        kind = p.get("codec_type")
        if kind in tracks and "dts_time" in p:
            tracks[kind].append(rt.Packet(round(float(p["dts_time"]) * 1000),
                                          round(float(p["pts_time"]) * 1000),
                                          "K" in p.get("flags", ""), int(p["size"])))
    return tracks
