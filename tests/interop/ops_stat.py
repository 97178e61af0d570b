#!/usr/bin/env python3
"""rtmp-server's operator routes: nginx-rtmp /stat XML, /api/streams, kicks, --api-token.

--case stat: ffmpeg publishes the 20 s relay fixture (640x360 30 fps H.264 High at a CBR
  1850 kb/s + AAC) in real time and one ffmpeg player plays it. GET /stat must parse as XML
  and hold what NOALBS's nginx parser reads (server/application[name=live]/live/stream
  [name=k] with an integer bw_video, meta/video width, height, frame_rate, codec, profile,
  level, meta/audio codec, channels, sample_rate), bw_video within 30 % of 1850 kb/s,
  nclients 2 (publisher + player, as nginx-rtmp counts), time in ms. The repository's
  stat.xsl rendered by xsltproc must give an HTML table with the stream. /api/streams must
  show separate audio/video bitrates, profile/level, viewers by protocol and client rows.
  Without --api-token a kick is 403 and the publisher stays.
--case token: with --api-token, /api/streams, /stat and /metrics are 401 without the token or
  with a wrong one (one log line each), 200 with "Authorization: Bearer"; the dashboard
  login form sets a cookie that then opens /api/streams; kicking an unknown client is 404;
  kicking the RTMP player and an HTTP-FLV player by id disconnects them; kicking live/k
  makes the publishing ffmpeg exit.
--case storm: 2000 quick dashboard and /api/streams requests while an HTTP-FLV player plays:
  the player keeps receiving at the stream's rate and the publisher stays.
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_util as hu  # noqa: E402
import relay_util as ru  # noqa: E402
import rtmptest as rt  # noqa: E402

VIDEO_KBPS = 1850
STAT_XSL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "apps", "relay",
                        "www", "stat.xsl")


def request(port, method, path, headers=None, body=None):
    """(status, headers, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def noalbs_stream(xml_text, app, key):
    """The stream element as NOALBS's nginx parser finds it, and its fields, typed the way
    NOALBS's serde structs read them (u32 / f64 / String); raises on what it would reject."""
    root = ET.fromstring(xml_text)
    if root.tag != "rtmp":
        raise rt.TestFailure("/stat root is <%s>" % root.tag)
    for a in root.find("server").findall("application"):
        if a.findtext("name") != app:
            continue
        for s in a.find("live").findall("stream"):
            if s.findtext("name") == key:
                v = s.find("meta/video")
                au = s.find("meta/audio")
                return s, {
                    "bw_video": int(s.findtext("bw_video")),
                    "width": int(v.findtext("width")), "height": int(v.findtext("height")),
                    "frame_rate": float(v.findtext("frame_rate")), "codec": v.findtext("codec"),
                    "profile": v.findtext("profile"), "compat": int(v.findtext("compat")),
                    "level": float(v.findtext("level")), "audio_codec": au.findtext("codec"),
                    "channels": int(au.findtext("channels")),
                    "sample_rate": int(au.findtext("sample_rate")),
                }
    raise rt.TestFailure("no %s/%s in /stat:\n%s" % (app, key, xml_text))


def check_stat(port, work, problems):
    st, hdr, body = request(port, "GET", "/stat")
    if st != 200 or "xml" not in hdr.get("content-type", ""):
        problems.append("/stat: %s %s" % (st, hdr.get("content-type")))
        return
    text = body.decode()
    with open(os.path.join(work, "stat.xml"), "w") as f:
        f.write(text)
    s, f = noalbs_stream(text, "live", "k")
    print("/stat (NOALBS fields): %s" % f)
    print("NOALBS bitrate: %d Kbps" % (f["bw_video"] // 1024))
    if abs(f["bw_video"] / 1000 - VIDEO_KBPS) > 0.3 * VIDEO_KBPS:
        problems.append("bw_video %d b/s, expected %d kb/s +-30%%" % (f["bw_video"], VIDEO_KBPS))
    want = {"width": 640, "height": 360, "codec": "H264", "profile": "High", "audio_codec": "AAC",
            "channels": 2, "sample_rate": 48000}
    for k, v in want.items():
        if f[k] != v:
            problems.append("/stat %s: %r, expected %r" % (k, f[k], v))
    if not 25 <= f["frame_rate"] <= 35 or not 1 <= f["level"] <= 6.2:
        problems.append("/stat frame_rate %s level %s" % (f["frame_rate"], f["level"]))
    bw_audio = int(s.findtext("bw_audio"))
    if not 60000 <= bw_audio <= 250000:
        problems.append("bw_audio %d b/s, expected about 128 kb/s" % bw_audio)
    if s.findtext("nclients") != "2":
        problems.append("stream nclients %s, expected 2" % s.findtext("nclients"))
    clients = s.findall("client")
    if len(clients) != 2 or sum(c.find("publishing") is not None for c in clients) != 1:
        problems.append("client rows: %d" % len(clients))
    if not 3000 <= int(s.findtext("time")) <= 60000:
        problems.append("stream time %s ms" % s.findtext("time"))
    # nginx-rtmp's own stylesheet layout: the repository's stat.xsl through xsltproc.
    if shutil.which("xsltproc") is None:
        problems.append("xsltproc missing (Debian package xsltproc)")
        return
    html = subprocess.run(["xsltproc", STAT_XSL, os.path.join(work, "stat.xml")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = html.stdout.decode()
    with open(os.path.join(work, "stat.html"), "w") as fh:
        fh.write(out)
    if html.returncode != 0 or "<table" not in out or "<td>k</td>" not in out or "<td>live</td>" not in out:
        problems.append("xsltproc stat.xsl: rc %d, no table row for live/k:\n%s%s"
                        % (html.returncode, out[:2000], html.stderr.decode()))


def check_api(port, problems):
    st, _, body = request(port, "GET", "/api/streams")
    if st != 200:
        problems.append("/api/streams: %s" % st)
        return
    data = json.loads(body)
    s = next((x for x in data["streams"] if x["app"] == "live" and x["key"] == "k"), None)
    if not s:
        problems.append("/api/streams lacks live/k")
        return
    v, a = s["video"], s["audio"]
    print("/api/streams: video %.0f kb/s %s %s, audio %.0f kb/s, viewers %s, %d clients"
          % (v["bitrate_kbps"], v["profile"], v["level"], a["bitrate_kbps"], s["viewers"], len(s["clients"])))
    if abs(v["bitrate_kbps"] - VIDEO_KBPS) > 0.3 * VIDEO_KBPS or not 60 <= a["bitrate_kbps"] <= 250:
        problems.append("/api/streams bitrates video %s audio %s" % (v["bitrate_kbps"], a["bitrate_kbps"]))
    if s["viewers"] != {"rtmp": 1, "http-flv": 0, "ws-flv": 0, "hls": 0}:
        problems.append("viewers %s" % s["viewers"])
    roles = sorted((c["role"], c["protocol"]) for c in s["clients"])
    if roles != [("player", "rtmp"), ("publisher", "rtmp")]:
        problems.append("client rows %s" % s["clients"])
    if v["profile"] != "High" or a["profile"] != "LC" or not v["level"]:
        problems.append("profiles %s %s level %s" % (v["profile"], a["profile"], v["level"]))
    if data.get("kick") is not False:
        problems.append("kick advertised without a token")


def start(args, work, extra, player=True):
    fixture = ru.fixture(args, "relay_2mbit_20s")
    server = ru.Server(args.server, work, ["--http-port", "0", "--no-hls"] + extra)
    port = hu.http_port(server)
    pub = rt.Process("publisher", ru.publish_cmd(server.url("k"), fixture), work)
    server.wait_log(r"relay: publish app=live key=k", 1)
    play = None
    if player:
        play = rt.Process("player", ru.player_cmd("ffmpeg", server.url("k"), os.path.join(work, "play.flv")), work)
        server.wait_log(r"relay: play app=live key=k", 1)
    return server, port, pub, play


def case_stat(args, work):
    problems = []
    server, port, pub, play = start(args, work, [])
    try:
        time.sleep(5)  # a few rate windows
        check_stat(port, work, problems)
        check_api(port, problems)
        st, _, _ = request(port, "POST", "/api/streams/live/k/kick")
        if st != 403:
            problems.append("kick without a configured token: %s, expected 403" % st)
        if pub.proc.poll() is not None:
            problems.append("the publisher left after a refused kick")
        pub.kill()
        play.kill()
    finally:
        server.stop()
    return problems


def case_token(args, work):
    problems = []
    token = "s3cret-token"
    server, port, pub, play = start(args, work, ["--api-token", token])
    bearer = {"Authorization": "Bearer " + token}
    try:
        time.sleep(2)
        for path in ["/api/streams", "/stat", "/metrics"]:
            for h in [{}, {"Authorization": "Bearer nope"}]:
                st, hdr, _ = request(port, "GET", path, h)
                if st != 401:
                    problems.append("%s with %s: %s, expected 401" % (path, h, st))
            st, _, _ = request(port, "GET", path, bearer)
            if st != 200:
                problems.append("%s with the token: %s" % (path, st))
        try:
            server.wait_log(r"http api: .*GET /stat: 401", 2, 5)
        except rt.TestFailure:
            problems.append("no log line per refused /stat request")
        st, _, body = request(port, "GET", "/")
        if st != 401 or b"<form" not in body:
            problems.append("dashboard without the token: %s, expected 401 with the login form" % st)
        st, hdr, _ = request(port, "POST", "/api/login", {"Content-Type": "application/x-www-form-urlencoded"},
                             "token=" + token)
        cookie = hdr.get("set-cookie", "").split(";")[0]
        if st != 303 or not cookie:
            problems.append("login: %s, cookie %r" % (st, cookie))
        st, _, _ = request(port, "GET", "/api/streams", {"Cookie": cookie})
        if st != 200:
            problems.append("/api/streams with the login cookie: %s" % st)
        st, _, _ = request(port, "POST", "/api/login", {}, "token=wrong")
        if st != 401:
            problems.append("login with a wrong token: %s" % st)
        st, _, _ = request(port, "POST", "/api/clients/999999/kick", bearer)
        if st != 404:
            problems.append("kick of an unknown client: %s, expected 404" % st)
        st, _, _ = request(port, "POST", "/api/streams/live/k/kick")
        if st != 401:
            problems.append("kick without the token: %s, expected 401" % st)
        data = json.loads(request(port, "GET", "/api/streams", bearer)[2])
        players = [c["id"] for s in data["streams"] for c in s["clients"] if c["role"] == "player"]
        if data.get("kick") is not True or len(players) != 1:
            problems.append("/api/streams: kick %s, players %s" % (data.get("kick"), players))
        else:
            st, _, _ = request(port, "POST", "/api/clients/%s/kick" % players[0], bearer)
            if st != 200 or play.wait(10) is None:
                problems.append("kick of the player: %s, player still running" % st)
        # HTTP-FLV players have ids past 2^53: the row's id is a string that kicks exactly it.
        flv = hu.FlvGet(port, "/live/k.flv", os.path.join(work, "kicked.flv"))
        flv.started.wait(10)
        time.sleep(1)
        data = json.loads(request(port, "GET", "/api/streams", bearer)[2])
        ids = [c["id"] for s in data["streams"] for c in s["clients"] if c["protocol"] == "http-flv"]
        st = request(port, "POST", "/api/clients/%s/kick" % ids[0], bearer)[0] if ids else None
        flv.join(10)
        if st != 200 or flv.is_alive():
            problems.append("kick of the HTTP-FLV player %s: %s, %s" % (ids, st, "still reading" if flv.is_alive() else "ended"))
        st, _, _ = request(port, "POST", "/api/streams/live/k/kick", bearer)
        rc = pub.wait(10)
        if st != 200 or rc is None:
            problems.append("kick of the publisher: %s, ffmpeg %s" % (st, "still running" if rc is None else "exited %s" % rc))
        server.wait_log(r"relay: unpublish app=live key=k", 1, 5)
        st, _, _ = request(port, "POST", "/api/streams/live/k/kick", bearer)
        if st != 404:
            problems.append("kick of a stream no longer live: %s, expected 404" % st)
    finally:
        pub.kill()
        if play:
            play.kill()
        server.stop()
    return problems


def case_storm(args, work):
    problems = []
    server, port, pub, _ = start(args, work, [], player=False)
    try:
        reader = hu.FlvGet(port, "/live/k.flv", os.path.join(work, "storm.flv"))
        reader.started.wait(10)
        time.sleep(2)
        before, t0 = reader.size, time.monotonic()
        errors, done = [], [0]

        def storm(n):
            for i in range(n):
                try:
                    request(port, "GET", "/" if i % 2 else "/api/streams")
                    done[0] += 1
                except OSError as e:
                    errors.append(str(e))
        threads = [threading.Thread(target=storm, args=(500,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        storm_s = time.monotonic() - t0
        time.sleep(max(0.0, 2.0 - storm_s))  # a window long enough for a rate
        elapsed = time.monotonic() - t0
        got_kbps = (reader.size - before) * 8 / 1000 / elapsed
        print("storm: %d requests in %.1f s (%d errors); HTTP-FLV player got %.0f kb/s over %.1f s"
              % (done[0], storm_s, len(errors), got_kbps, elapsed))
        if done[0] < 2000 or errors:
            problems.append("storm: %d of 2000 answered, errors %s" % (done[0], errors[:3]))
        if got_kbps < 0.7 * VIDEO_KBPS:
            problems.append("the player got %.0f kb/s during the storm" % got_kbps)
        if pub.proc.poll() is not None:
            problems.append("the publisher left during the storm")
        pub.kill()
    finally:
        server.stop()
    return problems


def main():
    p = ru.arg_parser(__doc__)
    p.add_argument("--case", required=True, choices=["stat", "token", "storm"])
    args = p.parse_args()
    rt.require_tools("ffmpeg", "ffprobe")

    def run():
        work = rt.work_dir(args, "ops_stat_" + args.case)
        problems = {"stat": case_stat, "token": case_token, "storm": case_storm}[args.case](args, work)
        if problems:
            raise rt.TestFailure("\n".join(problems))
    return rt.main_wrapper(run)


if __name__ == "__main__":
    sys.exit(main())
