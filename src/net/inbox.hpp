// A player connection's inbox of fan-out hand-offs: encoded messages that other threads
// (publishers' handlers) give to this connection collect here, and one job on the
// connection's strand moves them all to its session, instead of one posted job per message.
// Audio may wait in the inbox for the next video frame (one write per frame, not per
// message). Sans-IO: push() says what the caller must do (wake a drain job, or hold).
//
// Thread safety: push, release and take may be called from any thread (one mutex).
#pragma once

#include "rtmp/core/bytes.hpp"
#include "rtmp/core/message.hpp"

#include <cstdint>
#include <limits>
#include <mutex>
#include <utility>
#include <vector>

namespace rtmp::net {

// Learns a stream's video frame interval from the video timestamps it sees and says whether
// an audio message may wait for the next video frame: only while video flows (audio near
// the last video frame), never for audio-only streams or after a new publish.
class AudioHoldPolicy {
 public:
  static constexpr std::int32_t kMaxVideoIntervalMs = 100;
  // Feeds `m` to the policy: true when `m` is audio that may wait for the next video frame.
  bool holds(const Message& m);
  // The last video frame interval seen; 0 = unknown.
  std::uint32_t video_interval_ms() const noexcept { return video_interval_ms_; }

 private:
  bool video_seen_ = false;
  std::uint32_t last_video_ts_ = 0;
  std::uint32_t video_interval_ms_ = 0;
};

class Inbox {
 public:
  using Item = std::pair<SharedBytes, Message>;
  struct Push {
    enum Action { none, wake, hold } action = none;
    std::uint64_t gen = 0;          // hold: the hold's number, for release()
    std::uint32_t interval_ms = 0;  // hold: the video frame interval it waits at most
  };

  // Queues one message. may_hold: audio may wait for video (a publisher's feed reaching
  // many players). Returns wake when the caller must schedule a drain job, hold when it
  // must release hold `gen` later (release()), none when a drain or hold is already pending.
  Push push(SharedBytes chunks, const Message& header, bool may_hold);
  // Ends hold number `gen`: true when the caller must schedule a drain job now (the hold
  // is still the current one and no drain is scheduled).
  bool release(std::uint64_t gen);
  // The count of hand-offs made so far: a job posted now drains those first (take(mark)).
  std::uint64_t mark();
  // Moves the messages up to hand-off number `upto` into `out` (cleared first). Taking
  // them all ends the scheduled drain and any hold; ones left behind keep theirs.
  void take(std::vector<Item>& out, std::uint64_t upto = std::numeric_limits<std::uint64_t>::max());

 private:
  std::mutex mutex_;
  std::vector<Item> items_;
  bool scheduled_ = false;
  bool held_ = false;
  std::uint64_t taken_ = 0;  // hand-offs moved out so far
  std::uint64_t hold_gen_ = 0;
  AudioHoldPolicy policy_;
};

}  // namespace rtmp::net
