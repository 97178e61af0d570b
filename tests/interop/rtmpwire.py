"""RTMP wire work for the interop tests, in one place: AMF0 encode/decode, chunk headers and
chunking (type 0/1/3, extended timestamps), a chunk-stream decoder, the handshake (both
sides) and FLV tag reading/writing. Python 3 standard library only; no sockets of its own
(callers pass send/recv functions), so it also runs in its own tests (wire_selftest.py).

Specs: RTMP 1.0 (§5.2 handshake, §5.3 chunking), AMF0 (§2), FLV (Annex E.4).
"""

import collections
import os
import random
import struct


class WireError(Exception):
    """Bytes that are not what the format allows (or a peer closed mid-message)."""


# One FLV tag: type 8/9/18, full 32-bit timestamp (ms), body bytes.
FlvTag = collections.namedtuple("FlvTag", "type timestamp body")

CSID_CONTROL, CSID_COMMAND, CSID_AUDIO, CSID_DATA, CSID_VIDEO = 2, 3, 4, 5, 6
MSG_SET_CHUNK_SIZE, MSG_ABORT, MSG_ACK, MSG_USER_CONTROL, MSG_WINDOW_ACK, MSG_PEER_BW = 1, 2, 3, 4, 5, 6
MSG_AUDIO, MSG_VIDEO, MSG_DATA, MSG_COMMAND = 8, 9, 18, 20

# ------------------------------------------------------------------ AMF0 encoding (§2)


def amf0_number(x):
    return b"\x00" + struct.pack(">d", x)


def amf0_bool(b):
    return b"\x01" + bytes([1 if b else 0])


def amf0_string(s):
    """A string marker 0x02 (u16 length); bytes are taken as they are."""
    b = s.encode() if isinstance(s, str) else s
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf0_null():
    return b"\x05"


def _props(items):
    out = []
    for k, v in items:
        kb = k.encode()
        out.append(struct.pack(">H", len(kb)) + kb + v)
    return b"".join(out) + b"\x00\x00\x09"


def amf0_object(items):
    """items: (key, encoded value) pairs, in order."""
    return b"\x03" + _props(items)


def amf0_ecma(items, count=None):
    """ECMA array; `count` overrides the (advisory) u32 count, for hostile inputs."""
    return b"\x08" + struct.pack(">I", len(items) if count is None else count) + _props(items)


def amf0_strict(values, count=None):
    """Strict array of encoded values; `count` overrides the u32 count."""
    return b"\x0a" + struct.pack(">I", len(values) if count is None else count) + b"".join(values)


def amf0(v):
    """A Python value as AMF0: None, bool, int/float (number), str, dict (object, in order),
    list (strict array)."""
    if v is None:
        return amf0_null()
    if isinstance(v, bool):
        return amf0_bool(v)
    if isinstance(v, (int, float)):
        return amf0_number(float(v))
    if isinstance(v, str):
        return amf0_string(v)
    if isinstance(v, dict):
        return amf0_object([(k, amf0(x)) for k, x in v.items()])
    if isinstance(v, list):
        return amf0_strict([amf0(x) for x in v])
    raise TypeError(type(v))


def command(name, txn, obj, *args):
    """A command message body: name, transaction id, encoded command object, encoded args."""
    return amf0_string(name) + amf0_number(txn) + obj + b"".join(args)


# ------------------------------------------------------------------ AMF0 decoding


def amf0_decode(data, pos=0):
    """Decode one AMF0 value (AMF0 spec 2.2-2.13); returns (value, next_pos)."""
    if pos >= len(data):
        raise WireError("AMF0: value expected at offset %d" % pos)
    marker = data[pos]
    pos += 1
    if marker == 0x00:
        return struct.unpack(">d", data[pos : pos + 8])[0], pos + 8
    if marker == 0x01:
        return data[pos] != 0, pos + 1
    if marker == 0x02:
        n = struct.unpack(">H", data[pos : pos + 2])[0]
        return data[pos + 2 : pos + 2 + n].decode("utf-8"), pos + 2 + n
    if marker == 0x0C:
        n = struct.unpack(">I", data[pos : pos + 4])[0]
        return data[pos + 4 : pos + 4 + n].decode("utf-8"), pos + 4 + n
    if marker in (0x03, 0x08):  # object, ECMA array (its u32 count is advisory)
        if marker == 0x08:
            pos += 4
        obj = {}
        while True:
            n = struct.unpack(">H", data[pos : pos + 2])[0]
            key = data[pos + 2 : pos + 2 + n].decode("utf-8")
            pos += 2 + n
            if not key and data[pos] == 0x09:
                return obj, pos + 1
            obj[key], pos = amf0_decode(data, pos)
    if marker == 0x0A:
        n = struct.unpack(">I", data[pos : pos + 4])[0]
        pos += 4
        arr = []
        for _ in range(n):
            v, pos = amf0_decode(data, pos)
            arr.append(v)
        return arr, pos
    if marker in (0x05, 0x06):
        return None, pos
    if marker == 0x0B:
        return struct.unpack(">d", data[pos : pos + 8])[0], pos + 10
    raise WireError("AMF0 marker 0x%02x not supported by the test decoder" % marker)


