#!/usr/bin/env python3
"""rtmpcxx as a consumer sees it: install the build tree into a prefix, build examples/
against it with CMake (find_package) and with pkg-config, compile each public header alone,
run the examples against real ffmpeg/ffprobe.

  consumer.py --build BUILD --source SRC --work DIR STEP
STEP: install, cmake_examples, pkgconfig_examples, readme, headers, probe, mini_relay,
file_roundtrip, own_event_loop. Each step after `install` uses DIR/prefix; the run steps use
the examples built by cmake_examples (DIR/examples-cmake).
"""

import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consumer_util as cu  # noqa: E402

WARNINGS = ["-Wall", "-Wextra", "-Wpedantic", "-Werror"]
FIXTURE = "tests/data/media/h264_aac.flv"  # 2 s H.264 High (B-frames) + AAC, ms timestamps


class Ctx:
    def __init__(self, args):
        self.build = os.path.abspath(args.build)
        self.source = os.path.abspath(args.source)
        self.work = os.path.abspath(args.work)
        self.cxx = args.cxx
        self.launcher = args.launcher
        self.prefix = os.path.join(self.work, "prefix")
        self.examples = os.path.join(self.work, "examples-cmake")
        self.fixture = os.path.join(self.source, FIXTURE)

    def step_dir(self, name):
        d = os.path.join(self.work, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    def pc_env(self):
        env = dict(os.environ)
        env["PKG_CONFIG_PATH"] = ":".join(glob.glob(os.path.join(self.prefix, "lib*", "pkgconfig")) +
                                          glob.glob(os.path.join(self.prefix, "lib", "*", "pkgconfig")))
        return env

    def pkg_config(self, *args):
        return cu.run(["pkg-config"] + list(args), env=self.pc_env()).split()

    def compiler(self):
        return ([self.launcher] if self.launcher else []) + [self.cxx]

    def example(self, name):
        return os.path.join(self.examples, name)


def step_install(ctx):
    shutil.rmtree(ctx.prefix, ignore_errors=True)
    cu.run(["cmake", "--install", ctx.build, "--prefix", ctx.prefix])
    libs = glob.glob(os.path.join(ctx.prefix, "lib", "librtmpcxx*"))
    expected = ["include/rtmp/server.hpp", "include/rtmp/client.hpp", "include/rtmp/core/amf.hpp",
                "include/rtmp/media/flv_file.hpp", "lib/cmake/rtmpcxx/rtmpcxxConfig.cmake",
                "lib/cmake/rtmpcxx/rtmpcxxConfigVersion.cmake", "lib/cmake/rtmpcxx/rtmpcxxTargets.cmake",
                "lib/pkgconfig/rtmpcxx.pc", "lib/pkgconfig/rtmpcxx-core.pc", "bin/rtmp-server",
                "bin/rtmp-probe", "etc/rtmpcxx/rtmp-server.toml", "lib/systemd/system/rtmp-server.service"]
    missing = [p for p in expected if not os.path.exists(os.path.join(ctx.prefix, p))]
    if missing:
        raise cu.TestFailure("not installed: " + ", ".join(missing))
    names = sorted(os.path.basename(p) for p in libs)
    for stem in ("librtmpcxx.", "librtmpcxx_core.", "librtmpcxx_media."):
        if not any(n.startswith(stem) for n in names):
            raise cu.TestFailure("no %s* in lib/ (have %s)" % (stem, names))
    # Nothing installed may point back into the source or build tree (poison dir, src/).
    leaks = []
    for path in glob.glob(os.path.join(ctx.prefix, "lib", "**", "*.cmake"), recursive=True) + \
            glob.glob(os.path.join(ctx.prefix, "lib", "pkgconfig", "*.pc")):
        with open(path) as f:
            text = f.read()
        for bad in (ctx.source, ctx.build, "poison"):
            if bad in text:
                leaks.append("%s mentions %s" % (os.path.relpath(path, ctx.prefix), bad))
    if leaks:
        raise cu.TestFailure("\n".join(leaks))
    unit = open(os.path.join(ctx.prefix, "lib/systemd/system/rtmp-server.service")).read()
    want = "%s/bin/rtmp-server --config %s/etc/rtmpcxx/rtmp-server.toml" % (ctx.prefix, ctx.prefix)
    if want not in unit:
        raise cu.TestFailure("the unit does not run %r:\n%s" % (want, unit))
    print("installed %s: %s" % (ctx.prefix, ", ".join(names)))


def step_cmake_examples(ctx):
    shutil.rmtree(ctx.examples, ignore_errors=True)
    cmd = ["cmake", "-S", os.path.join(ctx.source, "examples"), "-B", ctx.examples, "-G", "Ninja",
           "-DCMAKE_BUILD_TYPE=Debug", "-DCMAKE_CXX_COMPILER=" + ctx.cxx,
           "-DCMAKE_PREFIX_PATH=" + ctx.prefix, "-DCMAKE_CXX_FLAGS=" + " ".join(WARNINGS),
           "-DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON"]
    if ctx.launcher:
        cmd.append("-DCMAKE_CXX_COMPILER_LAUNCHER=" + ctx.launcher)
    cu.run(cmd)
    cache = open(os.path.join(ctx.examples, "CMakeCache.txt")).read()
    m = re.search(r"^rtmpcxx_DIR:PATH=(.*)$", cache, re.M)
    if not m or not m.group(1).startswith(ctx.prefix):
        raise cu.TestFailure("find_package(rtmpcxx) did not use the prefix: %s" % (m and m.group(1)))
    cu.run(["cmake", "--build", ctx.examples, "-j2"])
    for name in ("quickstart", "probe", "mini_relay", "publish_file", "play_to_file", "own_event_loop"):
        if not os.access(ctx.example(name), os.X_OK):
            raise cu.TestFailure("example %s was not built" % name)
    print("examples built with find_package(rtmpcxx) from %s" % m.group(1))


def step_pkgconfig_examples(ctx):
    out = ctx.step_dir("examples-pkgconfig")
    cflags = ctx.pkg_config("--cflags", "rtmpcxx")
    if not any(f == "-I" + os.path.join(ctx.prefix, "include") or f.startswith("-I" + ctx.prefix) for f in cflags):
        raise cu.TestFailure("pkg-config --cflags rtmpcxx has no -I into the prefix: %s" % cflags)
    env = ctx.pc_env()
    env["CXX"] = " ".join(ctx.compiler())
    env["CXXFLAGS"] = " ".join(["-O0"] + WARNINGS)
    cu.run(["make", "-j2", "-f", os.path.join(ctx.source, "examples", "Makefile"), "OUT=" + out], env=env)
    # The core alone, with its own .pc: sans-IO AMF round trip.
    src = os.path.join(out, "core_only.cpp")
    with open(src, "w") as f:
        f.write(CORE_ONLY)
    exe = os.path.join(out, "core_only")
    cu.run(ctx.compiler() + ["-std=c++20"] + WARNINGS + ctx.pkg_config("--cflags", "rtmpcxx-core") +
           [src, "-o", exe] + ctx.pkg_config("--libs", "rtmpcxx-core"))
    got = cu.run([exe]).strip()
    if got != "connect 1 live":
        raise cu.TestFailure("core_only printed %r" % got)
    print("examples and a core-only program built with pkg-config: %s" % " ".join(cflags))


CORE_ONLY = r"""#include <rtmp/core/amf.hpp>
#include <cstdio>
#include <string>
int main() {
  namespace amf = rtmp::amf;
  auto bytes = amf::encode_amf0_all({"connect", 1, amf::Value::object({{"app", "live"}})});
  auto values = amf::decode_amf0_all(bytes);
  if (!values || values->size() != 3) return 1;
  const auto* app = (*values)[2].get("app");
  std::string name((*values)[0].as_string());
  std::string app_name(app ? app->as_string() : "?");
  std::printf("%s %g %s\n", name.c_str(), (*values)[1].as_number(), app_name.c_str());
}
"""


def readme_block(readme):
    text = open(readme).read()
    section = text[text.index("## Using the library"):]
    m = re.search(r"```cpp\n(.*?)```", section, re.S)
    if not m:
        raise cu.TestFailure("no ```cpp block in README's 'Using the library'")
    return m.group(1)


def step_readme(ctx):
    out = ctx.step_dir("readme")
    block = readme_block(os.path.join(ctx.source, "README.md"))
    example = open(os.path.join(ctx.source, "examples", "quickstart.cpp")).read()
    if block != example:
        raise cu.TestFailure("README's code block differs from examples/quickstart.cpp")
    src = os.path.join(out, "readme.cpp")
    with open(src, "w") as f:
        f.write(block)
    cu.run(ctx.compiler() + ["-std=c++20"] + WARNINGS + ctx.pkg_config("--cflags", "rtmpcxx") +
           [src, "-o", os.path.join(out, "readme")] + ctx.pkg_config("--libs", "rtmpcxx"))
    print("README's block (%d lines) compiles and links against the installed package" % block.count("\n"))


# Boost.System is rtmp::Error's base (error_code, result) by design; the rest are worth knowing.
THIRD_PARTY = {"boost/asio": "Boost.Asio", "boost/beast": "Boost.Beast", "boost/system": "Boost.System",
               "spdlog/": "spdlog", "fmt/": "fmt", "openssl/": "OpenSSL"}


def check_header(ctx, out, header):
    """Problems with one header compiled alone; and the third-party headers it pulls in."""
    rel = os.path.relpath(header, os.path.join(ctx.prefix, "include"))
    src = os.path.join(out, rel.replace("/", "_") + ".cpp")
    with open(src, "w") as f:
        f.write("#include <%s>\n#include <%s>\n" % (rel, rel))  # twice: the guard works
    cmd = [ctx.cxx, "-std=c++20", "-fsyntax-only", "-H"] + WARNINGS + ["-I" + os.path.join(ctx.prefix, "include"), src]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace")
    problems = []
    included = [line.lstrip(". ").strip() for line in err.splitlines() if line.startswith(".")]
    if p.returncode != 0:
        problems.append("%s does not compile alone:\n%s" % (rel, "\n".join(
            line for line in err.splitlines() if not line.startswith(".") and "Multiple include" not in line)[-3000:]))
    for inc in included:
        if (inc.startswith(ctx.source) or inc.startswith(ctx.build)) and not inc.startswith(ctx.prefix):
            problems.append("%s includes %s (outside the install)" % (rel, inc))
    leaks = set()
    for inc in included:
        for key, name in THIRD_PARTY.items():
            if "/include/" + key in inc:
                leaks.add(name)
                break
    # No macros of ours: a public header must not #define anything (include guards are
    # #pragma once), and what it includes must come from the install or the system.
    defines = [line.strip() for line in open(header) if re.match(r"\s*#\s*define\b", line)]
    if defines:
        problems.append("%s defines macros: %s" % (rel, "; ".join(defines)))
    return rel, problems, sorted(leaks)


def step_headers(ctx):
    out = ctx.step_dir("headers")
    headers = sorted(glob.glob(os.path.join(ctx.prefix, "include", "rtmp", "**", "*.hpp"), recursive=True))
    if len(headers) < 10:
        raise cu.TestFailure("only %d headers installed" % len(headers))
    problems, report = [], []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for rel, p, leaks in pool.map(lambda h: check_header(ctx, out, h), headers):
            problems += p
            if leaks:
                report.append("%-32s %s" % (rel, ", ".join(leaks)))
    print("third-party headers reached from each public header (besides Boost.System):")
    print("\n".join(r for r in report if r.split(None, 1)[1] != "Boost.System") or "(none)")
    if problems:
        raise cu.TestFailure("\n".join(problems))
    print("%d public headers compile alone with %s" % (len(headers), " ".join(WARNINGS)))


def ffmpeg_publish(fixture, url):
    return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-copyts", "-i", fixture,
            "-c", "copy", "-f", "flv", url]


