#!/usr/bin/env python3
"""Enhanced RTMP fixtures: encode the MP4 sources with FFmpeg 5.1, write the Enhanced FLV
files with rtmp-mux, and check each FLV by demuxing it with rtmpcxx (rtmp-mux --dump)
against `ffprobe -show_packets` of its sources: per track, frame count, and per frame dts,
pts, key flag, size and CRC-32 of the bytes; the codec of every track; plus the property the
fixture exists for (B-frames, legacy codec id 12, packed multitrack messages, ...).

A fixture whose encoders are missing is skipped; exit 77 when none could be made.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import enhanced_util as eu  # noqa: E402
import rtmptest  # noqa: E402
from rtmptest import TestFailure  # noqa: E402


def first_video_byte(flv):
    for t in rtmptest.read_flv(flv):
        if t.type == 9 and t.body:
            return t.body[0]
    return None


def property_problems(name, events, flv):
    """What the fixture exists to exercise."""
    kinds = [e["event"] for e in events]
    video = [e for e in events if e["event"] == "video"]
    codecs = [e for e in events if e["event"] == "codec"]
    summary = [e for e in events if e["event"] == "summary"][0]
    if name in ("hevc_opus", "hevc_legacy_aac") and all(e["dts"] == e["pts"] for e in video):
        return "no B-frames (pts == dts everywhere)"
    if name == "hevc_opus" and "video_metadata" not in kinds:
        return "no colorInfo Metadata packet"
    if name == "hevc_legacy_aac":
        b = first_video_byte(flv)
        if b is None or b & 0x80 or b & 0x0F != 12:
            return "first video tag byte 0x%02x is not a legacy codec id 12 header" % (b or 0)
        if any(c["enhanced"] for c in codecs):
            return "a codec came with an Enhanced header"
    if name == "vp9_ac3":
        cc = [e for e in events if e["event"] == "channel_config"]
        if not cc or cc[0]["channels"] != 6 or cc[0]["order"] != 1:
            return "no native-order 6-channel MultichannelConfig: %s" % cc
    if name == "avc_mp3_fourcc":
        if not all(c["enhanced"] for c in codecs):
            return "avc1/.mp3 not sent with FourCC headers"
        if not any(e["coded_frames_x"] for e in video) or all(e["coded_frames_x"] for e in video):
            return "expected both CodedFrames and CodedFramesX packets"
    if name == "av1_mpeg2ts_flac":
        v = [c for c in codecs if c["type"] == "video"]
        if len(v) != 1 or not v[0]["mpeg2ts"] or v[0]["config_size"] != 6:
            return "expected one MPEG2TSSequenceStart with a 6-byte descriptor: %s" % v
    if name == "hevc_opus_nano":
        frames = [e for e in events if e["event"] in ("video", "audio")]
        if any(e.get("nano") is None for e in frames) or all(e["nano"] == 0 for e in frames):
            return "expected a ModEx nano offset on every frame, some non-zero"
    modes = {e["multitrack"] for e in events if "multitrack" in e}
    if name == "multitrack_abr_hevc":
        if {e["track"] for e in video} != {0, 1} or "many_tracks" not in modes:
            return "expected 2 video tracks and ManyTracks packets: %s" % modes
    elif name == "multitrack_avc_default":
        if [c["codec"] for c in codecs] != ["h264", "h265", "aac", "opus"]:
            return "codecs %s" % [c["codec"] for c in codecs]
    elif name.startswith("multitrack"):
        vt = {e["track"] for e in video}
        at = {e["track"] for e in events if e["event"] == "audio"}
        if vt != {0, 1, 2} or at != {0, 1}:
            return "tracks: video %s, audio %s" % (sorted(vt), sorted(at))
        if name == "multitrack_3v2a" and modes != {"one_track"}:
            return "multitrack modes %s, expected one_track only" % modes
        if name == "multitrack_packed":
            if summary["multitrack_messages"] == 0:
                return "no message carries several tracks"
            if "many_tracks_many_codecs" not in modes:
                return "no ManyTracksManyCodecs packet: %s" % modes
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--mux", required=True, help="path to rtmp-mux")
    p.add_argument("--fixtures", required=True, help="fixtures directory (enhanced/ inside)")
    p.add_argument("names", nargs="*", help="fixtures (default: all)")
    args = p.parse_args()
    rtmptest.require_tools("ffmpeg", "ffprobe")
    encoders = eu.ffmpeg_encoders()
    version = eu.ffmpeg_version()
    names = args.names or list(eu.FIXTURES)
    made, failed = 0, []
    for name in names:
        srcs, opts, what = eu.FIXTURES[name]
        missing = sorted({e for s in srcs for e in eu.NEEDS[s]} - encoders)
        out = eu.flv_path(args.fixtures, name)
        if missing:
            print("%-20s SKIP: encoders missing: %s" % (name, ", ".join(missing)))
            if os.path.exists(out):
                os.remove(out)
            continue
        try:
            paths = [eu.make_source(args.fixtures, s, version) for s in srcs]
            tmp = out + ".tmp"
            cmd = [args.mux, "-o", tmp] + opts + paths
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if r.returncode != 0:
                raise TestFailure("rtmp-mux failed: %s\n%s" % (" ".join(cmd), r.stdout.decode(errors="replace")))
            problems, events = eu.check_flv_against_sources(args.mux, args.fixtures, name, tmp, "rtmp-mux")
            prop = property_problems(name, events, tmp)
            if prop:
                problems.append("property: " + prop)
            if problems:
                raise TestFailure("\n".join(problems))
            os.replace(tmp, out)
            frames = sum(1 for e in events if e["event"] in ("video", "audio"))
            print("%-20s ok: %d frames frame-exact vs ffprobe; %s" % (name, frames, what))
            made += 1
        except TestFailure as e:
            print("%-20s FAIL: %s" % (name, e))
            failed.append(name)
    if failed:
        print("FAIL: %s" % ", ".join(failed))
        return 1
    if made == 0:
        print("SKIP: no fixture could be made")
        return rtmptest.SKIP
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
