#!/usr/bin/env python3
"""Hostile peers against a running rtmp-server, one case per run (--case NAME).

Each case starts a fresh rtmp-server (--handshake-timeout 2, --idle-timeout 3), a legitimate
player (rtmp-play -o, else ffmpeg) on live/key that waits for its publisher, and a legitimate
publisher (ffmpeg -re -c copy of an 8 s fixture). Once the publish has started, a scripted
attacker (raw sockets, its own handshake/chunk/AMF0 encoder below) runs the case. Then:

- rtmp-server is still running and a new connection completes handshake + connect (_result);
- the player's FLV is frame-exact against ffprobe of the fixture from its first keyframe to
  the end (relay_util.check_from_first_keyframe, as relay_fanout.py);
- the server's VmRSS, sampled every 50 ms from start to stop, never exceeds the case's bound:
  RSS before any client + LEGIT (the publisher and player: 16 MiB, 160 MiB with ASan) + the
  case's own allowance, derived from the caps in force (below);
- for every attacking connection, identified by its local port, the server's stderr has
  "session N 127.0.0.1:PORT: closed: REASON" with REASON as in the table;
- SIGTERM: the server exits 0.

| case | attack | closed with (log) | RSS allowance |
|---|---|---|---|
| slowloris | 20 connections send C0+C1 at 1 byte/s | `timeout: handshake not completed within 2000 ms` | 20 x 64 KiB |
| slowloris_connect | 20 connections complete the handshake, then send their connect at 1 byte/s (each byte would reset the 3 s idle timer) | `timeout: no connect command within 2000 ms of the connection's start` | 20 x 64 KiB |
| no_handshake | 20 connect and send nothing, 20 send C0+C1 and never C2 | same | 40 x 64 KiB |
| connect_flood | 10,000 connects closed at once (10 batches of 1,000 opened, then all closed; odd batches with RST); after each batch the server's fds return to their count before | `peer closed the connection` or `Connection reset by peer`, 10,000 lines | 1,000 x 48 KiB (one batch; ~32 KiB per connection measured) |
| big_message | 20 connections declare a 16 MiB - 1 message (type 0 header) and send 1 byte, then go silent; one declares three on three chunk streams (128 bytes each) | idle: `timeout: no data received for 3000 ms`; three: `too_many_partial_messages` | 20 x (64 KiB + 2 x 64 KiB) |
| big_message_capped | the same with --max-message-size 1048576 | `message_too_large: chunk stream 4: message length 16777215 exceeds limit 1048576` | 20 x 64 KiB |
| chunk_size_1 | Set Chunk Size 1, connect with a 200 KB argument, createStream, publish live/hostile, 4 x 1 MiB video at chunk size 1 (8 MiB on the wire); a raw player of live/hostile gets the 4 messages' sizes | publisher: `peer closed the connection` after deleteStream | 8 MiB: the 4 MiB stream in the GOP cache + one message in the decoder and the player's queue |
| abort_flood | 20,000 x (type 0 header of a 16 MiB - 1 message + 128 bytes + Abort of it), then 200,000 Aborts of unknown chunk streams | `peer closed the connection` (Abort is legal; the server keeps the connection) | 64 KiB + max message |
| csid_flood | type 0 headers on chunk streams 3, 4, ... 65599 | `too_many_chunk_streams: chunk stream 67: more than 64 chunk streams in use` | 64 KiB |
| ping_flood | up to 1,000,000 PingRequests (18 MB), never reading the PingResponses | `output_full: N bytes of output unread while the peer keeps sending requests (max_output_bytes 8388608)` | max_output_bytes + 4 MiB (the footprint the cap counts is an estimate) |
| amf_deep | connect whose object nests 10,000 objects | `amf_depth_exceeded` | 64 KiB |
| amf_strict_array | connect with a strict array claiming 2^32-1 items (and 10 bytes) | `amf_too_many_items` | 64 KiB |
| amf_ecma_array | connect with an ECMA array of 100,000 members (~1 MB) | `amf_too_many_items` | 2 x max message |
| out_of_order | publish before connect; play before createStream (stream 1); a second connect: each gets its answer (onStatus NetStream.Publish.BadName, NetStream.Play.Failed, _error NetConnection.Connect.Rejected), the connection stays open and works | `peer closed the connection` when the peer leaves | 64 KiB |
| publish_unknown_stream | createStream (=1), then publish on stream id 7: NetStream.Publish.BadName, the connection stays open | `peer closed the connection` when the peer leaves | 64 KiB |
| random_after_connect | 20 connections (seeds 1-20): connect, then 64 KiB of random bytes (seeds 11-20: after a valid type 0 header of a random message type, so a parser gets random input) | a protocol error or, for bytes that parse as a partial message, the idle timeout; never "peer closed" | 20 x (max message + 64 KiB) |

Bounds are generous on purpose (the build under test may be Debug or ASan): they catch
growth with the attack's volume (an unbounded queue, a leak per connection), not a few MB.
"""

