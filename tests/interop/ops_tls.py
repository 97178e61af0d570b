#!/usr/bin/env python3
"""RTMPS through rtmp-server with FFmpeg (5.1, GnuTLS) on both ends.

A self-signed certificate for IP 127.0.0.1 is made with the openssl CLI; rtmp-server gets
--tls-port 0 --tls-cert --tls-key. An ffmpeg player (-tls_verify 0) joins
rtmps://127.0.0.1:PORT/live/k first and waits; ffmpeg publishes the fixture to the same URL,
verifying the server against the certificate (-tls_verify 1 -ca_file cert.pem). The player's
file must be frame-exact against the fixture from its first keyframe (ffprobe packet lists).
A plain rtmp:// player of the same stream on the server's plain port must be too: one
stream, both transports.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops_util as ou  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--fixture", default="h264_high_aac")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe", "openssl")

    def run():
        fixture = ru.fixture(args, args.fixture)
        work = rt.work_dir(args, "ops_tls.%s" % args.fixture)
        cert, key = ou.make_certificate(work)
        server = ru.Server(args.server, work, ["--tls-port", "0", "--tls-cert", cert, "--tls-key", key])
        players = []
        try:
            tls_port = ou.rtmps_port(server)
            url = "rtmps://127.0.0.1:%d/live/k" % tls_port
            out_tls = os.path.join(work, "ffmpeg_rtmps.flv")
            out_plain = os.path.join(work, "ffmpeg_rtmp.flv")
            tls_cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-tls_verify", "0",
                       "-i", url, "-c", "copy", "-f", "flv", out_tls]
            players.append(("ffmpeg rtmps", rt.Process("player_rtmps", tls_cmd, work), out_tls))
            players.append(("ffmpeg rtmp", rt.Process("player_rtmp", ru.player_cmd("ffmpeg", server.url("k"), out_plain),
                                                      work), out_plain))
            server.wait_log(r"relay: play app=live key=k .*state=waiting_for_publisher", 2)
            pub_cmd = ru.publish_cmd(url, fixture, ["-tls_verify", "1", "-ca_file", cert])
            pub = rt.Process("publisher", pub_cmd, work)
            rc = pub.wait(args.timeout)
            if rc != 0:
                raise rt.TestFailure("rtmps publisher exited %s\n%s\n%s" % (rc, pub.logs(), server.proc.logs()))
            rcs = ru.wait_all([(n, pr) for n, pr, _ in players], 15)
            server.stop()
        finally:
            for _, pr, _ in players:
                pr.kill()
            server.kill()

        expected = ru.packets(fixture)
        problems = []
        for name, pr, out in players:
            problems += ou.check_player(expected, out, name, rcs[name], pr)
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
