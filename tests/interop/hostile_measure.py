#!/usr/bin/env python3
"""What abusive-but-legal input costs rtmp-server in CPU (not a test: prints figures).

For each incoming chunk size (1, 128, 4096), a raw publisher (hostile.Peer) sends 32 video
messages of 1 MiB; a createStream after them is answered only once the server has decoded
them all. Prints the server's CPU seconds (user+sys from /proc) per MiB of payload, and the
same for 100,000 Abort messages and 100,000 PingRequests (replies read back).

  python3 tests/interop/hostile_measure.py --server build/hostile-rel/bin/rtmp-server
"""

import argparse
import os
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as h  # noqa: E402
import relay_util as ru  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--server", required=True)
    p.add_argument("--messages", type=int, default=32)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="hostile-measure-")
    server = ru.Server(args.server, work, ["--idle-timeout", "0"])
    try:
        payload = bytes([0x27, 1, 0, 0, 0]) + bytes(h.MIB - 5)
        for cs in (4096, 128, 1):
            peer = h.Peer(server.port, timeout=120)
            peer.handshake()
            peer.set_chunk_size(cs)
            peer.connect()
            sid = peer.create_stream()
            peer.cmd("publish", None, h.amf_str("m%d" % cs), h.amf_str("live"), sid=sid, csid=4)
            peer.wait_status("NetStream.Publish.Start")
            wire = b"".join(h.chunked(5, 9, sid, payload, cs, ts=i * 33) for i in range(args.messages))
            c0, t0 = server.cpu_seconds(), time.monotonic()
            peer.send(wire)
            peer.wait_result(peer.cmd("createStream"), timeout=120)
            c1, t1 = server.cpu_seconds(), time.monotonic()
            print("chunk size %5d: %d MiB payload, %.1f MiB on the wire: server CPU %.2f s (%.1f ms per MiB "
                  "of payload), %.1f s wall" % (cs, args.messages, len(wire) / h.MIB, c1 - c0,
                                                 (c1 - c0) * 1000 / args.messages, t1 - t0))
            peer.close()
        peer = h.Peer(server.port, timeout=120)
        peer.handshake()
        peer.connect()
        aborts = h.chunked(2, 2, 0, struct.pack(">I", 9), 128) * 100000
        c0 = server.cpu_seconds()
        peer.send(aborts)
        peer.create_stream()
        c1 = server.cpu_seconds()
        print("100,000 Aborts (%.1f MiB): server CPU %.2f s (%.1f us each)" % (len(aborts) / h.MIB, c1 - c0,
                                                                              (c1 - c0) * 1e7 / 1e6))
        # In batches of 10,000, read back between them: 100,000 unread replies would pass
        # max_output_bytes (8 MiB counted as bytes + 128 per reply) and close the connection.
        pings = h.chunked(2, 4, 0, struct.pack(">HI", 6, 1), 128) * 10000
        c0 = server.cpu_seconds()
        for _ in range(10):
            peer.send(pings)
            peer.create_stream()  # replies are read (and skipped) up to this answer
        c1 = server.cpu_seconds()
        pings *= 10
        print("100,000 PingRequests read back (%.1f MiB): server CPU %.2f s (%.1f us each)"
              % (len(pings) / h.MIB, c1 - c0, (c1 - c0) * 1e7 / 1e6))
        peer.close()
        server.stop()
    finally:
        server.kill()


if __name__ == "__main__":
    main()