import os
import random
import re
import resource
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402
import rtmpwire as rw  # noqa: E402

KIB = 1024
MIB = 1024 * 1024
HANDSHAKE_TIMEOUT_S = 2
IDLE_TIMEOUT_S = 3
MAX_MESSAGE = 16 * MIB  # rtmp::Limits defaults (include/rtmp/core/limits.hpp)
MAX_OUTPUT = 8 * MIB

# An 8 s, ~1 Mb/s stream: long enough to run an attack during it, short enough for the suite.
ru.RELAY_FIXTURES["hostile_8s"] = [
    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=8",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=8",
    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-profile:v", "high",
    "-b:v", "1000k", "-maxrate", "1000k", "-bufsize", "1000k",
    "-x264-params", "keyint=60:min-keyint=60:scenecut=0",
    "-c:a", "aac", "-b:a", "128k", "-ac", "2"]

# The encoders are rtmpwire's, under the short names the cases use.
amf_num = rw.amf0_number
amf_bool = rw.amf0_bool
amf_str = rw.amf0_string
amf_null = rw.amf0_null
amf_obj = rw.amf0_object
amf_ecma = rw.amf0_ecma
amf_strict = rw.amf0_strict
command = rw.command
basic_header = rw.basic_header
header0 = rw.header0
chunked = rw.chunked
amf_values = rw.amf0_decode_all

# ------------------------------------------------------------------ a raw peer


class Closed(rt.TestFailure):
    pass


