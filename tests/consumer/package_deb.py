#!/usr/bin/env python3
"""The Debian package from this build tree: `cpack -G DEB`, its control data and contents
(headers, libraries, CMake and pkg-config files, tools, systemd unit, conffile, man pages),
then the packaged rtmp-server, extracted with dpkg-deb -x, relaying ffmpeg to ffprobe."""

import argparse
import glob
import os
import re
import shutil
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consumer_util as cu  # noqa: E402

FIXTURE = "tests/data/media/h264_aac.flv"
EXPECTED = [
    "./usr/include/rtmp/server.hpp", "./usr/include/rtmp/client.hpp", "./usr/include/rtmp/core/amf.hpp",
    "./usr/bin/rtmp-server", "./usr/bin/rtmp-publish", "./usr/bin/rtmp-play", "./usr/bin/rtmp-probe",
    "./usr/lib/systemd/system/rtmp-server.service", "./etc/rtmpcxx/rtmp-server.toml",
    "/cmake/rtmpcxx/rtmpcxxConfig.cmake", "/cmake/rtmpcxx/rtmpcxxConfigVersion.cmake",
    "/pkgconfig/rtmpcxx.pc", "/pkgconfig/rtmpcxx-core.pc", "/librtmpcxx.", "/librtmpcxx_core.",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_deb(args, work):
    out = cu.run(["cpack", "-G", "DEB", "--config", os.path.join(args.build, "CPackConfig.cmake"),
                  "-B", work], timeout=240)
    debs = glob.glob(os.path.join(work, "rtmpcxx_*.deb"))
    if len(debs) != 1:
        raise cu.TestFailure("cpack made %s\n%s" % (debs, out))
    return debs[0]


def check_control(deb):
    info = cu.run(["dpkg-deb", "-I", deb])
    problems = []
    for field, pattern in (("Package", r"^ Package: rtmpcxx$"), ("Version", r"^ Version: \d+\.\d+\.\d+"),
                           ("Depends (shlibdeps)", r"^ Depends: .*libssl3"),
                           ("conffiles", r"conffiles"), ("postinst", r"postinst")):
        if not re.search(pattern, info, re.M):
            problems.append("control: no %s" % field)
    return info, problems


def check_contents(deb, work):
    listing = cu.run(["dpkg-deb", "-c", deb])
    names = [line.split()[-1] for line in listing.splitlines() if line.strip()]
    problems = ["no %s in the package" % e for e in EXPECTED if not any(e in n for n in names)]
    if not any("/man1/rtmp-server.1" in n for n in names):
        problems.append("no rtmp-server man page")
    ctrl = os.path.join(work, "control")
    shutil.rmtree(ctrl, ignore_errors=True)
    cu.run(["dpkg-deb", "-e", deb, ctrl])
    conffiles = open(os.path.join(ctrl, "conffiles")).read().split()
    if conffiles != ["/etc/rtmpcxx/rtmp-server.toml"]:
        problems.append("conffiles: %s" % conffiles)
    return names, problems


def run_packaged_server(root, work):
    server = os.path.join(root, "usr", "bin", "rtmp-server")
    config = os.path.join(root, "etc", "rtmpcxx", "rtmp-server.toml")
    unit = open(os.path.join(root, "usr", "lib", "systemd", "system", "rtmp-server.service")).read()
    if "ExecStart=/usr/bin/rtmp-server --config /etc/rtmpcxx/rtmp-server.toml" not in unit:
        raise cu.TestFailure("unit ExecStart is not the packaged server and config:\n" + unit)
    port = free_port()
    url = "rtmp://127.0.0.1:%d/live/key" % port
    # The packaged config as the service reads it; the port moved off 1935 for the test.
    srv = cu.Process("rtmp-server", [server, "--config", config, "--port", str(port), "--bind", "127.0.0.1"], work)
    out = os.path.join(work, "played.flv")
    procs = []
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or srv.proc.poll() is not None:
                    raise cu.TestFailure("packaged rtmp-server is not listening\n" + srv.logs())
                time.sleep(0.05)
        player = cu.Process("ffmpeg-play", ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                                            "-i", url, "-c", "copy", "-f", "flv", out], work)
        procs.append(player)
        time.sleep(0.5)
        procs.append(cu.Process("ffmpeg-publish", ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                                                   "-re", "-i", os.path.abspath(FIXTURE), "-c", "copy",
                                                   "-f", "flv", url], work))
        for p in reversed(procs):
            if p.wait(40) is None or p.proc.returncode != 0:
                raise cu.TestFailure("%s failed\n%s\n%s" % (p.name, p.logs(), srv.logs()))
    finally:
        for p in procs:
            p.stop()
        srv.stop()
    got = cu.ffprobe_packets(out)
    expected = cu.ffprobe_packets(os.path.abspath(FIXTURE))
    problems = []
    for kind in ("video", "audio"):
        problems += cu.compare(kind, expected[kind], got.get(kind, []), ("size", "key"))
    if problems:
        raise cu.TestFailure("\n".join(problems) + "\n" + srv.logs())
    return len(got["video"]), len(got["audio"])


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--build", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--work", required=True)
    args = p.parse_args()
    cu.require_tools("cpack", "dpkg-deb", "ffmpeg", "ffprobe")
    os.chdir(args.source)

    def run():
        work = os.path.abspath(args.work)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        deb = build_deb(args, work)
        info, problems = check_control(deb)
        names, more = check_contents(deb, work)
        problems += more
        if problems:
            raise cu.TestFailure("\n".join(problems) + "\n" + info)
        root = os.path.join(work, "root")
        cu.run(["dpkg-deb", "-x", deb, root])
        video, audio = run_packaged_server(root, work)
        depends = re.search(r"^ Depends: (.*)$", info, re.M).group(1)
        print("%s: %d files, %.1f MB; Depends: %s" % (os.path.basename(deb), len(names),
                                                     os.path.getsize(deb) / 1e6, depends))
        print("packaged rtmp-server relayed %d video and %d audio frames, as in the file" % (video, audio))

    cu.main_wrapper(run)


if __name__ == "__main__":
    main()