def amf0_decode_all(data):
    """Every value of a message body (a command or data message)."""
    vals, pos = [], 0
    while pos < len(data):
        v, pos = amf0_decode(data, pos)
        vals.append(v)
    return vals


# ------------------------------------------------------------------ chunk headers (§5.3.1)


def basic_header(fmt, csid):
    """The shortest basic header form for csid (1, 2 or 3 bytes)."""
    if csid < 64:
        return bytes([(fmt << 6) | csid])
    if csid < 320:
        return bytes([fmt << 6, csid - 64])
    v = csid - 64  # 3-byte form: little-endian 16-bit id
    return bytes([(fmt << 6) | 1, v & 0xFF, v >> 8])


def header0(csid, ts, length, mtype, sid):
    """A type 0 chunk header; ts must be below 0xFFFFFF (no extended timestamp)."""
    return (basic_header(0, csid) + struct.pack(">I", ts)[1:] + struct.pack(">I", length)[1:]
            + bytes([mtype]) + struct.pack("<I", sid))


def chunked(csid, mtype, sid, payload, chunk_size, ts=0):
    """One message as a type 0 chunk and type 3 continuations."""
    out = [header0(csid, ts, len(payload), mtype, sid), payload[:chunk_size]]
    for i in range(chunk_size, len(payload), chunk_size):
        out.append(basic_header(3, csid))
        out.append(payload[i:i + chunk_size])
    return b"".join(out)


class ChunkEncoder:
    """Messages as chunks: a type 0 header first on a chunk stream, then type 1 (timestamp
    delta, modulo 2^32) while the stream id stays; type 3 for continuation chunks, repeating
    the extended timestamp (§5.3.1.3). csid < 64 only."""

    def __init__(self, chunk_size=128):
        self.chunk_size = chunk_size
        self.tx = {}  # csid -> (timestamp, stream id)

    def encode(self, csid, mtype, sid, ts, payload, fmt_type=None):
        ts &= 0xFFFFFFFF
        prev = self.tx.get(csid)
        if fmt_type is None:
            fmt_type = 1 if prev is not None and prev[1] == sid else 0
        field = ts if fmt_type == 0 else (ts - prev[0]) & 0xFFFFFFFF
        self.tx[csid] = (ts, sid)
        ext = field >= 0xFFFFFF
        hdr_field = 0xFFFFFF if ext else field
        head = bytes([(fmt_type << 6) | csid]) + hdr_field.to_bytes(3, "big") + len(payload).to_bytes(3, "big")
        head += bytes([mtype])
        if fmt_type == 0:
            head += struct.pack("<I", sid)
        ext_bytes = struct.pack(">I", field) if ext else b""
        out = [head, ext_bytes, payload[: self.chunk_size]]
        for pos in range(self.chunk_size, len(payload), self.chunk_size):
            out += [bytes([0xC0 | csid]), ext_bytes, payload[pos : pos + self.chunk_size]]
        return b"".join(out)


class ChunkDecoder:
    """Reassembles messages from a chunk stream: read(recv_exact) returns the next complete
    (type, timestamp, stream id, body). recv_exact(n) must return exactly n bytes or raise.
    Set Chunk Size messages change the incoming chunk size; they are returned too unless
    skip_set_chunk_size."""

    def __init__(self, chunk_size=128, skip_set_chunk_size=False):
        self.chunk_size = chunk_size
        self.skip_set_chunk_size = skip_set_chunk_size
        self.rx = {}  # csid -> dict(ts, len, type, sid, delta, ext, buf)

    def read(self, recv_exact):
        while True:
            b0 = recv_exact(1)[0]
            fmt_type, csid = b0 >> 6, b0 & 0x3F
            if csid == 0:
                csid = 64 + recv_exact(1)[0]
            elif csid == 1:
                b = recv_exact(2)
                csid = 64 + b[0] + 256 * b[1]
            st = self.rx.setdefault(csid, {"ts": 0, "len": 0, "type": 0, "sid": 0, "delta": 0,
                                           "ext": False, "buf": bytearray()})
            if fmt_type < 3:
                h = recv_exact((11, 7, 3)[fmt_type])
                field = int.from_bytes(h[0:3], "big")
                if fmt_type <= 1:
                    st["len"] = int.from_bytes(h[3:6], "big")
                    st["type"] = h[6]
                if fmt_type == 0:
                    st["sid"] = struct.unpack("<I", h[7:11])[0]
                st["ext"] = field == 0xFFFFFF
                if st["ext"]:
                    field = struct.unpack(">I", recv_exact(4))[0]
                if fmt_type == 0:
                    st["ts"], st["delta"] = field, 0
                else:
                    st["delta"] = field
                    st["ts"] = (st["ts"] + field) & 0xFFFFFFFF
            else:
                if st["ext"]:
                    recv_exact(4)
                if not st["buf"]:  # a new message with the previous header: add the delta
                    st["ts"] = (st["ts"] + st["delta"]) & 0xFFFFFFFF
            need = min(self.chunk_size, st["len"] - len(st["buf"]))
            st["buf"] += recv_exact(need)
            if len(st["buf"]) < st["len"]:
                continue
            body = bytes(st["buf"])
            st["buf"] = bytearray()
            if st["type"] == MSG_SET_CHUNK_SIZE:
                self.chunk_size = struct.unpack(">I", body[:4])[0] & 0x7FFFFFFF
                if self.skip_set_chunk_size:
                    continue
            return st["type"], st["ts"], st["sid"], body


