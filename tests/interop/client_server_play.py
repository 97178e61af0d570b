#!/usr/bin/env python3
"""Server send -> client play on rtmpcxx's own server: rtmp-test-server --play-file FIXTURE
sends the fixture to every player with Session::send_codec/send_video/send_audio/
send_metadata; rtmp-probe URL (client mode, demuxed events) and rtmp-play (raw messages into
an FLV file) play it. Both must match the fixture frame-exactly (ffprobe packet lists; for the
probe also NAL counts, codec events and metadata), including timestamps past 2^24 ms.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_util as cu  # noqa: E402
import rtmptest as rt  # noqa: E402


def main():
    p = cu.arg_parser(__doc__)
    p.add_argument("--fixture", required=True)
    args = p.parse_args()
    rt.require_tools("ffprobe")
    if not args.test_server:
        print("SKIP: no rtmp-test-server")
        sys.exit(rt.SKIP)

    def run():
        fixture = rt.fixture_path(args.fixtures, args.fixture)
        work = rt.work_dir(args, "client_server_play." + args.fixture)
        server = rt.Process("rtmp-test-server", [args.test_server, "--port", "0", "--play-file", fixture], work)
        out = os.path.join(work, "out.flv")
        try:
            port = server.wait_for_port(10)
            url = "rtmp://127.0.0.1:%d/live/key" % port
            probe = rt.Process("rtmp-probe", [args.probe, url], work)
            play = rt.Process("rtmp-play", [args.play, url, "-o", out], work)
            cu.wait_ok(probe, args.timeout, "rtmp-probe URL")
            cu.wait_ok(play, args.timeout, "rtmp-play")
        finally:
            server.kill()
        events = rt.read_events(probe.out_path)
        problems = cu.check_probe_events(events, fixture)
        if problems:
            raise rt.TestFailure("rtmp-probe URL (logs in %s)\n%s" % (work, "\n".join(problems)))
        summary = cu.compare_flv(fixture, out, "rtmp-play")
        problems = cu.check_flv_metadata(fixture, out)
        if problems:
            raise rt.TestFailure("rtmp-play: " + "\n".join(problems))
        n = rt.probe_packets(events)
        print("%s: rtmp-probe URL %d video, %d audio events identical; rtmp-play: %s"
              % (args.fixture, len(n["video"]), len(n["audio"]), summary))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
