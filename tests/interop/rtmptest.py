"""Shared helpers for the interop tests (Python 3 standard library only).

Processes: start rtmp-probe and wait for its port, run a publisher, collect output.
References: ffprobe packet lists; FLV tags and AMF0 through rtmpwire (the wire module).
Comparison: per-track packet lists (dts, pts, key, size) with a readable diff.
"""

import argparse
import collections
import difflib
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmpwire  # noqa: E402

SKIP = 77  # ctest SKIP_RETURN_CODE: a required external tool is missing
LISTEN_RE = re.compile(rb"listening on \S+:(\d+)")

# One media packet as both sides see it. Times in ms; key is a bool; size in bytes.
Packet = collections.namedtuple("Packet", "dts pts key size")
# Wire formats (AMF0, chunks, handshake, FLV) live in rtmpwire; these names stay here for
# the scripts that import them from rtmptest.
FlvTag = rtmpwire.FlvTag
read_flv = rtmpwire.read_flv
amf0_decode = rtmpwire.amf0_decode


class TestFailure(Exception):
    """A check failed; the message is what the test prints."""


# ---------------------------------------------------------------- command line


def arg_parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--probe", help="path to rtmp-probe")
    p.add_argument("--fixtures", required=True, help="directory made by fixtures.py")
    p.add_argument("--work", help="directory for logs (default: a temporary one)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per process")
    return p


def work_dir(args, name):
    if args.work:
        path = os.path.join(args.work, name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path
    return tempfile.mkdtemp(prefix="interop-%s-" % name)


def require_tools(*names):
    """Exit with SKIP when an external tool is not installed (ctest reports 'skipped')."""
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        print("SKIP: not installed: " + ", ".join(missing))
        sys.exit(SKIP)


def fixture_path(fixtures_dir, name):
    path = os.path.join(fixtures_dir, name + ".flv")
    if not os.path.isfile(path):
        raise TestFailure("fixture %s missing (run fixtures.py --out %s)" % (path, fixtures_dir))
    return path


def main_wrapper(fn):
    """Run fn(); print failures clearly and turn them into exit code 1."""
    try:
        fn()
    except (TestFailure, rtmpwire.WireError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    print("PASS")
    sys.exit(0)


# ---------------------------------------------------------------- processes


def tail(path, lines=25):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return "(no %s)" % path
    return "\n".join("    | " + l for l in data[-lines:])


class Process:
    """A child process whose stdout/stderr go to files in the work dir (no pipe deadlocks)."""

    def __init__(self, name, cmd, work):
        self.name = name
        self.cmd = cmd
        self.out_path = os.path.join(work, name + ".stdout")
        self.err_path = os.path.join(work, name + ".stderr")
        with open(os.path.join(work, name + ".cmd"), "w") as f:
            f.write(" ".join(cmd) + "\n")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        try:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err
            )
        except OSError as e:
            raise TestFailure("cannot start %s: %s" % (cmd[0], e))

    def wait(self, timeout):
        """Return the exit code, or None (after killing the process) on timeout."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self._close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._close()

    def _close(self):
        for f in (self._out, self._err):
            if not f.closed:
                f.close()

    def logs(self):
        return "%s stderr:\n%s" % (self.name, tail(self.err_path))

    def wait_for_port(self, timeout):
        """Poll stderr for 'listening on ADDR:PORT' (rtmp-probe prints it before accepting)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.err_path, "rb") as f:
                m = LISTEN_RE.search(f.read())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                raise TestFailure(
                    "%s exited with %s before listening\n%s"
                    % (self.name, self.proc.returncode, self.logs())
                )
            time.sleep(0.02)
        self.kill()
        raise TestFailure("%s printed no 'listening on' line in %ss\n%s" % (self.name, timeout, self.logs()))