def bytes_reader(data):
    """A recv_exact over a bytes object (for decoding captured or generated chunk streams)."""
    view = memoryview(bytes(data))
    pos = [0]

    def recv_exact(n):
        if pos[0] + n > len(view):
            raise WireError("chunk stream ends inside a chunk (%d of %d bytes)" % (len(view) - pos[0], n))
        out = bytes(view[pos[0] : pos[0] + n])
        pos[0] += n
        return out

    recv_exact.remaining = lambda: len(view) - pos[0]
    return recv_exact


# ------------------------------------------------------------------ handshake (§5.2)

HANDSHAKE_SIZE = 1536


def client_handshake(send, recv_exact, c1=None):
    """The client side of the simple handshake: C0+C1, read S0+S1+S2, C2 echoes S1. C1 is
    time 0, zero, then random bytes unless given."""
    if c1 is None:
        c1 = struct.pack(">II", 0, 0) + random.randbytes(HANDSHAKE_SIZE - 8)
    send(b"\x03" + c1)
    s = recv_exact(1 + 2 * HANDSHAKE_SIZE)
    if s[0] != 3:
        raise WireError("S0 version %d" % s[0])
    send(s[1 : 1 + HANDSHAKE_SIZE])
    return s


def server_handshake(send, recv_exact, s1=None):
    """The server side of the simple handshake: read C0+C1, send S0+S1+S2 (S2 echoes C1),
    read C2. S1 is zeros unless given. Returns C1."""
    c0c1 = recv_exact(1 + HANDSHAKE_SIZE)
    send(b"\x03" + (bytes(HANDSHAKE_SIZE) if s1 is None else s1) + c0c1[1:])
    recv_exact(HANDSHAKE_SIZE)
    return c0c1[1:]


def socket_reader(sock, on_eof=EOFError):
    """recv_exact(n) over a socket; raises on_eof(message) when the peer closes first."""

    def recv_exact(n):
        data = b""
        while len(data) < n:
            part = sock.recv(n - len(data))
            if not part:
                raise on_eof("closed by the peer")
            data += part
        return data

    return recv_exact


# ------------------------------------------------------------------ FLV (Annex E.4)


def parse_flv(data, name="FLV"):
    """All tags of FLV bytes (E.4.1 header, tags: 11-byte header + body + u32 size)."""
    if data[:3] != b"FLV" or len(data) < 13:
        raise WireError("%s: not an FLV file" % name)
    pos = struct.unpack(">I", data[5:9])[0] + 4  # header, then PreviousTagSize0
    tags = []
    while pos + 11 <= len(data):
        kind = data[pos] & 0x1F
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        # TimestampExtended is the upper 8 bits of a 32-bit millisecond timestamp
        ts = int.from_bytes(data[pos + 4 : pos + 7], "big") | (data[pos + 7] << 24)
        body = data[pos + 11 : pos + 11 + size]
        if len(body) != size:
            raise WireError("%s: truncated tag at offset %d" % (name, pos))
        tags.append(FlvTag(kind, ts, body))
        pos += 11 + size + 4
    return tags


def read_flv(path):
    with open(path, "rb") as f:
        return parse_flv(f.read(), path)


def flv_bytes(tags, audio=True, video=True):
    """An FLV file: header (flags say which media it has), then the tags. TimestampExtended
    holds bits 24-31, so any 32-bit timestamp is stored exactly."""
    flags = (4 if audio else 0) | (1 if video else 0)
    out = [b"FLV\x01" + bytes([flags]) + b"\x00\x00\x00\x09", b"\x00\x00\x00\x00"]
    for t in tags:
        ts = t.timestamp & 0xFFFFFFFF
        out.append(bytes([t.type]) + len(t.body).to_bytes(3, "big") + (ts & 0xFFFFFF).to_bytes(3, "big")
                   + bytes([ts >> 24]) + b"\x00\x00\x00" + t.body + struct.pack(">I", 11 + len(t.body)))
    return b"".join(out)


def write_flv(path, tags):
    """flv_bytes(tags) written atomically (a temporary file renamed into place)."""
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(flv_bytes(tags))
    os.replace(tmp, path)
