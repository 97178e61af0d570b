"""Enhanced RTMP fixtures and references, shared by the enhanced_*.py tests.

Sources: MP4 files made by Debian's FFmpeg 5.1 (libx265, libaom-av1, libsvtav1, libvpx-vp9,
libx264, libopus, flac, ac3, eac3, aac, libmp3lame). FFmpeg 5.1 cannot put these codecs in
FLV, so rtmp-mux (rtmpcxx's own Muxer + FlvWriter) writes the Enhanced FLV fixtures.

Reference: `ffprobe -show_packets` of the source MP4s, turned into what the FLV must carry:
per track (video/audio, track id), in order, dts/pts in ms (the stream time base rescaled
with FFmpeg's rounding, half away from zero, then one offset for the whole file so the
earliest dts is 0), key flag (video), size and CRC-32 of the bytes (read from the MP4 at
the packet's pos). Track ids count from 0 per media type over the inputs in order.
"""

import collections
import hashlib
import json
import os
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest  # noqa: E402
from rtmptest import TestFailure  # noqa: E402

DUR = 2
EXACT = ["-threads", "1", "-fflags", "+bitexact", "-flags", "+bitexact"]

# One media packet of one track: times in ms, crc as 8 hex digits, nano = ModEx
# TimestampOffsetNano (None without one).
Frame = collections.namedtuple("Frame", "dts pts key size crc nano", defaults=(None,))


def testsrc(size="320x240", rate=25):
    return ["-f", "lavfi", "-i", "testsrc2=size=%s:rate=%d:duration=%d" % (size, rate, DUR)]


def sine(rate=48000, freq=440):
    src = "sine=frequency=%d:sample_rate=%d:duration=%d" % (freq, rate, DUR)
    return ["-f", "lavfi", "-i", src]


X265 = ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
        "-x265-params", "log-level=error:keyint=25:min-keyint=25:bframes=3:b-adapt=0:frame-threads=1:pools=none"]
AOM = ["-c:v", "libaom-av1", "-cpu-used", "8", "-row-mt", "0", "-g", "25", "-b:v", "200k"]
SVT = ["-c:v", "libsvtav1", "-preset", "12", "-g", "25"]
VP9 = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "25", "-b:v", "200k"]
# One B-frame: B-frames get composition time 0 (CodedFramesX), the others do not.
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-bf", "1", "-x264-params", "b-adapt=0", "-g", "25"]

# MP4 sources: name -> ffmpeg arguments (inputs + codecs). Each is encoded once per build
# tree (regenerated when the command line or `ffmpeg -version` changes).
SOURCES = {
    "hevc_opus": testsrc() + sine() + X265 + ["-c:a", "libopus", "-b:a", "64k"],
    "av1_flac": testsrc() + sine(44100) + AOM + ["-c:a", "flac", "-strict", "-2"],
    "vp9_ac3": testsrc() + sine() + VP9 + ["-c:a", "ac3", "-b:a", "192k", "-ac", "6"],
    "svtav1_eac3": testsrc() + sine() + SVT + ["-c:a", "eac3", "-b:a", "128k", "-ac", "2"],
    "hevc_aac": testsrc() + sine() + X265 + ["-c:a", "aac", "-b:a", "96k"],
    "avc_mp3": testsrc() + sine(44100) + X264 + ["-c:a", "libmp3lame", "-b:a", "96k"],
    # Multitrack ingredients: one track each, same frame rate and GOP.
    "mt_hevc": testsrc("640x360") + X265 + ["-an"],
    "mt_av1": testsrc("480x270") + AOM + ["-an"],
    "mt_vp9": testsrc("320x180") + VP9 + ["-an"],
    "mt_hevc_small": testsrc("320x180") + X265 + ["-an"],
    "mt_avc": testsrc("640x360") + X264 + ["-an"],
    "mt_opus": sine(48000, 440) + ["-vn", "-c:a", "libopus", "-b:a", "64k", "-ac", "2"],
    "mt_aac": sine(48000, 880) + ["-vn", "-c:a", "aac", "-b:a", "96k"],
}
# Encoders a source needs: a source whose encoder is missing is skipped (not failed).
NEEDS = {
    "hevc_opus": ["libx265", "libopus"], "av1_flac": ["libaom-av1", "flac"],
    "vp9_ac3": ["libvpx-vp9", "ac3"], "svtav1_eac3": ["libsvtav1", "eac3"],
    "hevc_aac": ["libx265", "aac"], "avc_mp3": ["libx264", "libmp3lame"],
    "mt_hevc": ["libx265"], "mt_av1": ["libaom-av1"], "mt_vp9": ["libvpx-vp9"],
    "mt_opus": ["libopus"], "mt_aac": ["aac"], "mt_hevc_small": ["libx265"],
    "mt_avc": ["libx264"],
}

