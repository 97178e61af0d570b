// Mp4Fragmenter: the fragmented-MP4 bytes of one recorded stream, built from the RTMP audio and
// video messages the relay hands its recorder. Sans-IO: messages in, init segment and
// fragments out; the file handling (names, splits, write errors) is Mp4Recorder's.
//
// Layout: an init segment (ftyp + moov with mvex, from rtmp::fmp4::init_segment) and then one
// moof + mdat per fragment (rtmp::fmp4::write_fragment). A file cut after any whole fragment
// plays up to that fragment, which is what makes a recording survive a crash of the server.
//
// Tracks: the first video and the first audio track of the message stream (Enhanced RTMP
// track id 0); other multitrack tracks are not recorded. Both use timescale 1000, the RTMP
// clock, so the recorded decode and presentation times are exactly the source's (ms).
// Fragments are cut before each video keyframe and whenever a fragment would span more than
// `max_fragment` (long GOPs, audio-only streams). The tracks are fixed by the first frame
// (sequence headers seen before it); a sequence header that changes a track's codec or config,
// or adds a track, later asks for a new init segment: the next fragment carries it and the
// caller starts a new file with it.
//
//   Mp4Fragmenter f(std::chrono::milliseconds(1000));
//   for (auto& m : messages) { ready.clear(); f.push(m, ready); for (auto& fr : ready) ... }
//   f.finish(ready);  // the last samples
//
// Not thread-safe: one per recording, used under its stream's lock.
#pragma once

#include "rtmp/core/message.hpp"
#include "rtmp/error.hpp"
#include "rtmp/media.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/fmp4.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace rtmp::relay {

struct Mp4Fragment {
  Bytes bytes;  // moof + mdat
  // A new file may start here: the fragment's first video sample is a keyframe (or it has no
  // video track).
  bool keyframe_start = false;
  // Set on the first fragment of a set of tracks (the first one, and the first after a
  // codec change): the init segment that must precede it, so it starts a new file.
  SharedBytes init;
  std::int64_t start_ms = 0;  // earliest decode time in the fragment
  std::int64_t end_ms = 0;    // latest decode time + that sample's duration
  std::uint64_t frames = 0;   // samples of all tracks
};

class Mp4Fragmenter {
 public:
  explicit Mp4Fragmenter(std::chrono::milliseconds max_fragment = std::chrono::milliseconds(1000));

  // Audio and video messages (other types are ignored). Appends the fragments completed by
  // this message to `ready`. A message the demuxer rejects, or sequence headers fMP4 cannot
  // describe (errc::malformed, unsupported), return that error; the caller may go on.
  Result<void> push(const Message& m, std::vector<Mp4Fragment>& ready);
  // Cuts what is buffered into a last fragment (durations of the last samples estimated from
  // their track's previous sample). Nothing when nothing is buffered.
  void finish(std::vector<Mp4Fragment>& ready);

  // Whether tracks are fixed (a first frame of a codec fMP4 can hold arrived).
  bool has_tracks() const noexcept { return !tracks_.empty(); }

 private:
  struct TrackState {
    std::uint32_t id = 0;  // fmp4 track id: 1 video, 2 audio
    std::optional<Codec> codec;
    std::vector<fmp4::Sample> samples;  // buffered, decode order; data views into owners
    std::vector<SharedBytes> owners;
    std::uint32_t last_duration = 0;
  };

  void on_codec(const Codec& c);
  Result<void> add_sample(TrackState& t, std::int64_t dts, std::int32_t cts, bool key,
                          ByteView data, const SharedBytes& owner, std::vector<Mp4Fragment>& ready);
  void cut(std::vector<Mp4Fragment>& ready);
  bool buffered() const noexcept;
  Result<void> fix_tracks();

  std::chrono::milliseconds max_fragment_;
  Demuxer demuxer_;
  std::vector<MediaEvent> events_;
  TrackState video_, audio_;
  std::vector<fmp4::Track> tracks_;  // fixed at the first frame; empty before
  std::uint32_t sequence_ = 1;
  bool reinit_due_ = true;    // no tracks yet, or a codec changed since they were fixed
  SharedBytes pending_init_;  // for the next fragment cut
  std::optional<std::int64_t> fragment_start_;
};

}  // namespace rtmp::relay
