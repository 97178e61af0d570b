#!/usr/bin/env python3
"""rtmp-server --push to nginx-rtmp (Debian nginx + libnginx-mod-rtmp, own prefix/port).

An ffmpeg player waits on nginx for live/k; ffmpeg publishes the fixture to rtmp-server
(live/k), which re-publishes it to rtmp://nginx/live/k with rtmp::Client. The player's file
must be frame-exact against the fixture from a keyframe (the push joins the relay like a
player: sequence headers + cached GOP first) to the end. With --case reconnect, nginx is
not running when the publish starts: the push retries with back-off until nginx is up.
With --case pattern, --push-pattern '^live/k$' pushes live/k and not live/other, published
at the same time.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_util as cu  # noqa: E402
import ops_util as ou  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--fixture", default="h264_high_aac")
    p.add_argument("--case", default="push", choices=["push", "reconnect", "pattern"])
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe", "nginx")

    def run():
        fixture = ru.fixture(args, args.fixture)
        work = rt.work_dir(args, "ops_push.%s.%s" % (args.case, args.fixture))
        nginx = cu.Nginx(work)
        server = player = pub = other = None
        try:
            push_url = "rtmp://127.0.0.1:%d/live" % nginx.port
            if args.case == "reconnect":
                nginx.stop()  # the port stays ours for a moment: nothing listens there now
            extra = ["--push-pattern", "^live/k$"] if args.case == "pattern" else []
            server = ru.Server(args.server, work, ["--push", push_url] + extra)
            out = os.path.join(work, "nginx_player.flv")
            if args.case in ("push", "pattern"):
                player = rt.Process("player", ru.player_cmd("ffmpeg", nginx.url("k"), out), work)
                nginx.wait_for_player("k")
            pub = rt.Process("publisher", ru.publish_cmd(server.url("k"), fixture), work)
            if args.case == "pattern":
                other = rt.Process("other", ru.publish_cmd(server.url("other"), fixture), work)
            if args.case == "reconnect":
                server.wait_log(r"push: live/k -> .*retrying", 2, timeout=10)
                nginx = cu.Nginx.__new__(cu.Nginx)
                restart_nginx(nginx, work, int(push_url.rsplit(":", 1)[1].split("/")[0]))
                player = rt.Process("player", ru.player_cmd("ffmpeg", nginx.url("k"), out), work)
            server.wait_log(r"push: live/k -> .*: publishing", 1, timeout=15)
            rc = pub.wait(args.timeout)
            if rc != 0:
                raise rt.TestFailure("publisher exited %s\n%s" % (rc, pub.logs()))
            prc = player.wait(15)
            server.wait_log(r"push: live/k -> .*: ended", 1)
            if other and other.wait(args.timeout) != 0:
                raise rt.TestFailure("publisher of live/other failed\n%s" % other.logs())
            server.stop()
        finally:
            for pr in (player, pub, other):
                if pr:
                    pr.kill()
            if server:
                server.kill()
            nginx.stop()
        expected = ru.packets(fixture)
        start = None if args.case == "reconnect" else "first"
        problems = ou.check_player(expected, out, "ffmpeg via nginx", prc, player, expect_start=start)
        if args.case == "pattern":
            pushed = [l for l in open(nginx.log, errors="replace") if "publish: name=" in l]
            if len(pushed) != 1 or "name='k'" not in pushed[0]:
                problems.append("nginx publishes: %s, expected only live/k" % pushed)
            if "push: live/other" in server.log():
                problems.append("live/other was pushed despite --push-pattern")
        if problems:
            raise rt.TestFailure("(logs in %s)\n%s" % (work, "\n".join(problems)))

    rt.main_wrapper(run)


def restart_nginx(nginx, work, port):
    """Start nginx on a given port (the one --push points at)."""
    nginx.prefix = os.path.join(work, "nginx")
    nginx.log = os.path.join(nginx.prefix, "error.log")
    nginx.port = port
    conf = os.path.join(nginx.prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(cu.Nginx.CONF.format(prefix=nginx.prefix, module=cu.NGINX_MODULE, port=port, chunk=4096))
    nginx.proc = rt.Process("nginx2", ["nginx", "-p", nginx.prefix + "/", "-c", conf, "-e", nginx.log], work)
    cu.wait_listening(port, nginx.proc)
    time.sleep(0.1)


if __name__ == "__main__":
    main()
