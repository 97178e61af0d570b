#!/usr/bin/env python3
"""Generate the interop FLV fixtures with deterministic ffmpeg command lines.

Each fixture is ~3 s of lavfi testsrc2/sine. A fixture is regenerated only when it is
missing or the hash of its command line (plus the ffmpeg version) changed. After encoding,
each fixture is checked for the property it exists to exercise.
"""

import argparse
import hashlib
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest  # noqa: E402

DUR = 3
# Output options that make ffmpeg/x264 output reproducible byte for byte.
EXACT = ["-threads", "1", "-fflags", "+bitexact", "-flags", "+bitexact"]


def video(size, rate, extra_filter=""):
    return ["-f", "lavfi", "-i", "testsrc2=size=%s:rate=%d:duration=%d%s" % (size, rate, DUR, extra_filter)]


def sine(rate):
    return ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=%d:duration=%d" % (rate, DUR)]


X264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
# b-adapt=0 makes x264 always use the full B-frame budget, so composition offsets vary.
HIGH_BF3 = X264 + ["-profile:v", "high", "-bf", "3", "-x264-params", "b-adapt=0", "-g", "60"]
AAC = ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]

FIXTURES = {
    # 1. H.264 High with B-frames (negative/positive composition offsets) + AAC 48 kHz
    "h264_high_aac": video("640x360", 30) + sine(48000) + HIGH_BF3 + AAC,
    # 2. H.264 Baseline (no B-frames, cts = 0) + AAC 44.1 kHz, 25 fps
    "h264_baseline_aac": video("640x360", 25) + sine(44100)
    + X264 + ["-profile:v", "baseline", "-g", "50"] + AAC,
    # 3. audio only, MP3 (FLV allows 44.1/22.05/11.025 kHz for MP3)
    "mp3_only": sine(44100) + ["-c:a", "libmp3lame", "-b:a", "128k"],
    # 4. audio only, AAC
    "aac_only": sine(44100) + AAC,
    # 5. video only, H.264 Main with 2 B-frames
    "h264_only": video("320x240", 25) + X264
    + ["-profile:v", "main", "-bf", "2", "-x264-params", "b-adapt=0", "-g", "25"],
    # 6. 20 Mb/s, keyframes > 500 KB: static spatial noise is expensive to intra-code and
    #    cheap to predict, and ipratio=4 gives I-frames the bits (messages >> chunk size).
    "h264_20mbit": video("1280x720", 30, ",noise=alls=60:allf=u") + X264
    + ["-profile:v", "high", "-b:v", "20M", "-minrate", "20M", "-maxrate", "20M", "-bufsize", "40M",
       "-x264-params", "keyint=30:min-keyint=30:scenecut=0:ipratio=4"],
    # 7. timestamps past 2^24 ms (16777.216 s): the extended timestamp field is in use
    "ts_over_2p24": video("640x360", 30) + sine(48000) + HIGH_BF3 + AAC
    + ["-output_ts_offset", "16800"],
}


def check_fixture(name, path):
    """The property each fixture exists for; a failure means the command line needs fixing."""
    pk = rtmptest.ffprobe_packets(path)
    v, a = pk["video"], pk["audio"]
    want_video = name not in ("mp3_only", "aac_only")
    want_audio = name != "h264_only" and name != "h264_20mbit"
    if bool(v) != want_video or bool(a) != want_audio:
        return "tracks: %d video, %d audio packets" % (len(v), len(a))
    if name in ("h264_high_aac", "h264_only", "ts_over_2p24") and all(p.pts == p.dts for p in v):
        return "no B-frames (pts always equals dts)"
    if name == "h264_baseline_aac" and any(p.pts != p.dts for p in v):
        return "baseline stream has composition offsets"
    if name == "h264_20mbit" and not any(p.key and p.size > 500000 for p in v):
        return "no keyframe larger than 500 KB: %s" % [p.size for p in v if p.key]
    if name == "ts_over_2p24" and min(p.dts for p in v + a) <= 1 << 24:
        return "timestamps do not start past 2^24 ms"
    return None


def ffmpeg_version():
    r = subprocess.run(["ffmpeg", "-version"], stdout=subprocess.PIPE, check=True)
    return r.stdout.splitlines()[0].decode()


def generate(out_dir, name, args, version):
    path = os.path.join(out_dir, name + ".flv")
    stamp = path + ".sha256"
    digest = hashlib.sha256((version + "\0" + "\0".join(args)).encode()).hexdigest()
    if os.path.isfile(path) and os.path.isfile(stamp):
        with open(stamp) as f:
            if f.read().strip() == digest:
                print("%-18s up to date" % name)
                return True
    tmp = os.path.join(out_dir, name + ".tmp.flv")
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + args + EXACT
    cmd += ["-f", "flv", tmp]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        print("%s: ffmpeg failed:\n  %s\n%s" % (name, " ".join(cmd), r.stdout.decode(errors="replace")))
        return False
    try:
        problem = check_fixture(name, tmp)
    except rtmptest.TestFailure as e:
        problem = str(e)
    if problem:
        print("%s: fixture check failed: %s\n  %s" % (name, problem, " ".join(cmd)))
        return False
    os.replace(tmp, path)
    with open(stamp, "w") as f:
        f.write(digest + "\n")
    print("%-18s generated (%d bytes)" % (name, os.path.getsize(path)))
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--list", action="store_true", help="print fixture names and exit")
    p.add_argument("names", nargs="*", help="fixtures to generate (default: all)")
    args = p.parse_args()
    if args.list:
        print("\n".join(FIXTURES))
        return 0
    rtmptest.require_tools("ffmpeg", "ffprobe")
    os.makedirs(args.out, exist_ok=True)
    version = ffmpeg_version()
    unknown = [n for n in args.names if n not in FIXTURES]
    if unknown:
        print("unknown fixtures: %s" % unknown)
        return 2
    ok = all([generate(args.out, n, FIXTURES[n], version) for n in (args.names or FIXTURES)])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