def step_probe(ctx):
    cu.require_tools("ffmpeg", "ffprobe")
    work = ctx.step_dir("probe")
    probe = cu.Process("probe", [ctx.example("probe"), "0", "--once"], work)
    try:
        port = probe.wait_for_event("listening")["port"]
        cu.run(ffmpeg_publish(ctx.fixture, "rtmp://127.0.0.1:%d/live/key" % port), timeout=60)
        if probe.wait(10) is None:
            raise cu.TestFailure("probe did not exit after the publisher left\n" + probe.logs())
    finally:
        probe.stop()
    events = probe.events()
    expected = cu.ffprobe_packets(ctx.fixture)
    video = [{"dts": e["dts"], "pts": e["pts"], "key": e["keyframe"], "size": e["size"], "nalus": e["nalus"],
              "types": e["nal_types"]} for e in events if e["event"] == "video"]
    audio = [{"dts": e["timestamp"], "pts": e["timestamp"], "key": True, "size": e["size"]}
             for e in events if e["event"] == "audio"]
    problems = cu.compare("video", expected["video"], video, ("dts", "pts", "key", "size"))
    problems += cu.compare("audio", expected["audio"], audio, ("dts", "pts", "size"))
    nalus = cu.flv_video_nalu_counts(ctx.fixture)
    if [v["nalus"] for v in video] != nalus:
        problems.append("NAL unit counts differ from the file's: %s... vs %s..." % (
            [v["nalus"] for v in video][:8], nalus[:8]))
    if any(v["key"] and 5 not in v["types"] for v in video):
        problems.append("a keyframe without an IDR NAL unit (type 5)")
    codecs = sorted((e["type"], e["codec"]) for e in events if e["event"] == "codec")
    if codecs != [("audio", "aac"), ("video", "h264")]:
        problems.append("codec events: %s" % codecs)
    if problems:
        raise cu.TestFailure("\n".join(problems) + "\n" + probe.logs())
    print("probe: %d video, %d audio events identical to ffprobe's packets" % (len(video), len(audio)))