# Enhanced FLV fixtures: name -> (sources in order, rtmp-mux options, what it exercises).
FIXTURES = {
    "hevc_opus": (["hevc_opus"], ["--color-info"],
                  "hvc1 with B-frames (SI24 composition time), Opus, colorInfo Metadata"),
    "av1_flac": (["av1_flac"], [], "av01, fLaC"),
    "vp9_ac3": (["vp9_ac3"], ["--channel-config"], "vp09, ac-3 5.1 with MultichannelConfig"),
    "svtav1_eac3": (["svtav1_eac3"], [], "av01 from SVT-AV1, ec-3"),
    "hevc_legacy_aac": (["hevc_aac"], ["--legacy-hevc"], "HEVC with legacy codec id 12, AAC"),
    "avc_mp3_fourcc": (["avc_mp3"], ["--fourcc-all", "--coded-frames-x"],
                       "avc1 (CodedFrames + CodedFramesX), .mp3"),
    "multitrack_3v2a": (["mt_hevc", "mt_av1", "mt_vp9", "mt_opus", "mt_aac"], [],
                        "3 video + 2 audio tracks, OneTrack messages"),
    "multitrack_packed": (["mt_hevc", "mt_av1", "mt_vp9", "mt_opus", "mt_aac"], ["--pack"],
                          "3 video + 2 audio tracks, ManyTracksManyCodecs messages"),
    "multitrack_abr_hevc": (["mt_hevc", "mt_hevc_small"], ["--pack"],
                            "2 HEVC tracks (an ABR ladder), ManyTracks messages"),
    # Default tracks a legacy player can decode (AVC + AAC), others it cannot (HEVC, Opus).
    "multitrack_avc_default": (["mt_avc", "mt_hevc", "mt_aac", "mt_opus"], [],
                               "avc1 + hvc1 video, mp4a + Opus audio: legacy-decodable track 0"),
    "av1_mpeg2ts_flac": (["av1_flac"], ["--av1-mpeg2ts"],
                         "av01 announced by MPEG2TSSequenceStart (AV1 video descriptor), fLaC"),
    "hevc_opus_nano": (["hevc_opus"], ["--nano-offsets"],
                       "ms floored + ModEx TimestampOffsetNano on every frame"),
}


def ffmpeg_encoders():
    r = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], stdout=subprocess.PIPE, check=True)
    names = set()
    for line in r.stdout.decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 6:
            names.add(parts[1])
    return names


def ffmpeg_version():
    r = subprocess.run(["ffmpeg", "-version"], stdout=subprocess.PIPE, check=True)
    return r.stdout.splitlines()[0].decode()


def fixture_dir(fixtures):
    path = os.path.join(fixtures, "enhanced")
    os.makedirs(path, exist_ok=True)
    return path


def source_path(fixtures, name):
    return os.path.join(fixture_dir(fixtures), name + ".mp4")


def flv_path(fixtures, name):
    return os.path.join(fixture_dir(fixtures), name + ".flv")


def available(fixtures, name):
    """True when the fixture's FLV was made (its encoders exist)."""
    return os.path.isfile(flv_path(fixtures, name))


def make_source(fixtures, name, version):
    path = source_path(fixtures, name)
    args = SOURCES[name]
    stamp = path + ".sha256"
    digest = hashlib.sha256((version + "\0" + "\0".join(args)).encode()).hexdigest()
    if os.path.isfile(path) and os.path.isfile(stamp):
        with open(stamp) as f:
            if f.read().strip() == digest:
                return path
    tmp = path + ".tmp.mp4"
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + args + EXACT + [tmp]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise TestFailure("%s: ffmpeg failed:\n  %s\n%s" % (name, " ".join(cmd), r.stdout.decode(errors="replace")))
    os.replace(tmp, path)
    with open(stamp, "w") as f:
        f.write(digest + "\n")
    return path


# ---------------------------------------------------------------- references


def rescale_ms(t, tb_num, tb_den):
    """av_rescale_q(t, tb, 1/1000) with AV_ROUND_NEAR_INF."""
    num = t * tb_num * 1000
    q, r = divmod(abs(num), tb_den)
    if 2 * r >= tb_den:
        q += 1
    return q if num >= 0 else -q


def floor_ns(t, tb_num, tb_den):
    return (t * tb_num * 1000000000) // tb_den


