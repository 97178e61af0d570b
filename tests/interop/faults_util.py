"""Helpers for the fault and long-stream tests against rtmp-server.

- RtmpClient: a small RTMP client (handshake, chunking with type 0/1/3 headers and extended
  timestamps, AMF0 commands) fast enough for 1,000 connect cycles, and able to stop in the
  middle of a message. Python 3 standard library only.
- FLV: write a file with exact 32-bit tag timestamps; media tags as comparable records.
- Bystander: an unaffected FFmpeg publisher + FFmpeg player pair on another key, checked
  frame-exact against ffprobe of its fixture after the fault.
- RssSampler: VmRSS of the server, sampled in a thread.

Run as a script it is the publisher the tests kill (see `publish_main`).
"""

import argparse
import fcntl
import json
import os
import re
import socket
import struct
import sys
import termios
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402
import rtmpwire as rw  # noqa: E402

# Wire formats come from rtmpwire; these names are the ones the fault tests use.
amf0 = rw.amf0
amf0_all = rw.amf0_decode_all
write_flv = rw.write_flv

# ------------------------------------------------------------------ RTMP client

CSID_CONTROL, CSID_COMMAND, CSID_AUDIO, CSID_VIDEO, CSID_DATA = (
    rw.CSID_CONTROL, rw.CSID_COMMAND, rw.CSID_AUDIO, rw.CSID_VIDEO, rw.CSID_DATA)
MSG_SET_CHUNK_SIZE, MSG_AUDIO, MSG_VIDEO, MSG_DATA, MSG_COMMAND = (
    rw.MSG_SET_CHUNK_SIZE, rw.MSG_AUDIO, rw.MSG_VIDEO, rw.MSG_DATA, rw.MSG_COMMAND)


class RtmpError(Exception):
    pass


