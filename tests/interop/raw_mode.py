#!/usr/bin/env python3
"""rtmp-probe --raw while ffmpeg publishes a fixture: the audio/video message payloads must
equal the FLV tag bodies of the file byte for byte (type, timestamp, size, crc32), in order.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest as rt  # noqa: E402
from ffmpeg_publish import publish_cmd  # noqa: E402


def fmt(m):
    return "-" if m is None else " ".join(map(str, m))


def check(events, fixture, show=10):
    """Returns a list of problems (shared with selftest.py)."""
    expected = rt.flv_messages(rt.read_flv(fixture))
    av = [e for e in events if e["event"] == "message" and e.get("msg_type") in (8, 9)]
    got = [(e.get("msg_type"), e.get("ts"), e.get("size"), e.get("crc32")) for e in av]
    problems = rt.check_session_events(events, app="live", key="key")
    bad = [e for e in av if not (type(e.get("ts")) is int and type(e.get("size")) is int
                                 and isinstance(e.get("crc32"), str) and len(e["crc32"]) == 8)]
    if bad:
        problems.append("%d message events with wrong JSON types (want integer ts/size and an "
                        "8-digit hex crc32), first: %s" % (len(bad), bad[:3]))
    ids = sorted({e.get("stream_id") for e in av}, key=str)
    if len(ids) > 1 or (ids and not ids[0]):
        problems.append("audio/video messages should all be on one non-zero stream id, got %s" % ids)
    rows = rt.diff_rows(expected, got)
    if rows:
        lines = ["%d audio/video tags in the file, %d messages from rtmp-probe, %d differ; first %d:"
                 % (len(expected), len(got), len(rows), min(show, len(rows))),
                 "    %5s %5s  %-36s %-36s" % ("#tag", "#msg", "FLV tag (type ts size crc32)", "rtmp-probe message")]
        for i, j, e, g in rows[:show]:
            lines.append("    %5s %5s  %-36s %-36s" % (i, j, fmt(e), fmt(g)))
        problems.append("\n".join(lines))
    return problems


def main():
    p = rt.arg_parser(__doc__)
    p.add_argument("--fixture", default="h264_high_aac")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        fixture = rt.fixture_path(args.fixtures, args.fixture)
        work = rt.work_dir(args, "raw_mode." + args.fixture)
        events = rt.run_session(args.probe, ["--raw"], publish_cmd(fixture), work, args.timeout)
        problems = check(events, fixture)
        if problems:
            raise rt.TestFailure("%s (logs in %s)\n%s" % (args.fixture, work, "\n".join(problems)))
        n = len([e for e in events if e["event"] == "message" and e.get("msg_type") in (8, 9)])
        print("%s: %d audio/video messages identical to the FLV tag bodies" % (args.fixture, n))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