def expected_tracks(sources, nano=False):
    """{(kind, track_id): [Frame]} and {(kind, track_id): codec_name} for the sources in order
    (paths), as rtmp-mux must write them. nano: as with --nano-offsets (ms floored, the
    decode time's remainder in ns as a ModEx offset)."""
    tracks, codecs, raw = {}, {}, []
    next_id = {"video": 0, "audio": 0}
    for path in sources:
        data = rtmptest.ffprobe_json(path, "-show_streams", "-show_packets")
        with open(path, "rb") as f:
            blob = f.read()
        ids = {}
        for s in data.get("streams", []):
            kind = s.get("codec_type")
            if kind not in next_id:
                continue
            ids[s["index"]] = (kind, next_id[kind], s)
            codecs[(kind, next_id[kind])] = s["codec_name"]
            next_id[kind] += 1
        for p in data.get("packets", []):
            if p["stream_index"] not in ids:
                continue
            kind, tid, s = ids[p["stream_index"]]
            num, den = (int(x) for x in s["time_base"].split("/"))
            pos, size = int(p["pos"]), int(p["size"])
            crc = "%08x" % (zlib.crc32(blob[pos:pos + size]) & 0xFFFFFFFF)
            ns = None
            if nano:
                dns = floor_ns(int(p["dts"]), num, den)
                dts, pts = dns // 1000000, floor_ns(int(p["pts"]), num, den) // 1000000
                ns = dns - dts * 1000000
            else:
                dts = rescale_ms(int(p["dts"]), num, den)
                pts = rescale_ms(int(p["pts"]), num, den)
            key = "K" in p.get("flags", "") if kind == "video" else True
            raw.append((kind, tid, dts, pts, key, size, crc, ns))
    offset = max(0, -min(r[2] for r in raw)) if raw else 0
    for kind, tid, dts, pts, key, size, crc, ns in raw:
        tracks.setdefault((kind, tid), []).append(Frame(dts + offset, pts + offset, key, size, crc, ns))
    return tracks, codecs


def dump(mux, flv, work=None):
    """rtmp-mux --dump FLV: the events rtmpcxx's FlvReader + Demuxer see."""
    r = subprocess.run([mux, "--dump", flv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise TestFailure("rtmp-mux --dump %s failed: %s" % (flv, r.stderr.decode(errors="replace")))
    return [json.loads(l) for l in r.stdout.decode().splitlines() if l.strip()]


def dumped_tracks(events):
    """{(kind, track_id): [Frame]} and {(kind, track_id): codec} from rtmp-mux --dump events."""
    tracks, codecs = {}, {}
    for e in events:
        if e["event"] == "video":
            tracks.setdefault(("video", e["track"]), []).append(
                Frame(e["dts"], e["pts"], e["key"], e["size"], e["crc32"], e.get("nano")))
            codecs.setdefault(("video", e["track"]), e["codec"])
        elif e["event"] == "audio":
            tracks.setdefault(("audio", e["track"]), []).append(
                Frame(e["ts"], e["ts"], True, e["size"], e["crc32"], e.get("nano")))
            codecs.setdefault(("audio", e["track"]), e["codec"])
    return tracks, codecs


# FFmpeg codec names -> rtmpcxx codec_name().
CODEC_NAMES = {"hevc": "h265", "h264": "h264", "av1": "av1", "vp9": "vp9", "opus": "opus",
               "flac": "flac", "ac3": "ac3", "eac3": "eac3", "aac": "aac", "mp3": "mp3"}


def compare(expected, actual, exp_name="source", act_name="flv", show=8):
    """Per-track frame lists; returns problems (empty = frame-exact)."""
    problems = []
    for key in sorted(set(expected) | set(actual)):
        exp, act = expected.get(key, []), actual.get(key, [])
        if exp == act:
            continue
        rows = rtmptest.diff_rows(exp, act)
        lines = ["%s track %d: %d frames in %s, %d in %s, %d rows differ; first %d:"
                 % (key[0], key[1], len(exp), exp_name, len(act), act_name, len(rows), min(show, len(rows)))]
        for i, j, e, a in rows[:show]:
            lines.append("    %5s %5s  %-60s %s" % (i, j, e, a))
        problems.append("\n".join(lines))
    return problems


def check_codecs(expected_codecs, actual_codecs):
    want = {k: CODEC_NAMES.get(v, v) for k, v in expected_codecs.items()}
    if want != actual_codecs:
        return ["codecs per track: expected %s, got %s" % (sorted(want.items()), sorted(actual_codecs.items()))]
    return []


def fixture_reference(fixtures, name):
    srcs, opts, _ = FIXTURES[name]
    return expected_tracks([source_path(fixtures, s) for s in srcs], nano="--nano-offsets" in opts)


def check_flv_against_sources(mux, fixtures, name, flv, label):
    """Demux `flv` with rtmp-mux --dump and compare it to the fixture's sources."""
    expected, exp_codecs = fixture_reference(fixtures, name)
    events = dump(mux, flv)
    actual, act_codecs = dumped_tracks(events)
    problems = compare(expected, actual, "ffprobe(mp4)", label)
    problems += check_codecs(exp_codecs, act_codecs)
    summary = [e for e in events if e["event"] == "summary"]
    if summary and summary[0]["dropped"]:
        problems.append("%s: the demuxer dropped %d messages" % (label, summary[0]["dropped"]))
    return problems, events
