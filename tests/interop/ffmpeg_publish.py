#!/usr/bin/env python3
"""ffmpeg publishes a fixture to rtmp-probe; every audio/video packet must match ffprobe's list.

Compared per track and in order: dts, pts, key flag, size (zero differences allowed); plus
the NAL unit count of each AVC frame and the sequence-header sizes (from the FLV tags), the
codec names (from ffprobe), the onMetaData object, and the connect/publish/disconnect events.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest as rt  # noqa: E402


def publish_cmd(fixture):
    # -copyts keeps the file's timestamps on the wire; without it ffmpeg rebases a stream
    # that does not start at 0 (ts_over_2p24 would start at 0 and test nothing).
    return lambda port: ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-copyts",
                         "-i", fixture, "-c", "copy", "-f", "flv", "rtmp://127.0.0.1:%d/live/key" % port]


def check(events, fixture):
    """All the checks of this test; returns a list of problems (shared with selftest.py)."""
    problems = rt.check_session_events(events, app="live", key="key")
    problems += rt.check_media(events, fixture)
    tags = rt.read_flv(fixture)
    meta = [e for e in events if e["event"] == "metadata"]
    if len(meta) != 1:
        problems.append("expected one metadata event, got %d" % len(meta))
    else:
        # duration/filesize are rewritten in the file's trailer; a live stream sends 0
        problems += rt.compare_metadata(rt.flv_metadata(tags), meta[0].get("data"))
    return problems


def main():
    p = rt.arg_parser(__doc__)
    p.add_argument("--fixture", required=True)
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = rt.fixture_path(args.fixtures, args.fixture)
        work = rt.work_dir(args, "ffmpeg_publish." + args.fixture)
        events = rt.run_session(args.probe, ["--demux"], publish_cmd(fixture), work, args.timeout)
        problems = check(events, fixture)
        if problems:
            raise rt.TestFailure("%s (logs in %s)\n%s" % (args.fixture, work, "\n".join(problems)))
        n = rt.probe_packets(events)
        print("%s: %d video, %d audio packets identical" % (args.fixture, len(n["video"]), len(n["audio"])))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
