#!/usr/bin/env python3
"""Self-test of the comparison logic, without rtmp-probe.

For each fixture, synthesizes the event stream a correct rtmp-probe would print (from
ffprobe's packet list and the FLV tags) and requires zero problems; then applies one
deliberate alteration at a time and requires each to be reported.
"""

import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest as rt  # noqa: E402
import ffmpeg_publish  # noqa: E402
import raw_mode  # noqa: E402
from fixtures import FIXTURES  # noqa: E402


def synth_demux(fixture):
    tags = rt.read_flv(fixture)
    info = rt.flv_media_info(tags)
    streams = rt.ffprobe_streams(fixture)
    meta = dict(rt.flv_metadata(tags), duration=0, filesize=0, encoder="Lavf59.27.100")
    ev = [{"v": 1, "event": "connect", "app": "live", "tcUrl": "rtmp://127.0.0.1:1/live"},
          {"v": 1, "event": "publish", "key": "key"}, {"v": 1, "event": "metadata", "data": meta}]
    for track, size in info["configs"]:
        ev.append({"v": 1, "event": "codec", "type": track, "track": 0, "codec": streams[track]["codec_name"],
                   "config_size": size})
    if "audio" in streams and streams["audio"]["codec_name"] == "mp3":
        ev.append({"v": 1, "event": "codec", "type": "audio", "track": 0, "codec": "mp3", "config_size": 0})
    pk = rt.ffprobe_packets(fixture)
    for p, n in zip(pk["video"], info["nalus"]):
        ev.append({"v": 1, "event": "video", "type": "video", "track": 0, "dts": p.dts, "pts": p.pts, "key": p.key, "size": p.size, "nalus": n})
    for p in pk["audio"]:
        ev.append({"v": 1, "event": "audio", "type": "audio", "track": 0, "dts": p.dts, "pts": p.dts,
                   "ts": p.dts, "key": True, "size": p.size})
    ev.append({"v": 1, "event": "disconnect", "reason": "closed by peer"})
    return ev


def synth_raw(fixture):
    ev = [{"v": 1, "event": "connect", "app": "live", "tcUrl": "rtmp://127.0.0.1:1/live"},
          {"v": 1, "event": "publish", "key": "key"},
          {"v": 1, "event": "message", "msg_type": 20, "ts": 0, "stream_id": 0, "size": 100, "crc32": "00000000"}]
    for t, ts, size, crc in rt.flv_messages(rt.read_flv(fixture)):
        ev.append({"v": 1, "event": "message", "msg_type": t, "ts": ts, "stream_id": 1, "size": size, "crc32": crc})
    ev.append({"v": 1, "event": "disconnect", "reason": "closed by peer"})
    return ev


def nth(events, kind, n=0):
    return [e for e in events if e["event"] == kind][n]


def alterations(ev):
    """(description, mutate(events)) pairs; each must make the check report a problem."""
    has_video = any(e["event"] == "video" for e in ev)
    has_audio = any(e["event"] == "audio" for e in ev)
    out = []

    def add(desc, fn):
        out.append((desc, fn))

    add("second disconnect", lambda e: e.append({"v": 1, "event": "disconnect", "reason": "x"}))
    add("disconnect not last", lambda e: e.insert(-1, e.pop()))
    add("no disconnect", lambda e: e.pop())
    add("app wrong", lambda e: nth(e, "connect").update(app="lives"))
    add("key wrong", lambda e: nth(e, "publish").update(key="ke"))
    add("publish after media", lambda e: e.insert(-1, e.pop(1)))
    add("metadata value changed", lambda e: bump_metadata(nth(e, "metadata")["data"]))
    add("metadata missing", lambda e: e.remove(nth(e, "metadata")))
    add("codec name wrong", lambda e: nth(e, "codec").update(codec="opus"))
    add("codec event missing", lambda e: e.remove(nth(e, "codec")))
    add("codec event repeated", lambda e: e.insert(-1, dict(nth(e, "codec"))))
    if has_audio:
        add("audio size +1", lambda e: nth(e, "audio", 7).update(size=nth(e, "audio", 7)["size"] + 1))
        add("audio packet dropped", lambda e: e.remove(nth(e, "audio", 10)))
        add("audio dts and pts changed (mod 2^24 past it)",
            lambda e: nth(e, "audio", 0).update(dts=wrong_ts(nth(e, "audio", 0)["dts"]),
                                                pts=wrong_ts(nth(e, "audio", 0)["pts"])))
        add("audio key false", lambda e: nth(e, "audio", 1).update(key=False))
        add("extra audio packet", lambda e: e.insert(-1, dict(nth(e, "audio", 3))))
    if has_video:
        add("video size -1", lambda e: nth(e, "video", 40).update(size=nth(e, "video", 40)["size"] - 1))
        add("video key flipped", lambda e: nth(e, "video", 31).update(key=not nth(e, "video", 31)["key"]))
        add("video pts +1", lambda e: nth(e, "video", 6).update(pts=nth(e, "video", 6)["pts"] + 1))
        add("video dts +1", lambda e: nth(e, "video", 5).update(dts=nth(e, "video", 5)["dts"] + 1))
        add("video nalus +1", lambda e: nth(e, "video", 2).update(nalus=nth(e, "video", 2)["nalus"] + 1))
        add("video frames swapped", lambda e: swap(e, "video", 3, 4))
        add("avcC size wrong", lambda e: nth(e, "codec").update(config_size=nth(e, "codec")["config_size"] + 1))
        add("video key is a string", lambda e: nth(e, "video", 0).update(key="true"))
        add("video key is 1", lambda e: nth(e, "video", 0).update(key=1))
        add("video dts is a float", lambda e: nth(e, "video", 0).update(dts=nth(e, "video", 0)["dts"] + 0.0))
        add("video dts mod 2^24 past it", lambda e: nth(e, "video", 9).update(dts=wrong_ts(nth(e, "video", 9)["dts"])))
    return out