class Peer:
    """One raw RTMP connection: handshake, commands, and a small chunk decoder for replies."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.port = self.sock.getsockname()[1]
        self.out_chunk = 128
        self.decoder = rw.ChunkDecoder(skip_set_chunk_size=True)
        self.rbuf = b""
        self.txn = 1

    def send(self, data):
        self.sock.sendall(data)

    def handshake(self):
        try:
            rw.client_handshake(self.send, self.recv_exact, c1=bytes(rw.HANDSHAKE_SIZE))
        except rw.WireError as e:
            raise rt.TestFailure(str(e))

    def recv_exact(self, n):
        while len(self.rbuf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise Closed("closed by the server")
            self.rbuf += d
        out, self.rbuf = self.rbuf[:n], self.rbuf[n:]
        return out

    def msg(self, mtype, payload, csid=3, sid=0, ts=0):
        self.send(chunked(csid, mtype, sid, payload, self.out_chunk, ts))

    def set_chunk_size(self, n):
        self.msg(1, struct.pack(">I", n), csid=2)
        self.out_chunk = n

    def cmd(self, name, obj=None, *args, sid=0, csid=3):
        self.txn += 1
        self.msg(20, command(name, self.txn, amf_null() if obj is None else obj, *args), csid=csid, sid=sid)
        return self.txn

    def connect(self, app="live", extra=()):
        obj = amf_obj([("app", amf_str(app)), ("tcUrl", amf_str("rtmp://127.0.0.1/" + app)),
                       ("flashVer", amf_str("hostile/1.0"))] + list(extra))
        txn = self.cmd("connect", obj)
        return self.wait_result(txn)

    def create_stream(self):
        r = self.wait_result(self.cmd("createStream"))
        return int(r[3])

    def wait_result(self, txn, timeout=10.0):
        """The decoded _result/_error values for transaction txn."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mtype, sid, payload = self.read_message(deadline)
            if mtype != 20:
                continue
            vals = amf_values(payload)
            if len(vals) >= 2 and vals[0] in ("_result", "_error") and vals[1] == txn:
                if vals[0] == "_error":
                    raise rt.TestFailure("_error for transaction %d: %r" % (txn, vals))
                return vals
        raise rt.TestFailure("no _result for transaction %d within %ss" % (txn, timeout))

    def wait_error(self, txn, timeout=10.0):
        """The information object of the _error answering transaction txn."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mtype, sid, payload = self.read_message(deadline)
            vals = amf_values(payload) if mtype == 20 else []
            if len(vals) >= 2 and vals[0] in ("_result", "_error") and vals[1] == txn:
                if vals[0] == "_result":
                    raise rt.TestFailure("_result where an _error was due: %r" % (vals,))
                return vals[-1]
        raise rt.TestFailure("no _error for transaction %d within %ss" % (txn, timeout))

    def wait_status(self, code, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mtype, sid, payload = self.read_message(deadline)
            if mtype == 20:
                vals = amf_values(payload)
                if vals and vals[0] == "onStatus" and isinstance(vals[-1], dict) and vals[-1].get("code") == code:
                    return vals[-1]
        raise rt.TestFailure("no onStatus %s within %ss" % (code, timeout))

    def read_message(self, deadline):
        """(type, stream id, payload) of the next complete message from the server."""
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            mtype, _, sid, payload = self.decoder.read(self.recv_exact)
        except socket.timeout:
            raise rt.TestFailure("timed out reading from the server")
        return mtype, sid, payload

    def wait_closed(self, timeout):
        """True when the server closes the connection (EOF or RST) within timeout."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    if not self.sock.recv(65536):
                        return True
                except socket.timeout:
                    return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def send_ignoring_close(peer, data):
    """Sends until the server closes on us (the point of most cases)."""
    try:
        peer.send(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


# ------------------------------------------------------------------ the harness


class Ctx:
    def __init__(self, args, server, work):
        self.args = args
        self.server = server
        self.port = server.port
        self.work = work
        self.expect = []  # (local port, reason regex)
        self.notes = []

    def peer(self):
        return Peer(self.port)

    def connected_peer(self):
        p = Peer(self.port)
        p.handshake()
        p.connect()
        return p


def is_asan(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


class RssSampler(threading.Thread):
    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            self.server.sample_rss()
            time.sleep(0.05)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


# ------------------------------------------------------------------ cases
# Each returns the RSS allowance in bytes and fills ctx.expect.


def case_slowloris(ctx):
    peers = [ctx.peer() for _ in range(20)]
    c0c1 = b"\x03" + bytes(1536)
    t0 = time.monotonic()
    closed = set()
    i = 0
    # 1 byte per second per connection until the server closes each one.
    while len(closed) < len(peers) and time.monotonic() - t0 < HANDSHAKE_TIMEOUT_S + 8:
        for p in peers:
            if p.port not in closed and not send_ignoring_close(p, c0c1[i:i + 1]):
                closed.add(p.port)
        i += 1
        for p in peers:
            if p.port not in closed and p.wait_closed(0.001):
                closed.add(p.port)
        time.sleep(1.0)
    for p in peers:
        if p.port not in closed and p.wait_closed(0.5):
            closed.add(p.port)
        ctx.expect.append((p.port, r"timeout: handshake not completed within %d ms" % (HANDSHAKE_TIMEOUT_S * 1000)))
    ctx.notes.append("slowloris: %d of %d closed by the server after %d bytes each, %.1fs"
                     % (len(closed), len(peers), i, time.monotonic() - t0))
    if len(closed) != len(peers):
        raise rt.TestFailure("%d slowloris connections still open %.1fs after their first byte"
                             % (len(peers) - len(closed), time.monotonic() - t0))
    for p in peers:
        p.close()
    return len(peers) * 64 * KIB


def case_slowloris_connect(ctx):
    peers = []
    for _ in range(20):
        p = ctx.peer()
        p.handshake()
        peers.append(p)
    wire = chunked(3, 20, 0, command("connect", 1, amf_obj([("app", amf_str("live"))])), 128)
    t0 = time.monotonic()
    closed = set()
    i = 0
    # 1 byte per second: each byte would reset a plain idle timer (3 s here).
    while len(closed) < len(peers) and i < len(wire) and time.monotonic() - t0 < HANDSHAKE_TIMEOUT_S + 8:
        for p in peers:
            if p.port not in closed and (not send_ignoring_close(p, wire[i:i + 1]) or p.wait_closed(0.001)):
                closed.add(p.port)
        i += 1
        time.sleep(1.0)
    for p in peers:
        if p.port not in closed and p.wait_closed(0.5):
            closed.add(p.port)
        ctx.expect.append((p.port, r"timeout: no connect command within %d ms of the connection's start"
                           % (HANDSHAKE_TIMEOUT_S * 1000)))
    ctx.notes.append("slowloris_connect: %d of %d closed by the server after %d bytes of connect each, %.1fs"
                     % (len(closed), len(peers), i, time.monotonic() - t0))
    if len(closed) != len(peers):
        raise rt.TestFailure("%d connections trickling their connect still open %.1fs after the handshake"
                             % (len(peers) - len(closed), time.monotonic() - t0))
    for p in peers:
        p.close()
    return len(peers) * 64 * KIB


def case_no_handshake(ctx):
    silent = [ctx.peer() for _ in range(20)]
    half = [ctx.peer() for _ in range(20)]
    for p in half:
        p.send(b"\x03" + bytes(1536))
    t0 = time.monotonic()
    not_closed = [p.port for p in silent + half if not p.wait_closed(HANDSHAKE_TIMEOUT_S + 5 - (time.monotonic() - t0))]
    ctx.notes.append("no_handshake: closed %d of %d within %.1fs" % (40 - len(not_closed), 40, time.monotonic() - t0))
    if not_closed:
        raise rt.TestFailure("%d connections that never completed the handshake still open %ds later "
                             "(handshake timeout %ds): ports %s"
                             % (len(not_closed), HANDSHAKE_TIMEOUT_S + 5, HANDSHAKE_TIMEOUT_S, not_closed[:5]))
    for p in silent + half:
        ctx.expect.append((p.port, r"timeout: handshake not completed within %d ms" % (HANDSHAKE_TIMEOUT_S * 1000)))
        p.close()
    return 40 * 64 * KIB


def case_connect_flood(ctx):
    pid = ctx.server.proc.proc.pid
    fds_before = fd_count(pid)
    total, batch = 10000, 1000
    linger = struct.pack("ii", 1, 0)
    t0 = time.monotonic()
    for b in range(total // batch):
        socks = []
        for _ in range(batch):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            if b % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)  # close = RST
            s.connect(("127.0.0.1", ctx.port))
            socks.append(s)
        for s in socks:
            s.close()
        # The server must let go of the whole batch (no descriptor leak) before the next.
        deadline = time.monotonic() + 20
        while fd_count(pid) > fds_before + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        if fd_count(pid) > fds_before + 2:
            raise rt.TestFailure("batch %d: server holds %d descriptors 20s after the batch closed, %d before"
                                 % (b, fd_count(pid), fds_before))
    ctx.notes.append("connect_flood: %d connects in %.1fs" % (total, time.monotonic() - t0))
    # Every one must have been logged as closed and its descriptor released.
    rx = re.compile(r"session \d+ (?:127\.0\.0\.1:\d+)?: closed: (?:closed: peer closed the connection|"
                    r"io_error: Connection reset by peer)")
    deadline = time.monotonic() + 30
    n = 0
    while time.monotonic() < deadline:
        n = sum(1 for line in ctx.server.log().splitlines() if rx.search(line))
        if n >= total:
            break
        time.sleep(0.2)
    if n < total:
        raise rt.TestFailure("%d of %d flood connections logged as closed within 30s" % (n, total))
    while time.monotonic() < deadline and fd_count(pid) > fds_before:
        time.sleep(0.2)
    fds_after = fd_count(pid)
    ctx.notes.append("connect_flood: %d close lines; server fds %d before, %d after" % (n, fds_before, fds_after))
    if fds_after > fds_before:
        raise rt.TestFailure("server holds %d descriptors after the flood, %d before" % (fds_after, fds_before))
    # No cap limits concurrent connections (--max-connections 0): one batch's worth of
    # per-connection state (read buffer, session and handshake buffers, coroutine frames:
    # ~32 KiB each measured, release and Debug).
    return batch * 48 * KIB


def declare_big(p, csid=4, sid=1, body=1):
    # 0xFFFFFF is the largest length a chunk header can declare (16 MiB - 1).
    p.send(header0(csid, 0, 0xFFFFFF, 9, sid) + b"\x17" + bytes(body - 1))


def case_big_message(ctx):
    peers = []
    for _ in range(20):
        p = ctx.connected_peer()
        declare_big(p)
        peers.append(p)
        ctx.expect.append((p.port, r"timeout: no data received for %d ms" % (IDLE_TIMEOUT_S * 1000)))
    three = ctx.connected_peer()
    for csid in (4, 5, 6):
        declare_big(three, csid, body=128)  # a whole first chunk: the next chunk stream may start
    ctx.expect.append((three.port, r"too_many_partial_messages: chunk stream 6: incomplete messages would hold "
                                   r"50331645 bytes, limit 33554432"))
    if not three.wait_closed(5):
        raise rt.TestFailure("three 16 MiB partial messages: connection not closed")
    for p in peers:
        if not p.wait_closed(IDLE_TIMEOUT_S + 5):
            raise rt.TestFailure("16 MiB message with 1 byte sent: not closed at the idle timeout")
        p.close()
    three.close()
    return 20 * 3 * 64 * KIB


def case_big_message_capped(ctx):
    peers = []
    for _ in range(20):
        p = ctx.connected_peer()
        declare_big(p)
        peers.append(p)
        ctx.expect.append((p.port, r"message_too_large: chunk stream 4: message length 16777215 exceeds limit 1048576"))
    for p in peers:
        if not p.wait_closed(5):
            raise rt.TestFailure("16 MiB message over --max-message-size: connection not closed")
        p.close()
    return 20 * 64 * KIB


def case_chunk_size_1(ctx):
    pub = ctx.peer()
    pub.handshake()
    pub.set_chunk_size(1)
    pub.connect(extra=[("padding", amf_str("p" * 60000)), ("more", amf_ecma([("x%d" % i, amf_str("y" * 1000)) for i in range(140)]))])
    sid = pub.create_stream()
    pub.cmd("publish", None, amf_str("hostile"), amf_str("live"), sid=sid, csid=4)
    pub.wait_status("NetStream.Publish.Start")
    player = ctx.connected_peer()
    psid = player.create_stream()
    player.cmd("play", None, amf_str("hostile"), sid=psid, csid=4)
    player.wait_status("NetStream.Play.Start")
    # AVC sequence header, then a keyframe and P-frames of 1 MiB, at 1 byte per chunk.
    seq = b"\x17\x00\x00\x00\x00" + bytes([1, 0x64, 0, 0x1F, 0xFF, 0xE1, 0, 4, 0x67, 0x64, 0, 0x1F, 1, 0, 4, 0x68, 0xEB, 0xE3, 0xCB])
    frames = [seq] + [bytes([0x17 if i == 0 else 0x27, 1, 0, 0, 0]) + bytes(MIB - 5) for i in range(4)]
    t0 = time.monotonic()
    for i, f in enumerate(frames):
        pub.send(chunked(5, 9, sid, f, 1, ts=i * 33))
    sent = time.monotonic() - t0
    got = []
    deadline = time.monotonic() + 20
    while len(got) < len(frames):
        mtype, msid, payload = player.read_message(deadline)
        if mtype == 9:
            got.append(len(payload))
    ctx.notes.append("chunk_size_1: %d video messages (%d bytes) sent at chunk size 1 in %.1fs, player got sizes %s"
                     % (len(frames), sum(map(len, frames)), sent, got))
    if got != [len(f) for f in frames]:
        raise rt.TestFailure("player of the chunk-size-1 stream got sizes %s, sent %s" % (got, [len(f) for f in frames]))
    pub.cmd("deleteStream", None, amf_num(sid))
    ctx.expect.append((pub.port, r"^closed: (peer closed the connection|stream deleted)"))
    pub.close()
    player.close()
    # The 4 MiB the stream holds in the GOP cache, plus a message being decoded and queued.
    return 2 * 4 * MIB


def case_abort_flood(ctx):
    p = ctx.connected_peer()
    p.sock.settimeout(120)  # 3.5 MB of tiny chunks: slow to parse under ASan, never stuck
    abort = chunked(2, 2, 0, struct.pack(">I", 4), 128)
    one = header0(4, 0, 0xFFFFFF, 9, 1) + bytes(128) + abort
    t0 = time.monotonic()
    for _ in range(20):
        p.send(one * 1000)
    p.send(b"".join(chunked(2, 2, 0, struct.pack(">I", 1000 + i), 128) for i in range(1000)) * 200)
    # Still served: createStream answers.
    p.create_stream()
    ctx.notes.append("abort_flood: 20,000 aborted 16 MiB messages + 200,000 aborts in %.1fs, connection still served"
                     % (time.monotonic() - t0))
    ctx.expect.append((p.port, r"^closed: peer closed the connection"))
    p.close()
    return 64 * KIB + MAX_MESSAGE


def case_csid_flood(ctx):
    p = ctx.connected_peer()
    data = b"".join(header0(c, 0, 4, 9, 1) + b"\x27\x01\x00\x00" for c in range(3, 65600))
    send_ignoring_close(p, data)
    if not p.wait_closed(5):
        raise rt.TestFailure("65,597 chunk streams: connection not closed")
    ctx.expect.append((p.port, r"too_many_chunk_streams: chunk stream 67: more than 64 chunk streams in use"))
    p.close()
    return 64 * KIB


def case_ping_flood(ctx):
    p = ctx.connected_peer()
    p.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ping = chunked(2, 4, 0, struct.pack(">HI", 6, 12345), 128)
    batch = ping * 10000
    sent = 0
    t0 = time.monotonic()
    p.sock.settimeout(10)
    try:
        for _ in range(100):
            p.send(batch)
            sent += 10000
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    ctx.notes.append("ping_flood: %d PingRequests sent (%d bytes) in %.1fs before the server closed"
                     % (sent, sent * len(ping), time.monotonic() - t0))
    if not p.wait_closed(10):
        raise rt.TestFailure("ping flood never reading the replies: connection not closed")
    ctx.expect.append((p.port, r"output_full: \d+ bytes of output unread while the peer keeps sending requests \(max_output_bytes %d\)" % MAX_OUTPUT))
    p.close()
    # The replies in the kernel's socket buffers are not in the server's RSS.
    return MAX_OUTPUT + 4 * MIB


def amf_case(ctx, extra, reason):
    p = ctx.peer()
    p.handshake()
    obj = amf_obj([("app", amf_str("live")), ("tcUrl", amf_str("rtmp://127.0.0.1/live"))] + extra)
    p.msg(20, command("connect", 1, obj))
    if not p.wait_closed(5):
        raise rt.TestFailure("AMF bomb in connect: connection not closed")
    ctx.expect.append((p.port, reason))
    p.close()


def case_amf_deep(ctx):
    v = amf_num(1)
    for _ in range(10000):
        v = amf_obj([("a", v)])
    amf_case(ctx, [("deep", v)], r"amf_depth_exceeded: .*64")
    return 64 * KIB


def case_amf_strict_array(ctx):
    amf_case(ctx, [("arr", amf_strict([amf_null()] * 10, count=0xFFFFFFFF))],
             r"amf_too_many_items: .*strict array of 4294967295 items exceeds limit 65536")
    return 64 * KIB


def case_amf_ecma_array(ctx):
    amf_case(ctx, [("arr", amf_ecma([("%d" % i, amf_null()) for i in range(100000)]))],
             r"amf_too_many_items: .*more than 65536 values")
    return 2 * MAX_MESSAGE


def still_open(peer, what):
    if peer.wait_closed(0.3):
        raise rt.TestFailure("%s: the server closed the connection" % what)


def case_out_of_order(ctx):
    # Each wrong-state command gets its answer and the connection stays usable.
    p = ctx.peer()
    p.handshake()
    p.cmd("publish", None, amf_str("key"), amf_str("live"), sid=1)
    p.wait_status("NetStream.Publish.BadName", 5)
    still_open(p, "publish before connect")
    p.connect()
    q = ctx.connected_peer()
    q.cmd("play", None, amf_str("key"), sid=1, csid=4)
    q.wait_status("NetStream.Play.Failed", 5)
    still_open(q, "play before createStream")
    q.create_stream()
    r = ctx.connected_peer()
    info = r.wait_error(r.cmd("connect", amf_obj([("app", amf_str("live"))])), 5)
    if info.get("code") != "NetConnection.Connect.Rejected":
        raise rt.TestFailure("second connect: want NetConnection.Connect.Rejected, got %r" % info)
    still_open(r, "second connect")
    r.create_stream()
    for x in (p, q, r):
        x.close()
        ctx.expect.append((x.port, r"peer closed the connection"))
    return 64 * KIB


def case_publish_unknown_stream(ctx):
    p = ctx.connected_peer()
    sid = p.create_stream()
    p.cmd("publish", None, amf_str("key2"), amf_str("live"), sid=sid + 6, csid=4)
    p.wait_status("NetStream.Publish.BadName", 5)
    still_open(p, "publish on a stream never created")
    p.close()
    ctx.expect.append((p.port, r"peer closed the connection"))
    return 64 * KIB


def case_random_after_connect(ctx):
    peers = []
    for seed in range(1, 21):
        rng = random.Random(seed)
        p = ctx.connected_peer()
        data = rng.randbytes(64 * KIB)
        if seed > 10:
            # A valid type 0 header on the command chunk stream first, so a random payload (one
            # chunk: at most 128 bytes) reaches a message parser (AMF, control, aggregate, ...).
            mtype = rng.choice([1, 2, 3, 4, 5, 6, 8, 9, 15, 17, 18, 20, 22])
            data = header0(3, rng.randrange(1 << 24), rng.randrange(1, 129), mtype, rng.randrange(3)) + data
        send_ignoring_close(p, data)
        peers.append(p)
    for p in peers:
        # A protocol error closes at once; bytes that parse as an incomplete message wait for
        # the idle timeout. Either way the server must say why (not "peer closed").
        if not p.wait_closed(IDLE_TIMEOUT_S + 5):
            raise rt.TestFailure("random bytes after connect: connection not closed")
        ctx.expect.append((p.port, r"^(?!closed: peer closed)[a-z_]+: .+"))
        p.close()
    return 20 * (MAX_MESSAGE + 64 * KIB)


CASES = {
    "slowloris": (case_slowloris, []),
    "slowloris_connect": (case_slowloris_connect, []),
    "no_handshake": (case_no_handshake, []),
    "connect_flood": (case_connect_flood, []),
    "big_message": (case_big_message, []),
    "big_message_capped": (case_big_message_capped, ["--max-message-size", "1048576"]),
    "chunk_size_1": (case_chunk_size_1, []),
    "abort_flood": (case_abort_flood, []),
    "csid_flood": (case_csid_flood, []),
    "ping_flood": (case_ping_flood, []),
    "amf_deep": (case_amf_deep, []),
    "amf_strict_array": (case_amf_strict_array, []),
    "amf_ecma_array": (case_amf_ecma_array, []),
    "out_of_order": (case_out_of_order, []),
    "publish_unknown_stream": (case_publish_unknown_stream, []),
    "random_after_connect": (case_random_after_connect, []),
}


def check_closed_lines(server, expect, timeout=10.0):
    """Every (port, regex): a 'closed:' line for that remote port whose reason matches."""
    rx = re.compile(r"session \d+ 127\.0\.0\.1:(\d+): closed: (.*)$")
    deadline = time.monotonic() + timeout
    while True:
        reasons = {}
        for line in server.log().splitlines():
            m = rx.search(line)
            if m:
                reasons[int(m.group(1))] = m.group(2)
        problems = []
        for port, pattern in expect:
            r = reasons.get(port)
            if r is None:
                problems.append("port %d: no 'closed:' line (want /%s/)" % (port, pattern))
            elif not re.search(pattern, r):
                problems.append("port %d: closed: %s (want /%s/)" % (port, r, pattern))
        if not problems or time.monotonic() > deadline:
            return problems, reasons
        time.sleep(0.1)


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=sorted(CASES) + ["fixture"])
    p.add_argument("--fixture", default="hostile_8s")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")
    if args.case == "fixture":  # ctest FIXTURES_SETUP: make it once, not once per case
        rt.main_wrapper(lambda: print(ru.fixture(args, args.fixture)))
    fn, extra = CASES[args.case]

    def run():
        # 10,000 connects and their server-side sockets: the server inherits this limit.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = min(hard, 8192) if hard != resource.RLIM_INFINITY else 8192
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        fixture = ru.fixture(args, args.fixture)
        work = rt.work_dir(args, "hostile.%s" % args.case)
        asan = is_asan(args.server)
        if asan:
            # ASan's quarantine keeps freed memory resident (256 MB by default).
            os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16"
        legit = (160 if asan else 16) * MIB
        server = ru.Server(args.server, work, ["--handshake-timeout", str(HANDSHAKE_TIMEOUT_S),
                                               "--idle-timeout", str(IDLE_TIMEOUT_S)] + extra)
        sampler = RssSampler(server)
        player = None
        pub = None
        try:
            base = server.sample_rss() * KIB
            sampler.start()
            if args.play and os.path.isfile(args.play):
                kind = "rtmp-play"
            else:
                kind = "ffmpeg"
            out = os.path.join(work, "player.flv")
            player = rt.Process("player", ru.player_cmd(kind, server.url(), out, args.play), work)
            server.wait_log(r"relay: play app=live key=key .*state=waiting_for_publisher", 1)
            pub = rt.Process("publisher", ru.publish_cmd(server.url(), fixture), work)
            server.wait_log(r"session \d+ \S+: publish key=key", 1)
            ctx = Ctx(args, server, work)
            t0 = time.monotonic()
            allowance = fn(ctx)
            attack_s = time.monotonic() - t0
            if server.proc.proc.poll() is not None:
                raise rt.TestFailure("rtmp-server exited (%s) during the attack\n%s"
                                     % (server.proc.proc.returncode, server.proc.logs()))
            # Still accepting: a new connection gets through handshake and connect.
            fresh = ctx.connected_peer()
            fresh.close()
            problems, _ = check_closed_lines(server, ctx.expect)
            rc = pub.wait(args.timeout)
            prc = player.wait(15)
            sampler.stop_flag.set()
            sampler.join()
            server.stop()
        finally:
            sampler.stop_flag.set()
            for pr in (player, pub):
                if pr:
                    pr.kill()
            server.kill()
        for n in ctx.notes:
            print(n)
        bound = base + legit + allowance
        peak = max(server.rss_samples) * KIB
        print("attack %.1fs; RSS %.1f MiB before, peak %.1f MiB, bound %.1f MiB (base + %d MiB legit + %.1f MiB case)"
              % (attack_s, base / MIB, peak / MIB, bound / MIB, legit // MIB, allowance / MIB))
        if peak > bound:
            problems.append("server RSS peaked at %.1f MiB, over the bound %.1f MiB" % (peak / MIB, bound / MIB))
        if rc != 0:
            problems.append("publisher exited %s\n%s" % (rc, pub.logs()))
        if prc != 0:
            problems.append("player exited %s\n%s" % (prc, player.logs()))
        else:
            expected = ru.packets(fixture)
            got = ru.packets(out)
            pb, _ = ru.check_from_first_keyframe(expected, got, "player", expect_start="first")
            problems += pb
            if not pb:
                print("player (%s): %s, frame-exact from the first keyframe" % (kind, ru.summary(got)))
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))
        print("%d bad connections checked by port: each closed with the expected reason in the log" % len(ctx.expect))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
