"""Helpers for the consumer tests: processes with logs, JSON-line output, ffprobe packet
lists and NAL unit counts of FLV files (tags read with tests/interop/rtmpwire.py)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
import rtmpwire  # noqa: E402

SKIP = 77  # ctest SKIP_RETURN_CODE: a tool the test needs is missing


class TestFailure(Exception):
    pass


def require_tools(*names):
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        print("skipped: missing " + ", ".join(missing))
        sys.exit(SKIP)


def run(cmd, cwd=None, env=None, timeout=600):
    """Run to completion; raise TestFailure with the output on a non-zero exit."""
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    out = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        raise TestFailure("%s exited %d\n%s" % (cmd[0], p.returncode, out[-6000:]))
    return out


class Process:
    """A background process whose stdout and stderr go to files in `work`."""

    def __init__(self, name, cmd, work):
        self.name = name
        self.out_path = os.path.join(work, name + ".stdout")
        self.err_path = os.path.join(work, name + ".stderr")
        with open(os.path.join(work, name + ".cmd"), "w") as f:
            f.write(" ".join(cmd) + "\n")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            if self.wait(timeout) is None:
                self.proc.kill()
                self.proc.wait()
        for f in (self._out, self._err):
            f.close()
        return self.proc.returncode

    def logs(self):
        text = ""
        for path in (self.out_path, self.err_path):
            with open(path, "rb") as f:
                text += "%s:\n%s\n" % (os.path.basename(path), f.read()[-3000:].decode(errors="replace"))
        return text

    def events(self):
        return read_events(self.out_path)

    def wait_for_event(self, name, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events():
                if e.get("event") == name:
                    return e
            if self.proc.poll() is not None:
                raise TestFailure("%s exited %s\n%s" % (self.name, self.proc.returncode, self.logs()))
            time.sleep(0.02)
        raise TestFailure("%s printed no %s event in %ss\n%s" % (self.name, name, timeout, self.logs()))


def read_events(path):
    events = []
    with open(path, "rb") as f:
        for line in f.read().decode(errors="replace").splitlines():
            line = line.strip()
            if line.startswith("{") and line.endswith("}"):
                events.append(json.loads(line))
    return events


def ffprobe_packets(source):
    """ffprobe's packets per codec_type: dicts of dts, pts, key, size (ms time base)."""
    out = run(["ffprobe", "-v", "error", "-show_packets", "-show_entries",
               "packet=codec_type,pts,dts,size,flags", "-of", "json", source], timeout=120)
    tracks = {"video": [], "audio": []}
    for p in json.loads(out[out.index("{"):]).get("packets", []):
        tracks.setdefault(p["codec_type"], []).append({
            "dts": int(p["dts"]), "pts": int(p["pts"]), "key": p["flags"].startswith("K"),
            "size": int(p["size"])})
    return tracks


def flv_video_nalu_counts(path):
    """The number of NAL units in each AVC video frame of an FLV file, in order."""
    nal_len, counts = 4, []
    for tag in rtmpwire.read_flv(path):
        body = tag.body
        if tag.type != 9 or len(body) < 5 or body[0] & 0x0F != 7:
            continue
        if body[1] == 0:  # AVCDecoderConfigurationRecord
            nal_len = (body[5 + 4] & 3) + 1
        elif body[1] == 1:
            n, i, frame = 0, 0, body[5:]
            while i + nal_len <= len(frame):
                i += nal_len + int.from_bytes(frame[i:i + nal_len], "big")
                n += 1
            counts.append(n)
    return counts


def compare(name, expected, actual, keys):
    """Problems (strings) where two packet lists differ in length or in any of `keys`."""
    problems = []
    if len(expected) != len(actual):
        problems.append("%s: %d packets expected, %d got" % (name, len(expected), len(actual)))
    for i, (e, a) in enumerate(zip(expected, actual)):
        diff = [k for k in keys if e[k] != a[k]]
        if diff:
            problems.append("%s #%d: %s expected %s, got %s" % (
                name, i, ",".join(diff), [e[k] for k in diff], [a[k] for k in diff]))
            if len(problems) > 10:
                break
    return problems


def main_wrapper(fn):
    try:
        fn()
    except TestFailure as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    print("PASS")
