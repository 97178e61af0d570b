#!/usr/bin/env python3
"""ts-dump muxes a fixture FLV into MPEG-TS; ffprobe must see the same packets in both.

Per track and in order: dts, pts (TS 90 kHz converted to ms), key flags; audio sizes too
(AAC: the TS packet is the raw frame plus its 7-byte ADTS header; MP3 unchanged). Video
sizes differ by the Annex B conversion, so video compares count, order, times and flags.
Also: the same codecs in both files, and `ffmpeg -v error -i out.ts -f null -` prints nothing.

--enhanced takes an Enhanced RTMP fixture (enhanced_fixtures.py: HEVC, FourCC AVC/MP3) that
FFmpeg 5.1 cannot read as FLV; the reference is then ffprobe of its MP4 sources. Tracks the
TS muxer does not carry (Opus, AV1, ...) and tracks other than 0 are left out on both sides.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest as rt  # noqa: E402

TS_CLOCK_PER_MS = 90
ADTS_HEADER = 7
CARRIED = ("h264", "hevc", "aac", "mp3")


def to_ms(value):
    # Round half up: the muxer writes ms * 90 exactly, so any residue is a real difference.
    return (int(value) + TS_CLOCK_PER_MS // 2) // TS_CLOCK_PER_MS


def ts_packets(path, audio_codec):
    data = rt.ffprobe_json(path, "-show_packets")
    tracks = {"video": [], "audio": []}
    for p in data.get("packets", []):
        kind = p.get("codec_type")
        if kind not in tracks:
            continue
        size = int(p["size"])
        if kind == "video":
            size = 0
        elif audio_codec == "aac":
            size -= ADTS_HEADER
        tracks[kind].append(rt.Packet(to_ms(p["dts"]), to_ms(p["pts"]), "K" in p.get("flags", ""), size))
    return tracks


def flv_reference(path):
    tracks = rt.ffprobe_packets(path)
    tracks["video"] = [p._replace(size=0) for p in tracks["video"]]
    return tracks, codecs(path)


def enhanced_reference(fixtures, name):
    import enhanced_util as eu
    sources = [eu.source_path(fixtures, s) for s in eu.FIXTURES[name][0]]
    frames, names = eu.expected_tracks(sources)
    tracks, carried = {"video": [], "audio": []}, {}
    for (kind, track_id), fs in frames.items():
        if track_id != 0 or names[(kind, track_id)] not in CARRIED:
            continue
        carried[kind] = names[(kind, track_id)]
        tracks[kind] = [rt.Packet(f.dts, f.pts, f.key, 0 if kind == "video" else f.size) for f in fs]
    return tracks, carried


def codecs(path):
    return {k: s.get("codec_name") for k, s in rt.ffprobe_streams(path).items()}


def check(expected, expected_codecs, ts):
    problems = []
    ts_codecs = codecs(ts)
    if expected_codecs != ts_codecs:
        problems.append("codecs: expected %s, ts %s" % (expected_codecs, ts_codecs))
    if not expected["video"] and not expected["audio"]:
        problems.append("the reference has no packets")
    problems += rt.compare_tracks(expected, ts_packets(ts, expected_codecs.get("audio")), "reference", "ts")
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", ts, "-f", "null", "-"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0 or r.stdout.strip():
        problems.append("ffmpeg decoding the TS (exit %d):\n%s"
                        % (r.returncode, r.stdout.decode(errors="replace")[:3000]))
    return problems


def main():
    p = rt.arg_parser(__doc__)
    p.add_argument("--ts-dump", required=True, help="path to ts-dump")
    p.add_argument("--fixture", required=True)
    p.add_argument("--enhanced", action="store_true", help="an enhanced_fixtures.py fixture")
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        if args.enhanced:
            fixture = os.path.join(args.fixtures, "enhanced", args.fixture + ".flv")
            if not os.path.isfile(fixture):
                print("SKIP: %s was not made (its encoders are missing)" % fixture)
                sys.exit(rt.SKIP)
            expected, expected_codecs = enhanced_reference(args.fixtures, args.fixture)
        else:
            fixture = rt.fixture_path(args.fixtures, args.fixture)
            expected, expected_codecs = flv_reference(fixture)
        work = rt.work_dir(args, "ts_check." + args.fixture)
        ts = os.path.join(work, args.fixture + ".ts")
        r = subprocess.run([args.ts_dump, fixture, ts], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=args.timeout)
        out = r.stdout.decode(errors="replace")
        if r.returncode != 0:
            raise rt.TestFailure("ts-dump failed (exit %d):\n%s" % (r.returncode, out))
        problems = check(expected, expected_codecs, ts)
        if problems:
            raise rt.TestFailure("%s (output in %s)\n%s" % (args.fixture, work, "\n".join(problems)))
        print("ts-dump: " + out.strip())
        print("%s: %d video, %d audio packets identical in the reference and the TS"
              % (args.fixture, len(expected["video"]), len(expected["audio"])))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
