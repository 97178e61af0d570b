"""Helpers for the rtmp-server (live relay) interop tests: the server process, players,
the relay's own long fixture, and packet-list checks aligned on the first keyframe.

Uses rtmptest (processes, ffprobe packet lists, aligned diffs); Python 3 standard library only.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest as rt  # noqa: E402

# ------------------------------------------------------------------ command line


def arg_parser(description):
    p = rt.arg_parser(description)
    p.add_argument("--server", required=True, help="path to rtmp-server")
    p.add_argument("--play", default="", help="path to rtmp-play (empty: not built yet)")
    return p


# ------------------------------------------------------------------ fixtures

# The relay tests need more than the 3 s of the shared fixtures: a late joiner joins 5 s in,
# a slow player stalls for 10 s. ~2 Mb/s (x264 CBR with filler, nal-hrd=cbr) + AAC, 2 s GOPs,
# bit-exact like fixtures.py. Generated once per build tree, keyed by a hash of the command.
RELAY_FIXTURES = {
    "relay_2mbit_20s": ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=20",
                        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=20",
                        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                        "-profile:v", "high", "-b:v", "1850k", "-minrate", "1850k",
                        "-maxrate", "1850k", "-bufsize", "1000k",
                        "-x264-params", "nal-hrd=cbr:keyint=60:min-keyint=60:scenecut=0",
                        "-c:a", "aac", "-b:a", "128k", "-ac", "2"],
}
EXACT = ["-threads", "1", "-fflags", "+bitexact", "-flags", "+bitexact"]


def relay_fixture(fixtures_dir, name):
    """Path of a relay fixture, generating it if missing or stale."""
    args = RELAY_FIXTURES[name]
    os.makedirs(fixtures_dir, exist_ok=True)
    path = os.path.join(fixtures_dir, name + ".flv")
    version = subprocess.run(["ffmpeg", "-version"], stdout=subprocess.PIPE, check=True).stdout.splitlines()[0]
    digest = hashlib.sha256(version + b"\0" + "\0".join(args).encode()).hexdigest()
    stamp = path + ".sha256"
    if os.path.isfile(path) and os.path.isfile(stamp) and open(stamp).read().strip() == digest:
        return path
    tmp = "%s.%d.tmp.flv" % (path[:-4], os.getpid())
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + args + EXACT + ["-f", "flv", tmp]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise rt.TestFailure("fixture %s: ffmpeg failed:\n  %s\n%s" % (name, " ".join(cmd), r.stdout.decode(errors="replace")))
    os.replace(tmp, path)  # atomic: parallel tests may race to make it, both get a whole file
    with open(stamp, "w") as f:
        f.write(digest + "\n")
    return path


def fixture(args, name):
    if name in RELAY_FIXTURES:
        return relay_fixture(args.fixtures, name)
    return rt.fixture_path(args.fixtures, name)


# ------------------------------------------------------------------ processes


class Server:
    """rtmp-server on 127.0.0.1 and a free port; its stderr is the structured log."""

    def __init__(self, binary, work, extra=(), name="server"):
        self.work = work
        self.proc = rt.Process(name, [binary, "--port", "0", "--bind", "127.0.0.1"] + list(extra), work)
        self.port = self.proc.wait_for_port(10)
        self.rss_samples = []

    def url(self, key="key", app="live"):
        return "rtmp://127.0.0.1:%d/%s/%s" % (self.port, app, key)

    def log(self):
        with open(self.proc.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, pattern, count=1, timeout=10.0):
        """Wait until `pattern` (a regex) matches `count` log lines; return the matches."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in (rx.search(line) for line in self.log().splitlines()) if m]
            if len(found) >= count:
                return found
            if self.proc.proc.poll() is not None:
                raise rt.TestFailure("rtmp-server exited (%s) while waiting for %r\n%s"
                                     % (self.proc.proc.returncode, pattern, self.proc.logs()))
            if time.monotonic() > deadline:
                raise rt.TestFailure("no %d log lines matching %r within %ss\n%s"
                                     % (count, pattern, timeout, self.proc.logs()))
            time.sleep(0.05)

    def sample_rss(self):
        """Resident set size in KiB (Linux /proc), appended to rss_samples."""
        try:
            with open("/proc/%d/status" % self.proc.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
                        self.rss_samples.append(kb)
                        return kb
        except OSError:
            pass
        return None

    def cpu_seconds(self):
        """User + system CPU seconds used so far (Linux /proc/PID/stat)."""
        with open("/proc/%d/stat" % self.proc.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / tick

    def stop(self, timeout=10):
        """SIGTERM and wait: the graceful stop must exit 0."""
        if self.proc.proc.poll() is None:
            self.proc.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout)
        if rc is None:
            raise rt.TestFailure("rtmp-server did not stop within %ss of SIGTERM\n%s" % (timeout, self.proc.logs()))
        if rc != 0:
            raise rt.TestFailure("rtmp-server exited %d after SIGTERM\n%s" % (rc, self.proc.logs()))

    def kill(self):
        self.proc.kill()


def publish_cmd(url, fixture_path, extra=()):
    # -copyts keeps the file's timestamps on the wire (see ffmpeg_publish.py).
    return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-copyts",
            "-i", fixture_path, "-c", "copy"] + list(extra) + ["-f", "flv", url]