def run_session(probe, probe_args, publisher_cmd, work, timeout):
    """Start `probe --listen --port 0 ARGS`, run publisher_cmd(port), and wait for both.

    Returns the probe's events (one dict per JSON line). The probe must exit 0 by itself
    once the publisher has disconnected; the publisher must exit 0.
    """
    p = Process("probe", [probe, "--listen", "--port", "0", "--bind", "127.0.0.1"] + probe_args, work)
    pub = None
    try:
        port = p.wait_for_port(10)
        cmd = publisher_cmd(port)
        t0 = time.monotonic()
        pub = Process("publisher", cmd, work)
        rc = pub.wait(timeout)
        if rc is None:
            raise TestFailure(
                "publisher did not finish in %ss: %s\n%s\n%s" % (timeout, " ".join(cmd), pub.logs(), p.logs())
            )
        if rc != 0:
            raise TestFailure("publisher exited %d: %s\n%s\n%s" % (rc, " ".join(cmd), pub.logs(), p.logs()))
        print("publisher finished in %.2fs" % (time.monotonic() - t0))
        prc = p.wait(10)
        if prc is None:
            raise TestFailure("rtmp-probe did not exit within 10s of the publisher disconnecting\n" + p.logs())
        if prc != 0:
            raise TestFailure("rtmp-probe exited %d\n%s" % (prc, p.logs()))
    finally:
        if pub is not None:
            pub.kill()
        p.kill()
    return read_events(p.out_path)


# The tools' JSON-lines schema version (docs/json-lines.md); every line carries it as "v".
JSON_LINES_VERSION = 1


def read_events(path, schema=True):
    """JSON objects, one per line, each with an "event". schema: the lines are the tools'
    (rtmp-probe, rtmp-mux --dump) and carry the schema version; rtmp-test-server's do not."""
    events = []
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
            except ValueError as e:
                raise TestFailure("%s:%d: not JSON (%s): %r" % (path, n, e, line[:200]))
            if not isinstance(ev, dict) or "event" not in ev:
                raise TestFailure("%s:%d: not an event object: %r" % (path, n, line[:200]))
            if schema and ev.get("v") != JSON_LINES_VERSION:
                raise TestFailure("%s:%d: schema version %r, expected %d (docs/json-lines.md)"
                                  % (path, n, ev.get("v"), JSON_LINES_VERSION))
            events.append(ev)
    return events


# ---------------------------------------------------------------- ffprobe


@functools.lru_cache(maxsize=None)
def ffprobe_json(path, *args):
    cmd = ["ffprobe", "-v", "error", "-of", "json"] + list(args) + [path]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise TestFailure("%s failed: %s" % (" ".join(cmd), r.stderr.decode(errors="replace")))
    return json.loads(r.stdout)


def ffprobe_streams(path):
    """{'video': codec_name, 'audio': codec_name} for the streams present."""
    out = {}
    for s in ffprobe_json(path, "-show_streams").get("streams", []):
        if s.get("codec_type") in ("video", "audio"):
            out[s["codec_type"]] = s
    return out


def ffprobe_packets(path):
    """Per-track packet lists from `ffprobe -show_packets` (FLV time base is 1 ms)."""
    data = ffprobe_json(path, "-show_packets")
    tracks = {"video": [], "audio": []}
    for p in data.get("packets", []):
        kind = p.get("codec_type")
        if kind not in tracks:
            continue  # FLV script data shows up as a 'data'/'subtitle' stream
        tracks[kind].append(
            Packet(int(p["dts"]), int(p["pts"]), "K" in p.get("flags", ""), int(p["size"]))
        )
    return tracks


# ---------------------------------------------------------------- rtmp-probe events


MEDIA_EVENTS = ("codec", "video", "audio")