def play_cmd(url, out):
    return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", url, "-c", "copy",
            "-f", "flv", out]


def wait_all(procs, timeout):
    deadline = time.monotonic() + timeout
    for p in procs:
        if p.wait(max(0.1, deadline - time.monotonic())) is None:
            raise cu.TestFailure("%s did not finish\n%s" % (p.name, p.logs()))
        if p.proc.returncode != 0:
            raise cu.TestFailure("%s exited %d\n%s" % (p.name, p.proc.returncode, p.logs()))


def check_copy(name, expected, path, skip_leading_audio=False):
    got = cu.ffprobe_packets(path)
    problems = []
    for kind in ("video", "audio"):
        exp = expected[kind]
        act = got.get(kind, [])
        if skip_leading_audio and kind == "audio" and len(act) < len(exp):
            exp = exp[len(exp) - len(act):]
        problems += cu.compare("%s %s" % (name, kind), exp, act, ("size", "key"))
    return problems


def step_mini_relay(ctx):
    cu.require_tools("ffmpeg", "ffprobe")
    work = ctx.step_dir("mini_relay")
    relay = cu.Process("mini_relay", [ctx.example("mini_relay"), "0"], work)
    procs = []
    try:
        port = relay.wait_for_event("listening")["port"]
        url = "rtmp://127.0.0.1:%d/live/key" % port
        # Two players waiting before the publisher, then one publish.
        outs = [os.path.join(work, "player%d.flv" % i) for i in (1, 2)]
        procs = [cu.Process("player%d" % i, play_cmd(url, out), work) for i, out in enumerate(outs, 1)]
        time.sleep(1)
        procs.append(cu.Process("publisher", ffmpeg_publish(ctx.fixture, url), work))
        wait_all(procs, 40)
    finally:
        for p in procs:
            p.stop()
        relay.stop()
    expected = cu.ffprobe_packets(ctx.fixture)
    problems = []
    for i, out in enumerate(outs, 1):
        problems += check_copy("player%d" % i, expected, out)
    if problems:
        raise cu.TestFailure("\n".join(problems) + "\n" + relay.logs())
    print("mini_relay: one publish, 2 players each got %d video and %d audio frames as sent" % (
        len(expected["video"]), len(expected["audio"])))


