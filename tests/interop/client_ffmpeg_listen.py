#!/usr/bin/env python3
"""rtmp-publish against FFmpeg as a server: `ffmpeg -listen 1 -i rtmp://127.0.0.1:PORT/live/x
-c copy -copyts out.flv`. ffprobe's packet list of out.flv (per track: dts, pts, key, size)
must equal the fixture's: the fixture is delivered frame-exactly.

FFmpeg's listen mode accepts at most one Set Chunk Size before connect and answers
releaseStream/FCPublish/createStream/publish itself; it cannot report the port it got, so the
test picks a free one and watches /proc/net/tcp for the listening socket.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_util as cu  # noqa: E402
import rtmptest as rt  # noqa: E402


def main():
    p = cu.arg_parser(__doc__)
    p.add_argument("--fixture", required=True)
    p.add_argument("--publish-args", default="", help="extra rtmp-publish arguments, space separated")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")
    extra = args.publish_args.split()

    def run():
        fixture = rt.fixture_path(args.fixtures, args.fixture)
        name = "client_ffmpeg_listen.%s%s" % (args.fixture, "".join(extra).replace("-", "."))
        work = rt.work_dir(args, name)
        out = os.path.join(work, "out.flv")
        for attempt in range(3):  # the free port can be taken before ffmpeg binds it
            port = cu.free_port()
            url = "rtmp://127.0.0.1:%d/live/x" % port
            server = rt.Process("ffmpeg_listen", ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                                                  "-listen", "1", "-i", url, "-c", "copy", "-copyts",
                                                  "-f", "flv", "-y", out], work)
            try:
                cu.wait_listening(port, server)
                break
            except rt.TestFailure:
                server.kill()
                if attempt == 2:
                    raise
        pub = None
        try:
            pub = rt.Process("rtmp-publish", [args.publish, fixture, url] + extra, work)
            cu.wait_ok(pub, args.timeout, "rtmp-publish")
            cu.wait_ok(server, 15, "ffmpeg -listen")
        finally:
            if pub:
                pub.kill()
            server.kill()
        print("%s: rtmp-publish %s-> ffmpeg -listen: %s"
              % (args.fixture, " ".join(extra) + " " if extra else "", cu.compare_flv(fixture, out, "ffmpeg")))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
