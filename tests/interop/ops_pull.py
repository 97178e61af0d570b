#!/usr/bin/env python3
"""rtmp-server --pull from nginx-rtmp (Debian nginx + libnginx-mod-rtmp, own prefix/port).

An ffmpeg player asks rtmp-server (the edge) for live/k, which is not live there: the edge
plays rtmp://nginx/live/k with rtmp::Client and publishes it into its relay. ffmpeg then
publishes the fixture to nginx (the origin). The edge player's file must be frame-exact
against the fixture from its first keyframe to the end, and the pull must end when the
origin's stream does.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_util as cu  # noqa: E402
import ops_util as ou  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--fixture", default="h264_high_aac")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe", "nginx")

    def run():
        fixture = ru.fixture(args, args.fixture)
        work = rt.work_dir(args, "ops_pull.%s" % args.fixture)
        nginx = cu.Nginx(work)
        server = player = pub = None
        try:
            server = ru.Server(args.server, work, ["--pull", "rtmp://127.0.0.1:%d/live" % nginx.port])
            out = os.path.join(work, "edge_player.flv")
            player = rt.Process("player", ru.player_cmd("ffmpeg", server.url("k"), out), work)
            nginx.wait_for_player("k")  # the edge plays the origin (nginx: Play.Start comes on publish)
            pub = rt.Process("publisher", ru.publish_cmd(nginx.url("k"), fixture), work)
            rc = pub.wait(args.timeout)
            if rc != 0:
                raise rt.TestFailure("publisher to nginx exited %s\n%s" % (rc, pub.logs()))
            server.wait_log(r"pull: live/k <- .*: playing", 1, timeout=10)
            prc = player.wait(15)
            server.wait_log(r"pull: live/k <- .*: ended", 1)
            server.stop()
        finally:
            for pr in (player, pub):
                if pr:
                    pr.kill()
            if server:
                server.kill()
            nginx.stop()
        problems = ou.check_player(ru.packets(fixture), out, "ffmpeg via edge", prc, player)
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