# Players that save what they receive as FLV. rtmpdump exits 0 ("Download complete") on
# UnpublishNotify; FFmpeg and rtmp-play stop on it too; GStreamer's rtmp2src on StreamEOF.
def player_cmd(kind, url, out, play_binary=""):
    if kind == "ffmpeg":
        return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", url, "-c", "copy", "-f", "flv", out]
    if kind == "rtmpdump":
        return ["rtmpdump", "-q", "-r", url, "--live", "-o", out]
    if kind == "gst":
        return ["gst-launch-1.0", "-q", "rtmp2src", "location=" + url, "!", "filesink", "location=" + out]
    if kind == "rtmp-play":
        return [play_binary, url, "-o", out]
    raise ValueError(kind)


PLAYER_TOOLS = {"ffmpeg": "ffmpeg", "rtmpdump": "rtmpdump", "gst": "gst-launch-1.0"}


def available_players(args, wanted=("ffmpeg", "rtmpdump", "gst", "rtmp-play")):
    """The players that can run here; prints why any is skipped."""
    kinds = []
    for k in wanted:
        if k == "rtmp-play":
            if args.play and os.path.isfile(args.play):
                kinds.append(k)
            else:
                print("SKIP player rtmp-play: not built yet (the client engineer's tools/rtmp-play)")
        elif shutil.which(PLAYER_TOOLS[k]) is None:
            print("SKIP player %s: %s not installed" % (k, PLAYER_TOOLS[k]))
        elif k == "gst" and subprocess.run(["gst-inspect-1.0", "rtmp2src"], stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL).returncode != 0:
            print("SKIP player gst: rtmp2src (gst-plugins-bad) not installed")
        else:
            kinds.append(k)
    return kinds


def wait_all(procs, timeout):
    """Wait for every (name, Process); returns {name: rc or None (killed at timeout)}."""
    deadline = time.monotonic() + timeout
    rcs = {}
    for name, p in procs:
        rcs[name] = p.wait(max(0.1, deadline - time.monotonic()))
    return rcs


# ------------------------------------------------------------------ checks


def packets(path):
    try:
        return rt.ffprobe_packets(path)
    except rt.TestFailure as e:
        raise rt.TestFailure("%s: not a readable FLV: %s" % (path, e))


