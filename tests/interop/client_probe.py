#!/usr/bin/env python3
"""rtmp-publish against rtmpcxx's own server (rtmp-probe --listen --demux): every event must
match the fixture exactly as in ffmpeg_publish.py (ffprobe packet lists per track, NAL unit
counts, codec events, onMetaData, one connect/publish before media, one disconnect last).
With --mux, `rtmp-mux --dump` of the fixture must print the same codec/video/audio lines
(every field, docs/json-lines.md) as rtmp-probe printed for the published stream.
With --publish-args "--via-demux" the file goes out through Client::send_codec/send_video/
send_audio (Demuxer -> Muxer) instead of as raw tags.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_util as cu  # noqa: E402
import ffmpeg_publish  # noqa: E402
import rtmptest as rt  # noqa: E402


def main():
    p = cu.arg_parser(__doc__)
    p.add_argument("--fixture", required=True)
    p.add_argument("--publish-args", default="", help="extra rtmp-publish arguments, space separated")
    p.add_argument("--mux", default="", help="path to rtmp-mux (compare its --dump lines)")
    args = p.parse_args()
    rt.require_tools("ffprobe")
    extra = args.publish_args.split()

    def run():
        fixture = rt.fixture_path(args.fixtures, args.fixture)
        work = rt.work_dir(args, "client_probe.%s%s" % (args.fixture, "".join(extra).replace("-", ".")))
        cmd = lambda port: [args.publish, fixture, "rtmp://127.0.0.1:%d/live/key" % port] + extra  # noqa: E731
        events = rt.run_session(args.probe, ["--demux"], cmd, work, args.timeout)
        problems = ffmpeg_publish.check(events, fixture)
        if args.mux:
            problems += rt.compare_media_lines(events, rt.mux_dump(args.mux, fixture, work))
        if problems:
            raise rt.TestFailure("%s (logs in %s)\n%s" % (args.fixture, work, "\n".join(problems)))
        n = rt.probe_packets(events)
        print("%s: rtmp-publish %s-> rtmp-probe: %d video, %d audio events identical%s"
              % (args.fixture, " ".join(extra) + " " if extra else "", len(n["video"]), len(n["audio"]),
                 ", and to rtmp-mux --dump's" if args.mux else ""))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
