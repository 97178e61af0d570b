#!/usr/bin/env python3
"""fMP4 muxer against FFmpeg: an FLV fixture goes through rtmpcxx's FlvReader + Demuxer +
rtmp::fmp4 (the fmp4-dump test program: init segment + one fragment per GOP) and
`ffprobe -show_packets -show_data_hash crc32` of the result must list, per track, exactly the
packets of the source: dts and pts (ms), key flag, size and CRC-32 of the bytes. The picture
size rtmpcxx read from the SPS / sequence header must be FFmpeg's, and the RFC 6381 codec
string must agree with the profile and level FFmpeg reports.

FFmpeg's key flags for H.264/HEVC/AV1 come from its bitstream parsers, not from the trun
sample flags, so the video track is also read by GStreamer's qtdemux (when gst-launch-1.0 is
installed), whose delta-unit flags are the trun flags: per buffer size and key flag must match.

Legacy fixtures (fixtures.py) are their own reference (FFmpeg reads FLV). Enhanced RTMP
fixtures (enhanced_fixtures.py: HEVC, AV1, Opus), which FFmpeg 5.1 cannot read from FLV, are
compared with ffprobe of the MP4 sources they were made from; tracks fmp4 does not carry
(FLAC, AC-3) are left out.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import enhanced_util as eu  # noqa: E402
import rtmptest  # noqa: E402
from rtmptest import TestFailure  # noqa: E402

ENHANCED = ("hevc_opus", "av1_flac", "vp9_ac3")


class Skip(Exception):
    """A fixture this run cannot have (its encoders are missing)."""


H264_PROFILES = {"Baseline": 66, "Constrained Baseline": 66, "Main": 77, "High": 100}


def probe(path):
    """{kind: [Frame]} (times in ms, rounded as FFmpeg does) and {kind: stream} of a file."""
    data = rtmptest.ffprobe_json(path, "-show_streams", "-show_packets", "-show_data_hash", "crc32")
    streams = {s["index"]: s for s in data.get("streams", []) if s.get("codec_type") in ("video", "audio")}
    tracks = {}
    for p in data.get("packets", []):
        s = streams.get(p["stream_index"])
        if s is None:
            continue
        num, den = (int(x) for x in s["time_base"].split("/"))
        kind = s["codec_type"]
        key = "K" in p.get("flags", "") if kind == "video" else True
        crc = p["data_hash"].split(":")[1]
        tracks.setdefault(kind, []).append(eu.Frame(
            eu.rescale_ms(int(p["dts"]), num, den), eu.rescale_ms(int(p["pts"]), num, den),
            key, int(p["size"]), crc))
    return tracks, {s["codec_type"]: s for s in streams.values()}


def reference(args, name):
    """What out.mp4 must hold: {kind: [Frame]}, {kind: ffprobe stream of the source}."""
    if name not in ENHANCED:
        return probe(rtmptest.fixture_path(args.fixtures, name))
    if not eu.available(args.fixtures, name):
        raise Skip("enhanced fixture %s not made (encoders missing?)" % name)
    expected, _ = eu.fixture_reference(args.fixtures, name)
    srcs = [eu.source_path(args.fixtures, s) for s in eu.FIXTURES[name][0]]
    streams = {}
    for path in srcs:
        for s in rtmptest.ffprobe_json(path, "-show_streams").get("streams", []):
            streams.setdefault(s["codec_type"], s)
    tracks = {}
    for (kind, tid), frames in expected.items():
        if tid == 0 and streams.get(kind, {}).get("codec_name") not in ("flac", "ac3"):
            tracks[kind] = [f._replace(nano=None) for f in frames]
    streams = {k: s for k, s in streams.items() if k in tracks}
    return tracks, streams


GST_BUFFER = re.compile(r"chain +\*+ \(fakesink0:sink\) \((\d+) bytes,.*flags: [0-9a-f]+ ([^,]*),")


def gst_video(path):
    """[(size, key)] of the first video track as GStreamer's qtdemux outputs it, or None
    without gst-launch-1.0."""
    if shutil.which("gst-launch-1.0") is None:
        return None
    cmd = ["gst-launch-1.0", "-v", "filesrc", "location=" + path, "!", "qtdemux", "name=d",
           "d.video_0", "!", "fakesink", "silent=false"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    if r.returncode != 0:
        raise TestFailure("gst-launch-1.0 failed:\n%s" % r.stdout.decode(errors="replace")[-2000:])
    return [(int(m.group(1)), "delta-unit" not in m.group(2))
            for m in GST_BUFFER.finditer(r.stdout.decode(errors="replace"))]


def check_codec_string(track, stream):
    """The codec string's profile/level fields against FFmpeg's reading of the stream."""
    cs, codec = track["codec_string"], track["codec"]
    if codec == "h264":
        want = "avc1.%02x" % H264_PROFILES[stream["profile"]]
        if not cs.startswith(want) or int(cs[-2:], 16) != stream["level"]:
            return "codec string %s vs ffprobe profile %s level %d" % (cs, stream["profile"], stream["level"])
    elif codec == "h265":
        idc = {"Main": 1, "Main 10": 2}[stream["profile"]]
        if not cs.startswith("hvc1.%d." % idc) or ".L%d" % stream["level"] not in cs:
            return "codec string %s vs ffprobe profile %s level %d" % (cs, stream["profile"], stream["level"])
    elif codec == "av1":
        if not cs.startswith("av01.0.") or not cs.endswith(".08"):
            return "codec string %s for 8-bit Main profile AV1" % cs
    elif codec == "vp9":
        if not cs.startswith("vp09.00.") or not cs.endswith(".08"):
            return "codec string %s for 8-bit profile 0 VP9" % cs
    elif codec == "aac":
        if stream["profile"] == "LC" and cs != "mp4a.40.2":
            return "codec string %s for AAC LC" % cs
    elif codec in ("mp3", "opus"):
        if cs != {"mp3": "mp4a.40.34", "opus": "opus"}[codec]:
            return "codec string %s for %s" % (cs, codec)
    return None


def run(args):
    rtmptest.require_tools("ffprobe")
    name = args.fixture
    work = rtmptest.work_dir(args, "fmp4." + name)
    src = eu.flv_path(args.fixtures, name) if name in ENHANCED else rtmptest.fixture_path(args.fixtures, name)
    expected, src_streams = reference(args, name)
    out = os.path.join(work, "out.mp4")
    r = subprocess.run([args.dump, src, out], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise TestFailure("fmp4-dump failed: %s" % r.stderr.decode(errors="replace"))
    summary = json.loads(r.stdout)
    actual, out_streams = probe(out)

    problems = []
    for kind in sorted(set(expected) | set(actual)):
        exp, act = expected.get(kind, []), actual.get(kind, [])
        if exp != act:
            rows = rtmptest.diff_rows(exp, act)
            problems.append("%s: %d packets in the source, %d in out.mp4, %d rows differ; first: %s"
                            % (kind, len(exp), len(act), len(rows), rows[:6]))
    tracks = {("video" if t["codec"] in ("h264", "h265", "av1", "vp9") else "audio"): t
              for t in summary["tracks"]}
    if set(tracks) != set(expected):
        problems.append("tracks written %s, source has %s" % (sorted(tracks), sorted(expected)))
    for kind, t in tracks.items():
        s = src_streams.get(kind)
        if s is None:
            continue
        if kind == "video" and (t.get("width"), t.get("height")) != (s["width"], s["height"]):
            problems.append("video size %sx%s, ffprobe says %dx%d"
                            % (t.get("width"), t.get("height"), s["width"], s["height"]))
        if kind == "video" and (out_streams["video"]["width"], out_streams["video"]["height"]) != (s["width"], s["height"]):
            problems.append("out.mp4 video size %dx%d" % (out_streams["video"]["width"], out_streams["video"]["height"]))
        problem = check_codec_string(t, s)
        if problem:
            problems.append(problem)
    gst = gst_video(out) if "video" in expected else None
    if gst is not None:
        want = [(f.size, f.key) for f in expected["video"]]
        if gst != want:
            rows = [(i, w, g) for i, (w, g) in enumerate(zip(want, gst)) if w != g]
            problems.append("qtdemux: %d video buffers, %d expected; (size, key) differ at %s"
                            % (len(gst), len(want), rows[:6]))
    if summary["fragments"] < 1:
        problems.append("no fragment written")
    if problems:
        raise TestFailure("\n".join(problems))
    frames = sum(len(v) for v in actual.values())
    print("PASS %s: %d packets in %d fragments frame-exact vs ffprobe%s; %s"
          % (name, frames, summary["fragments"], "" if gst is None else ", key flags vs qtdemux",
             ", ".join(t["codec_string"] for t in summary["tracks"])))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dump", required=True, help="path to fmp4-dump")
    p.add_argument("--fixtures", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--fixture", required=True)
    args = p.parse_args()
    try:
        run(args)
    except Skip as e:
        print("SKIP: %s" % e)
        return rtmptest.SKIP
    except TestFailure as e:
        print("FAIL: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