def check_from_first_keyframe(expected, got, name, expect_start=None):
    """`got` must be `expected` from one of its keyframes to the end, frame-exact.

    Alignment is by timestamp: players may rebase time (FFmpeg starts its output at 0), so
    the offset is taken from the first video packet, which must be a keyframe of the
    fixture (same size and composition offset). Video from that keyframe, and audio from
    the first audio packet at or after it, must then equal the fixture's packets (dts, pts,
    key, size) to the end. expect_start: "first" (the fixture's first keyframe) or a
    (lo_ms, hi_ms) window for the keyframe's fixture dts. Returns (problems, keyframe dts).
    """
    gv, ga = got["video"], got["audio"]
    ev, ea = expected["video"], expected["audio"]
    if not ev:
        return check_audio_only(ea, ga, name, expect_start)
    if not gv:
        return ["%s: no video packets" % name], None
    first = gv[0]
    if not first.key:
        return ["%s: first video packet is not a keyframe: %s" % (name, rt.fmt_packet(first))], None
    cands = [p for p in ev if p.key and p.size == first.size and p.pts - p.dts == first.pts - first.dts]
    if not cands:
        return ["%s: first keyframe %s matches no keyframe of the fixture" % (name, rt.fmt_packet(first))], None
    k = cands[0]
    offset = first.dts - k.dts

    def shift(ps):
        return [rt.Packet(p.dts - offset, p.pts - offset, p.key, p.size) for p in ps]

    problems = []
    if expect_start == "first" and k is not next(p for p in ev if p.key):
        problems.append("%s: starts at the keyframe at %d ms, not at the first one" % (name, k.dts))
    elif isinstance(expect_start, tuple) and not (expect_start[0] <= k.dts <= expect_start[1]):
        problems.append("%s: starts at the keyframe at %d ms, expected one in [%d, %d] ms"
                        % (name, k.dts, expect_start[0], expect_start[1]))
    sv, sa = shift(gv), shift(ga)
    want_v = ev[ev.index(k):]
    # Audio: from the first received audio packet, which must be at or after the keyframe
    # (nothing older than the GOP) and be a packet of the fixture.
    want_a = []
    if sa:
        if sa[0] not in ea:
            problems.append("%s: first audio packet %s is not in the fixture" % (name, rt.fmt_packet(sa[0])))
        else:
            i = ea.index(sa[0])
            if ea[i].dts < k.dts - 50:
                problems.append("%s: audio starts at %d ms, before the keyframe at %d ms"
                                % (name, ea[i].dts, k.dts))
            if expect_start == "first" and i != 0:
                problems.append("%s: audio starts at packet %d (%d ms), not at the first" % (name, i, ea[i].dts))
            want_a = ea[i:]
    elif ea:
        problems.append("%s: no audio packets" % name)
    problems += rt.compare_tracks({"video": want_v, "audio": want_a}, {"video": sv, "audio": sa},
                                  exp_name="fixture", act_name=name)
    return problems, k.dts


def check_audio_only(ea, ga, name, expect_start):
    """Audio-only streams: every frame is a start. The offset comes from the first received
    packet, matched against the fixture by the sizes of the first few packets."""
    if not ga:
        return ["%s: no audio packets" % name], None
    n = min(5, len(ga))
    sizes = [p.size for p in ga[:n]]
    starts = [i for i in range(len(ea) - n + 1) if [p.size for p in ea[i:i + n]] == sizes]
    if not starts:
        return ["%s: first audio packets %s match no run of the fixture" % (name, ga[:n])], None
    i = starts[0]
    offset = ga[0].dts - ea[i].dts
    shifted = [rt.Packet(p.dts - offset, p.pts - offset, p.key, p.size) for p in ga]
    problems = []
    if expect_start == "first" and i != 0:
        problems.append("%s: audio starts at packet %d (%d ms), not at the first" % (name, i, ea[i].dts))
    elif isinstance(expect_start, tuple) and not (expect_start[0] <= ea[i].dts <= expect_start[1]):
        problems.append("%s: starts at %d ms, expected in [%d, %d] ms" % (name, ea[i].dts, *expect_start))
    problems += rt.compare_tracks({"video": [], "audio": ea[i:]}, {"video": [], "audio": shifted},
                                  exp_name="fixture", act_name=name)
    return problems, ea[i].dts


def check_with_gap(expected, got, name):
    """A player that fell behind: each track is a prefix of the fixture, then (after frames
    skipped by the relay) the fixture again from a keyframe to the end. Returns
    (problems, skipped video frames, skipped audio frames)."""
    problems = []
    skipped = {}
    for track in ("video", "audio"):
        e, g = expected[track], got[track]
        n = 0
        while n < len(g) and n < len(e) and g[n] == e[n]:
            n += 1
        if n == len(g):
            skipped[track] = len(e) - len(g)
            if len(g) != len(e):
                problems.append("%s %s: stops after %d of %d packets" % (name, track, len(g), len(e)))
            continue
        rest = g[n:]
        if rest[0] not in e[n:]:
            problems.append("%s %s: after packet %d, %s is not a later packet of the fixture"
                            % (name, track, n, rt.fmt_packet(rest[0])))
            continue
        j = e.index(rest[0], n)
        if track == "video" and not rest[0].key:
            problems.append("%s video: resumes after the gap at a non-keyframe %s" % (name, rt.fmt_packet(rest[0])))
        skipped[track] = j - n
        problems += rt.compare_tracks({track: e[j:]}, {track: rest}, exp_name="fixture", act_name=name + " after gap")
    return problems, skipped.get("video", 0), skipped.get("audio", 0)


def read_stats(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def summary(pk):
    return "%d video, %d audio packets" % (len(pk["video"]), len(pk["audio"]))
