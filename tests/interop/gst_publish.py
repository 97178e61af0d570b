#!/usr/bin/env python3
"""GStreamer (flvdemux ! h264parse/aacparse ! flvmux ! rtmp2sink) publishes fixture 1.

GStreamer rewrites timestamps (its running time starts at 0 and flvmux clamps negative
DTS), rewrites the avcC (h264parse) and resends onMetaData, so ffprobe of the source cannot
predict the stream. The reference is the same pipeline with filesink instead of rtmp2sink:
every packet (dts, pts, key, size), NAL unit count and sequence header must match it
exactly. That reference is itself checked against the source fixture: same sizes and key
flags in the same order (GStreamer must not have touched the payloads).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtmptest as rt  # noqa: E402

FIXTURE = "h264_high_aac"


def pipeline(fixture, sink):
    return ["gst-launch-1.0", "-q", "filesrc", "location=" + fixture, "!", "flvdemux", "name=d",
            "d.video", "!", "queue", "!", "h264parse", "!", "flvmux", "name=m", "streamable=true",
            "!"] + sink + ["d.audio", "!", "queue", "!", "aacparse", "!", "m."]


def check_reference(fixture, reference):
    """GStreamer may move timestamps but must keep every payload: sizes and key flags."""
    src, ref = rt.ffprobe_packets(fixture), rt.ffprobe_packets(reference)
    strip = {t: [rt.Packet(0, 0, p.key, p.size) for p in src[t]] for t in src}
    strip_ref = {t: [rt.Packet(0, 0, p.key, p.size) for p in ref[t]] for t in ref}
    return rt.compare_tracks(strip, strip_ref, "source", "gst-file")


def main():
    p = rt.arg_parser(__doc__)
    p.add_argument("--chunk-size", type=int, required=True)
    args = p.parse_args()
    rt.require_tools("gst-launch-1.0", "ffprobe")

    def run():
        fixture = rt.fixture_path(args.fixtures, FIXTURE)
        work = rt.work_dir(args, "gst_publish.chunk%d" % args.chunk_size)
        reference = os.path.join(work, "reference.flv")
        ref = rt.Process("gst-reference", pipeline(fixture, ["filesink", "location=" + reference]), work)
        if ref.wait(args.timeout) != 0:
            raise rt.TestFailure("GStreamer could not write the reference file\n" + ref.logs())
        problems = check_reference(fixture, reference)
        if problems:
            raise rt.TestFailure("GStreamer changed the payloads; the reference is unusable\n"
                                 + "\n".join(problems))

        def publisher(port):
            url = "rtmp://127.0.0.1:%d/live/key" % port
            return pipeline(fixture, ["rtmp2sink", "location=" + url, "chunk-size=%d" % args.chunk_size])

        events = rt.run_session(args.probe, ["--demux"], publisher, work, args.timeout)
        problems = rt.check_session_events(events, app="live", key="key")
        problems += rt.check_media(events, reference)
        if problems:
            raise rt.TestFailure("chunk size %d (logs in %s)\n%s" % (args.chunk_size, work, "\n".join(problems)))
        n = rt.probe_packets(events)
        print("chunk size %d: %d video, %d audio packets identical to GStreamer's own flvmux output"
              % (args.chunk_size, len(n["video"]), len(n["audio"])))

    rt.main_wrapper(run)


if __name__ == "__main__":
    main()