def mux_dump(mux, flv_path, work):
    """`rtmp-mux --dump flv_path` as events (docs/json-lines.md); the lines stay in work/."""
    out_path = os.path.join(work, "mux_dump.jsonl")
    with open(out_path, "wb") as out:
        r = subprocess.run([mux, "--dump", flv_path], stdout=out, stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        raise TestFailure("rtmp-mux --dump %s: %s" % (flv_path, r.stderr.decode(errors="replace")))
    return read_events(out_path)


def compare_media_lines(a, b, a_name="rtmp-probe", b_name="rtmp-mux --dump"):
    """The codec/video/audio lines of two tools for the same media: same fields, same values,
    same order. Returns problems (empty = equal)."""
    la = [e for e in a if e["event"] in MEDIA_EVENTS]
    lb = [e for e in b if e["event"] in MEDIA_EVENTS]
    problems = []
    if len(la) != len(lb):
        problems.append("%d media lines from %s, %d from %s" % (len(la), a_name, len(lb), b_name))
    for n, (x, y) in enumerate(zip(la, lb)):
        if set(x) != set(y):
            problems.append("line %d (%s): fields differ: only %s: %s, only %s: %s" % (
                n, x["event"], a_name, sorted(set(x) - set(y)), b_name, sorted(set(y) - set(x))))
        elif x != y:
            diff = {k: (x[k], y[k]) for k in x if x[k] != y[k]}
            problems.append("line %d (%s): values differ (%s, %s): %s" % (n, x["event"], a_name, b_name, diff))
        if len(problems) >= 10:
            break
    return problems


def probe_packets(events):
    """Per-track packet lists from rtmp-probe's video/audio events (docs/json-lines.md)."""
    tracks = {"video": [], "audio": []}
    for ev in events:
        if ev["event"] == "video":
            tracks["video"].append(Packet(ev.get("dts"), ev.get("pts"), ev.get("key"), ev.get("size")))
        elif ev["event"] == "audio":
            tracks["audio"].append(Packet(ev.get("dts"), ev.get("pts"), ev.get("key"), ev.get("size")))
    return tracks


def compare_tracks(expected, actual, exp_name="ffprobe", act_name="rtmp-probe", show=10):
    """Compare per-track packet lists; return a list of human-readable problems (empty = equal).

    The diff is an alignment (difflib), so one dropped or extra packet reads as such instead
    of shifting every later index.
    """
    problems = []
    for track in ("video", "audio"):
        exp, act = expected.get(track, []), actual.get(track, [])
        badly_typed = [(i, p) for i, p in enumerate(act) if not well_typed(p)]
        if badly_typed:
            problems.append("%s: %d events with wrong JSON types (want integers and a boolean key), "
                            "first: %s" % (track, len(badly_typed), badly_typed[:3]))
        if exp == act:
            continue
        rows = []
        for i, j, e, a in diff_rows(exp, act):
            if e is None:
                what = "unexpected"
            elif a is None:
                what = "missing"
            else:
                what = ",".join(f for f in Packet._fields if not same(getattr(e, f), getattr(a, f)))
            rows.append((i, j, e, a, what))
        lines = ["%s: %d packets from %s, %d from %s, %d differ; first %d:"
                 % (track, len(exp), exp_name, len(act), act_name, len(rows), min(show, len(rows)))]
        lines.append("    %5s %5s  %-42s %-42s %s" % ("#exp", "#got", exp_name, act_name, "differs"))
        for i, j, e, a, what in rows[:show]:
            lines.append("    %5s %5s  %-42s %-42s %s" % (i, j, fmt_packet(e), fmt_packet(a), what))
        problems.append("\n".join(lines))
    return problems


def diff_rows(exp, act):
    """Aligned differences (difflib) as (exp_index, act_index, exp_item, act_item) rows;
    an index is "" and the item None on the side that lacks the item."""
    rows = []
    sm = difflib.SequenceMatcher(None, exp, act, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            e = exp[i1 + k] if i1 + k < i2 else None
            a = act[j1 + k] if j1 + k < j2 else None
            rows.append((i1 + k if e is not None else "", j1 + k if a is not None else "", e, a))
    return rows


def well_typed(p):
    ints = all(type(v) is int for v in (p.dts, p.pts, p.size))
    return ints and type(p.key) is bool


def same(a, b):
    # JSON true must not equal 1, nor "true" be truthy-equal to True
    return type(a) is type(b) and a == b


def fmt_packet(p):
    if p is None:
        return "-"
    key = ("1" if p.key else "0") if isinstance(p.key, bool) else repr(p.key)
    return "dts=%s pts=%s key=%s size=%s" % (p.dts, p.pts, key, p.size)


def check_session_events(events, app="live", key="key"):
    """connect (app) and publish (key) before any media; exactly one disconnect, and it is last."""
    problems = []
    kinds = [e["event"] for e in events]
    media = [i for i, k in enumerate(kinds) if k in ("video", "audio", "codec", "metadata")]
    first_media = media[0] if media else len(kinds)
    connects = [e for e in events if e["event"] == "connect"]
    publishes = [e for e in events if e["event"] == "publish"]
    if len(connects) != 1 or kinds.index("connect") > first_media:
        problems.append("expected one connect event before any media, got %d" % len(connects))
    elif connects[0].get("app") != app:
        problems.append("connect app: expected %r, got %r" % (app, connects[0].get("app")))
    if len(publishes) != 1 or kinds.index("publish") > first_media:
        problems.append("expected one publish event before any media, got %d" % len(publishes))
    elif publishes[0].get("key") != key:
        problems.append("publish key: expected %r, got %r" % (key, publishes[0].get("key")))
    if kinds.count("disconnect") != 1 or kinds[-1] != "disconnect":
        problems.append(
            "expected exactly one disconnect event, last; got %d, last event %r"
            % (kinds.count("disconnect"), kinds[-1] if kinds else None)
        )
    return problems


# ---------------------------------------------------------------- FLV


def flv_media_info(tags):
    """From FLV tags: the sequence headers in order and, per AVC frame, its NAL unit count.

    Returns {'configs': [(track, config_size), ...], 'nalus': [count per AVC NALU tag]}.
    """
    info = {"configs": [], "nalus": []}
    nal_len = 4
    for t in tags:
        if t.type == 9 and t.body and (t.body[0] & 0x0F) == 7 and len(t.body) >= 5:
            pkt = t.body[1]
            if pkt == 0:  # AVCDecoderConfigurationRecord; lengthSizeMinusOne in its byte 4
                info["configs"].append(("video", len(t.body) - 5))
                nal_len = (t.body[5 + 4] & 3) + 1
            elif pkt == 1:
                info["nalus"].append(count_nalus(t.body[5:], nal_len))
        elif t.type == 8 and t.body and (t.body[0] >> 4) == 10 and len(t.body) >= 2:
            if t.body[1] == 0:  # AudioSpecificConfig
                info["configs"].append(("audio", len(t.body) - 2))
    return info


def count_nalus(data, nal_len):
    n, pos = 0, 0
    while pos + nal_len <= len(data):
        pos += nal_len + int.from_bytes(data[pos : pos + nal_len], "big")
        n += 1
    if pos != len(data):
        raise TestFailure("AVC frame of %d bytes does not split into NAL units" % len(data))
    return n


def check_media(events, flv_path):
    """rtmp-probe's codec/video/audio events against a reference FLV file.

    Packets (dts, pts, key, size per track, in order) come from ffprobe; NAL unit counts and
    sequence-header sizes from the FLV tags; codec names from ffprobe's streams.
    Returns a list of problems.
    """
    expected = ffprobe_packets(flv_path)
    problems = compare_tracks(expected, probe_packets(events))

    info = flv_media_info(read_flv(flv_path))
    got = [e.get("nalus") for e in events if e["event"] == "video"]
    if expected["video"] and got != info["nalus"]:
        bad = [i for i in range(max(len(got), len(info["nalus"])))
               if i >= len(got) or i >= len(info["nalus"]) or got[i] != info["nalus"][i]]
        problems.append(
            "video nalus: %d frames in the file, %d events; differences at %s: expected %s, got %s"
            % (len(info["nalus"]), len(got), bad[:5],
               [info["nalus"][i] if i < len(info["nalus"]) else "-" for i in bad[:5]],
               [got[i] if i < len(got) else "-" for i in bad[:5]]))

    streams = ffprobe_streams(flv_path)
    want = [(t, streams[t]["codec_name"], n) for t, n in info["configs"]]
    for track in ("video", "audio"):  # codecs without a sequence header (MP3): one event, any size
        if track in streams and track not in [t for t, _ in info["configs"]]:
            want.append((track, streams[track]["codec_name"], None))
    got = [(e.get("type"), e.get("codec"), e.get("config_size")) for e in events if e["event"] == "codec"]
    ok = len(got) == len(want) and all(
        g[:2] == w[:2] and (w[2] is None or g[2] == w[2]) for g, w in zip(got, want))
    if not ok:
        problems.append("codec events (type, codec, config_size): expected %s, got %s" % (want, got))
    return problems


def flv_messages(tags):
    """Audio/video tags as rtmp-probe --raw would report them: (type, ts, size, crc32)."""
    return [
        (t.type, t.timestamp, len(t.body), "%08x" % (zlib.crc32(t.body) & 0xFFFFFFFF))
        for t in tags
        if t.type in (8, 9)
    ]


def flv_metadata(tags):
    """The onMetaData object of the first script tag, or None."""
    for t in tags:
        if t.type == 18:
            name, pos = amf0_decode(t.body)
            if name == "onMetaData":
                return amf0_decode(t.body, pos)[0]
    return None


def compare_metadata(expected, actual, ignore=("duration", "filesize")):
    """Every key of the file's onMetaData (but those a live stream cannot know) must match."""
    if expected is None:
        return []
    if not isinstance(actual, dict):
        return ["metadata: expected an object, got %r" % (actual,)]
    problems = []
    for k, v in expected.items():
        if k in ignore:
            continue
        got = actual.get(k, "<missing>")
        same = got == v
        if isinstance(v, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
            same = float(got) == v
        if not same:
            problems.append("metadata %r: expected %r, got %r" % (k, v, got))
    return problems