def bump_metadata(data):
    k = "width" if "width" in data else "audiosamplerate"
    data[k] += 1


def wrong_ts(ts):
    return ts & 0xFFFFFF if ts >= 1 << 24 else ts + 1


def swap(events, kind, i, j):
    idx = [k for k, e in enumerate(events) if e["event"] == kind]
    events[idx[i]], events[idx[j]] = events[idx[j]], events[idx[i]]


def upper_crc(events):
    m = next(m for m in events if m["event"] == "message" and m["crc32"] != m["crc32"].upper())
    m["crc32"] = m["crc32"].upper()


def raw_alterations():
    return [
        ("crc changed", lambda e: nth(e, "message", 5).update(crc32="%08x" % (int(nth(e, "message", 5)["crc32"], 16) ^ 1))),
        ("message dropped", lambda e: e.remove(nth(e, "message", 9))),
        ("messages swapped", lambda e: swap(e, "message", 3, 4)),
        ("timestamp changed", lambda e: nth(e, "message", 20).update(ts=nth(e, "message", 20)["ts"] + 1)),
        ("crc uppercase", upper_crc),
        ("ts is a float", lambda e: nth(e, "message", 7).update(ts=nth(e, "message", 7)["ts"] + 0.0)),
        ("no disconnect", lambda e: e.pop()),
        ("stream id differs", lambda e: nth(e, "message", 20).update(stream_id=2)),
    ]


def main():
    p = rt.arg_parser(__doc__)
    args = p.parse_args()
    rt.require_tools("ffprobe")

    def run():
        failures = []
        for name in FIXTURES:
            fixture = rt.fixture_path(args.fixtures, name)
            base = synth_demux(fixture)
            problems = ffmpeg_publish.check(base, fixture)
            if problems:
                failures.append("%s: faithful synthesized events reported:\n%s" % (name, "\n".join(problems)))
            for desc, fn in alterations(base):
                ev = copy.deepcopy(base)
                fn(ev)
                problems = ffmpeg_publish.check(ev, fixture)
                if not problems:
                    failures.append("%s: alteration not detected: %s" % (name, desc))
                elif name == "h264_high_aac":
                    print("--- %s: %s ->\n%s" % (name, desc, "\n".join(problems)))
            raw = synth_raw(fixture)
            problems = raw_mode.check(raw, fixture)
            if problems:
                failures.append("%s: faithful raw events reported:\n%s" % (name, "\n".join(problems)))
            for desc, fn in raw_alterations():
                ev = copy.deepcopy(raw)
                fn(ev)
                problems = raw_mode.check(ev, fixture)
                if not problems:
                    failures.append("%s: raw alteration not detected: %s" % (name, desc))
                elif name == "h264_high_aac":
                    print("--- %s raw: %s ->\n%s" % (name, desc, "\n".join(problems)))
        if failures:
            raise rt.TestFailure("\n".join(failures))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
