#!/usr/bin/env python3
"""The wire module (rtmpwire.py) checked against references, not against itself:

- AMF0: rtmpwire encodes the values wire-hex encodes (rtmpcxx's C++ encoder) to the same
  bytes, and decodes wire-hex's bytes back to the values.
- Chunks: rtmpwire's decoder reads wire-hex's chunk stream (header compression, extended
  timestamp, 2-byte csid) as the messages the C++ encoder was given; rtmpwire's encoder's
  output decodes to the same messages.
- Handshake: rtmpwire's client and server sides complete over a socket pair.
- FLV: the fixtures' tags written by rtmpwire make files whose ffprobe packet lists equal
  the fixtures' (timestamps past 2^24 included).
"""

import os
import socket
import struct
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest as rt  # noqa: E402
import rtmpwire as rw  # noqa: E402

CONNECT_VALUES = ["connect", 1.0,
                  {"app": "live", "tcUrl": "rtmp://127.0.0.1:1935/live", "fpad": False, "capabilities": 15.0},
                  None, [1.5, "x"]]


def pattern(n, seed):
    return bytes((seed + i * 7) & 0xFF for i in range(n))


def cpp_messages(cmd):
    """What wire-hex gives its encoder: (csid, type, timestamp, stream id, body)."""
    return [(3, 20, 0, 0, cmd), (6, 9, 1000, 1, pattern(300, 1)), (6, 9, 1040, 1, pattern(300, 2)),
            (6, 9, 1080, 1, pattern(20, 3)), (6, 9, 0x1000000, 1, pattern(200, 4)),
            (100, 8, 5, 1, pattern(10, 5))]


def decode_all(data, chunk_size=128):
    dec = rw.ChunkDecoder(chunk_size)
    recv = rw.bytes_reader(data)
    out = []
    while recv.remaining():
        out.append(dec.read(recv))
    return out


def check_amf0(hexes, problems):
    cpp = hexes["amf0_connect"]
    ours = b"".join(rw.amf0(v) for v in CONNECT_VALUES)
    if ours != cpp:
        problems.append("AMF0 encodings differ:\n  C++    %s\n  Python %s" % (cpp.hex(), ours.hex()))
    try:
        back = rw.amf0_decode_all(cpp)
    except (rw.WireError, ValueError, IndexError, struct.error) as e:
        back = "an error: %s" % e
    if back != CONNECT_VALUES:
        problems.append("AMF0 decode of the C++ bytes: %r, expected %r" % (back, CONNECT_VALUES))


def check_chunks(hexes, problems):
    sent = cpp_messages(hexes["amf0_connect"])
    want = [(t, ts, sid, body) for _, t, ts, sid, body in sent]
    try:
        got = decode_all(hexes["chunks_128"])
    except (rw.WireError, IndexError, struct.error) as e:
        got = [("error", str(e), 0, b"")]
    if got != want:
        problems.append("C++ chunk stream decoded as %r, expected %r (type, ts, stream, size; bodies compared too)"
                        % ([(t, ts, sid, len(b)) for t, ts, sid, b in got],
                           [(t, ts, sid, len(b)) for t, ts, sid, b in want]))
    enc = rw.ChunkEncoder()
    ours = b"".join(enc.encode(c, t, sid, ts, body) if c < 64 else rw.chunked(c, t, sid, body, 128, ts)
                    for c, t, ts, sid, body in sent)
    if decode_all(ours) != want:
        problems.append("rtmpwire's own chunk stream does not decode to what it encoded")
    if len(ours) <= sum(len(m[4]) for m in sent):
        problems.append("rtmpwire's chunk stream has no headers?")


def check_handshake(problems):
    a, b = socket.socketpair()
    result = {}

    def server():
        try:
            result["c1"] = rw.server_handshake(b.sendall, rw.socket_reader(b))
        except Exception as e:  # reported below
            result["error"] = e

    t = threading.Thread(target=server)
    t.start()
    c1 = b"\x00" * 8 + pattern(1528, 9)
    s = rw.client_handshake(a.sendall, rw.socket_reader(a), c1=c1)
    t.join(10)
    a.close()
    b.close()
    if "error" in result or result.get("c1") != c1:
        problems.append("handshake: server saw %r" % result.get("error", "a different C1"))
    if s[1 + rw.HANDSHAKE_SIZE:] != c1:
        problems.append("handshake: S2 does not echo C1")


def check_flv(args, work, problems):
    for name in ("h264_high_aac", "ts_over_2p24"):
        src = rt.fixture_path(args.fixtures, name)
        tags = rw.read_flv(src)
        out = os.path.join(work, name + ".rewritten.flv")
        rw.write_flv(out, tags)
        if rw.read_flv(out) != tags:
            problems.append("%s: tags differ after write + read" % name)
        want, got = rt.ffprobe_packets(src), rt.ffprobe_packets(out)
        problems += ["%s: %s" % (name, p) for p in rt.compare_tracks(want, got, "fixture", "rtmpwire FLV")]
        if not want["video"] or not want["audio"]:
            problems.append("%s: ffprobe found no video or no audio in the fixture" % name)
        if name == "ts_over_2p24" and max(t.timestamp for t in tags) < 1 << 24:
            problems.append("%s: no timestamps past 2^24 to check" % name)


def main():
    p = rt.arg_parser(__doc__)
    p.add_argument("--wire-hex", required=True, help="path to the wire-hex test program")
    args = p.parse_args()
    rt.require_tools("ffprobe")

    def run():
        work = rt.work_dir(args, "wire_selftest")
        r = subprocess.run([args.wire_hex], stdout=subprocess.PIPE, check=True, timeout=30)
        hexes = {k: bytes.fromhex(v) for k, v in (l.split() for l in r.stdout.decode().splitlines())}
        problems = []
        check_amf0(hexes, problems)
        check_chunks(hexes, problems)
        check_handshake(problems)
        check_flv(args, work, problems)
        if problems:
            raise rt.TestFailure("\n".join(problems))
        print("rtmpwire: AMF0 and chunks match rtmpcxx's encoders, handshake completes, "
              "rewritten FLVs probe as the fixtures")

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