def step_file_roundtrip(ctx):
    cu.require_tools("ffprobe")
    work = ctx.step_dir("file_roundtrip")
    relay = cu.Process("mini_relay", [ctx.example("mini_relay"), "0"], work)
    out = os.path.join(work, "played.flv")
    procs = []
    try:
        port = relay.wait_for_event("listening")["port"]
        url = "rtmp://127.0.0.1:%d/live/key" % port
        player = cu.Process("play_to_file", [ctx.example("play_to_file"), url, out, "30"], work)
        procs.append(player)
        player.wait_for_event("status")  # NetStream.Play.Start: playing before the publish
        procs.append(cu.Process("publish_file", [ctx.example("publish_file"), ctx.fixture, url], work))
        wait_all(procs, 40)
    finally:
        for p in procs:
            p.stop()
        relay.stop()
    codes = [e.get("code") for e in player.events() if e["event"] == "status"]
    if "NetStream.Play.UnpublishNotify" not in codes:
        raise cu.TestFailure("play_to_file saw no UnpublishNotify: %s" % codes)
    expected = cu.ffprobe_packets(ctx.fixture)
    problems = check_copy("played.flv", expected, out)
    got = cu.ffprobe_packets(out)
    problems += cu.compare("video timestamps", expected["video"], got["video"], ("dts", "pts"))
    if problems:
        raise cu.TestFailure("\n".join(problems))
    print("publish_file -> mini_relay -> play_to_file: %d video, %d audio packets as in the file" % (
        len(got["video"]), len(got["audio"])))


def step_own_event_loop(ctx):
    out = cu.run([ctx.example("own_event_loop"), "40"], timeout=30)
    m = re.search(r'\{"sent":(\d+),"received":(\d+),"ticks":(\d+),"publisher_left":true\}', out)
    if not m or int(m.group(1)) != 40 or int(m.group(2)) != 40 or int(m.group(3)) < 5:
        raise cu.TestFailure("own_event_loop printed %r" % out)
    print("own_event_loop: %s" % out.strip())


STEPS = {name[5:]: fn for name, fn in globals().items() if name.startswith("step_")}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cxx", default="c++")
    p.add_argument("--launcher", default="")
    p.add_argument("step", choices=sorted(STEPS))
    args = p.parse_args()
    ctx = Ctx(args)
    os.makedirs(ctx.work, exist_ok=True)
    cu.main_wrapper(lambda: STEPS[args.step](ctx))


if __name__ == "__main__":
    main()