class RtmpClient:
    """One RTMP connection; chunking as rtmpwire.ChunkEncoder does it (type 0, then type 1
    deltas modulo 2^32, type 3 continuations repeating the extended timestamp)."""

    def __init__(self, port, app="live", host="127.0.0.1", chunk_size=4096, timeout=10.0):
        self.app = app
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.tx = rw.ChunkEncoder()
        self.rx = rw.ChunkDecoder()
        self.rbuf = bytearray()
        self.tid = 0
        self.stream_id = None
        self.handshake()
        if chunk_size != 128:
            self.send_raw(self.encode(CSID_CONTROL, MSG_SET_CHUNK_SIZE, 0, 0, struct.pack(">I", chunk_size)))
            self.tx.chunk_size = chunk_size

    # -- socket
    def recv_exact(self, n):
        while len(self.rbuf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise RtmpError("connection closed by the server")
            self.rbuf += d
        out = bytes(self.rbuf[:n])
        del self.rbuf[:n]
        return out

    def send_raw(self, data):
        self.sock.sendall(data)

    def unacked_bytes(self):
        """Bytes of the send queue the peer has not acked yet (SIOCOUTQ)."""
        return struct.unpack("i", fcntl.ioctl(self.sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]

    def wait_acked(self):
        """Returns once the peer's kernel holds everything sent: a kill then loses none of it,
        however slowly the loaded peer reads. No deadline: the test's own bounds the wait."""
        while self.unacked_bytes() > 0:
            time.sleep(0.01)

    def handshake(self):
        try:
            rw.client_handshake(self.send_raw, self.recv_exact)
        except rw.WireError as e:
            raise RtmpError(str(e))

    # -- chunk encoding
    def encode(self, csid, mtype, sid, ts, payload, fmt_type=None):
        return self.tx.encode(csid, mtype, sid, ts, payload, fmt_type)

    def send_command(self, name, *args, sid=0):
        self.tid += 1
        body = amf0(name) + amf0(self.tid) + b"".join(amf0(a) for a in args)
        self.send_raw(self.encode(CSID_COMMAND, MSG_COMMAND, sid, 0, body))
        return self.tid

    # -- chunk decoding (enough for the server's responses and relayed media)
    def read_message(self):
        """(type, timestamp, stream id, body) of the next complete message."""
        return self.rx.read(self.recv_exact)

    def wait_command(self, pred, timeout=10.0):
        """Read messages until a command (type 20) whose decoded values satisfy pred."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mtype, _, _, body = self.read_message()
            if mtype == MSG_COMMAND:
                vals = amf0_all(body)
                if pred(vals):
                    return vals
                if vals and vals[0] == "_error":
                    raise RtmpError("server answered _error: %r" % (vals,))
        raise RtmpError("no expected command within %ss" % timeout)

    # -- commands
    def connect(self, port):
        tid = self.send_command("connect", {"app": self.app, "type": "nonprivate", "flashVer": "FMLE/3.0",
                                            "tcUrl": "rtmp://127.0.0.1:%d/%s" % (port, self.app)})
        self.wait_command(lambda v: v[:2] == ["_result", tid])
        tid = self.send_command("createStream", None)
        vals = self.wait_command(lambda v: v[:2] == ["_result", tid])
        self.stream_id = int(vals[3])

    @staticmethod
    def status_code(vals):
        if len(vals) >= 4 and vals[0] == "onStatus" and isinstance(vals[3], dict):
            return vals[3].get("code")
        return None

    def publish(self, key):
        self.send_command("publish", None, key, "live", sid=self.stream_id)
        vals = self.wait_command(lambda v: self.status_code(v) is not None)
        if self.status_code(vals) != "NetStream.Publish.Start":
            raise RtmpError("publish %s: %r" % (key, vals))

    def play(self, key):
        self.send_command("play", None, key, -2, sid=self.stream_id)
        self.wait_command(lambda v: self.status_code(v) == "NetStream.Play.Start")

    def send_tag(self, tag):
        """An FLV tag as an RTMP message on the publish stream (script data as @setDataFrame)."""
        if tag.type == MSG_DATA:
            body = amf0("@setDataFrame") + tag.body
            self.send_raw(self.encode(CSID_DATA, MSG_DATA, self.stream_id, tag.timestamp, body))
        else:
            csid = CSID_VIDEO if tag.type == MSG_VIDEO else CSID_AUDIO
            self.send_raw(self.encode(csid, tag.type, self.stream_id, tag.timestamp, tag.body))

    def delete_stream(self):
        self.send_command("deleteStream", None, self.stream_id)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ------------------------------------------------------------------ FLV


def looped_fixture(src, copies, out):
    """src played `copies` times back to back as one file (each copy shifted by the source's
    length rounded up to 100 ms; the copies' metadata and sequence headers dropped: the
    same codec configuration goes on). Written only if missing; returns out."""
    if os.path.isfile(out) and os.path.getmtime(out) >= os.path.getmtime(src):
        return out
    tags = rt.read_flv(src)
    media = [t for t in tags if t.type in (MSG_AUDIO, MSG_VIDEO)]
    step = (max(t.timestamp for t in media) // 100 + 1) * 100
    body = []
    for i in range(copies):
        for t in tags:
            if i > 0 and (t.type == MSG_DATA or is_sequence_header(t)):
                continue
            body.append(rt.FlvTag(t.type, t.timestamp + i * step, t.body))
    write_flv(out, body)
    return out


def media_records(tags):
    """Audio/video tags as (type, 32-bit timestamp, size, crc32 of the body)."""
    return [(t.type, t.timestamp, len(t.body), zlib.crc32(t.body)) for t in tags if t.type in (MSG_AUDIO, MSG_VIDEO)]


def is_sequence_header(t):
    """AVC or AAC sequence header (AVCPacketType / AACPacketType 0)."""
    return len(t.body) > 1 and t.body[1] == 0 and (
        (t.type == MSG_VIDEO and (t.body[0] & 0x0F) == 7) or (t.type == MSG_AUDIO and (t.body[0] >> 4) == 10))


def signed32(d):
    """A 32-bit timestamp difference as a signed number (RTMP time wraps at 2^32 ms)."""
    return ((d + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def is_keyframe(tag):
    return tag.type == MSG_VIDEO and tag.body and (tag.body[0] >> 4) == 1 and tag.body[1:2] == b"\x01"


def check_whole_flv(path, name):
    """Every tag of the file is whole (rt.read_flv raises on a cut tag) and no bytes trail
    the last PreviousTagSize. Returns (tags, problems)."""
    try:
        tags = rt.read_flv(path)
    except (rt.TestFailure, rw.WireError) as e:
        return [], ["%s: %s" % (name, e)]
    size = os.path.getsize(path)
    end = 13 + sum(11 + len(t.body) + 4 for t in tags)
    if end != size:
        return tags, ["%s: %d bytes, but its whole tags end at %d (a cut tag at the end)" % (name, size, end)]
    return tags, []


def check_record_prefix(sent, got, name):
    """`got` (media records) must be the first len(got) of `sent`, exactly."""
    n = 0
    while n < len(got) and n < len(sent) and got[n] == sent[n]:
        n += 1
    if n == len(got):
        return []
    return ["%s: tag %d is %r, the publisher's tag there is %r" % (name, n, got[n], sent[n] if n < len(sent) else None)]


def check_packet_prefix(expected, got, name):
    """Each track of `got` (ffprobe packets) is a prefix of the fixture's, frame-exact."""
    problems = []
    for track in ("video", "audio"):
        e, g = expected[track], got[track]
        if g != e[: len(g)]:
            problems += rt.compare_tracks({track: e[: len(g)]}, {track: g}, exp_name="fixture", act_name=name)
    return problems


# ------------------------------------------------------------------ bystander


class Bystander:
    """An FFmpeg player joined before an FFmpeg publisher on KEY: must end frame-exact
    against the fixture from its first keyframe, whatever the fault on the other key does."""

    def __init__(self, server, fixture, work, key="other"):
        self.server, self.fixture, self.work, self.key = server, fixture, work, key
        self.out = os.path.join(work, "bystander_%s.flv" % key)
        self.player = rt.Process("bystander_player", ru.player_cmd("ffmpeg", server.url(key), self.out), work)
        server.wait_log(r"relay: play app=live key=%s .*state=waiting_for_publisher" % re.escape(key), 1, 20)
        self.pub = rt.Process("bystander_pub", ru.publish_cmd(server.url(key), fixture), work)

    def finish(self, timeout=60):
        """Waits for both; returns problems (empty = frame-exact)."""
        problems = []
        rc = self.pub.wait(timeout)
        if rc != 0:
            problems.append("bystander publisher exited %s\n%s" % (rc, self.pub.logs()))
        prc = self.player.wait(15)
        if prc != 0:
            problems.append("bystander player exited %s\n%s" % (prc, self.player.logs()))
        if not problems:
            got = ru.packets(self.out)
            pb, _ = ru.check_from_first_keyframe(ru.packets(self.fixture), got, "bystander", expect_start="first")
            problems += pb
            if not pb:
                print("bystander on key %s: %s, frame-exact (the whole fixture)" % (self.key, ru.summary(got)))
        return problems

    def kill(self):
        self.pub.kill()
        self.player.kill()


# ------------------------------------------------------------------ RSS


def sanitized(binary):
    """True for an ASan build: its quarantine and shadow memory make RSS say nothing about
    the program's own memory, so RSS bounds are not checked against it."""
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


class RssSampler:
    """Samples a process's VmRSS every `period` seconds in a thread; peak and samples in KiB."""

    def __init__(self, pid, period=0.1):
        self.pid, self.period = pid, period
        self.samples = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.samples.append(rss_kb(self.pid))
            except OSError:
                return
            self._stop.wait(self.period)

    def stop(self):
        self._stop.set()
        self._t.join(5)
        return max(self.samples) if self.samples else None


# ------------------------------------------------------------------ the killable publisher


def publish_main():
    """python3 faults_util.py --port P --key K --flv F [--half-after N] [--record-sent J]

    Publishes F's tags paced by their timestamps (sequence headers and metadata at once).
    --half-after N: after N media tags, sends the first half of the next video message of
    at least 100 KB (chunks up to the middle), waits until the server's kernel has acked every
    byte, prints 'HALF SENT' and sleeps until killed.
    --record-sent: JSON list of the media records sent whole, written before anything else
    is sent (the test reads it after killing this process)."""
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--flv", required=True)
    p.add_argument("--half-after", type=int, default=-1)
    p.add_argument("--record-sent", default="")
    p.add_argument("--chunk-size", type=int, default=4096)
    a = p.parse_args()
    tags = rt.read_flv(a.flv)
    c = RtmpClient(a.port, chunk_size=a.chunk_size)
    c.connect(a.port)
    c.publish(a.key)
    sent = []
    t0, ts0 = None, None
    media = 0
    for t in tags:
        is_media = t.type in (MSG_AUDIO, MSG_VIDEO)
        header = is_media and is_sequence_header(t)
        if a.half_after >= 0 and media >= a.half_after and t.type == MSG_VIDEO and len(t.body) >= 100000:
            wire = c.encode(CSID_VIDEO, t.type, c.stream_id, t.timestamp, t.body)
            if a.record_sent:
                with open(a.record_sent, "w") as f:
                    json.dump({"sent": sent, "cut": [t.type, t.timestamp, len(t.body)]}, f)
            c.send_raw(wire[: len(wire) // 2])
            c.wait_acked()
            print("HALF SENT %d of %d bytes of a %d-byte video message at ts %d"
                  % (len(wire) // 2, len(wire), len(t.body), t.timestamp), flush=True)
            time.sleep(3600)
        if is_media and not header:
            # Pacing in 32-bit time (wrap-safe): wall time follows timestamp deltas.
            if ts0 is None:
                t0, ts0 = time.monotonic(), t.timestamp
            due = t0 + signed32(t.timestamp - ts0) / 1000.0
            if due - time.monotonic() > 0:
                time.sleep(due - time.monotonic())
            media += 1
        c.send_tag(t)
        if is_media:
            sent.append([t.type, t.timestamp, len(t.body), zlib.crc32(t.body)])
    if a.record_sent:
        with open(a.record_sent, "w") as f:
            json.dump({"sent": sent, "cut": None}, f)
    c.delete_stream()
    time.sleep(0.2)
    c.close()
    print("PUBLISHED %d media tags" % len(sent), flush=True)


if __name__ == "__main__":
    publish_main()
