// Everything rtmp-server's relay behaviour depends on, with its defaults. The tool fills it
// from flags and the optional config file; tests fill it directly.
#pragma once

#include "relay/gop_cache.hpp"
#include "relay/recorder.hpp"
#include "relay/webhook_event.hpp"
#include "rtmp/core/session.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace rtmp::relay {

struct RelayConfig {
  // Fast start (--gop-cache on|off) and its caps.
  GopCacheLimits gop;
  // A player of a key that is not live waits this long for its publisher, then gets
  // NetStream.Play.StreamNotFound and is closed. nullopt: forever (as nginx-rtmp); 0: not at
  // all (rejected at play). Also applies after an unpublish, while waiting for a republish.
  std::optional<std::chrono::milliseconds> wait_for_publisher;
  // A player whose unwritten backlog exceeds either cap skips whole frames up to the next
  // keyframe (never sequence headers or data messages); it resumes at a keyframe once the
  // backlog is below half of both caps.
  std::size_t player_queue_bytes = 16 * 1024 * 1024;
  std::uint32_t player_queue_ms = 10'000;
  // A player still skipping after this long is disconnected ("too slow"); so is one that
  // writes nothing at all for this long while data waits for it ("stalled": paused or
  // blackholed, also when it is not skipping, e.g. after an unpublish).
  std::chrono::milliseconds slow_player_timeout{30'000};
  // --record DIR (empty: no recording) and how often the file is flushed.
  std::filesystem::path record_dir;
  std::chrono::milliseconds record_flush{1'000};
  // --record-format, --record-split-seconds, --record-split-bytes (flush and on_done are
  // taken from record_flush and on_done).
  RecordOptions record;
  // Ends of publishes, plays and recording files (the *-done webhooks). Called under the
  // relay's locks: it must only queue. Empty: not reported.
  DoneSink on_done;
  // --publish-key-file (empty: anyone may publish).
  std::filesystem::path publish_key_file;
  // --player-caps enforce|ignore: with enforce, a player gets only codecs and tracks its
  // connect announced (legacy players: track 0 of legacy codecs, else NetStream.Play.Failed);
  // ignore forwards everything to everyone, for peers that take Enhanced RTMP without
  // announcing it (node-media-server 4.4 pulling as an edge).
  bool enforce_player_caps = true;
  // --publisher-takeover: a publish of a live key replaces its publisher (off: rejected with
  // NetStream.Publish.BadName; stale: when the publisher sent nothing for takeover_stale;
  // always). Players stay and continue with the new publisher (no UnpublishNotify), its
  // timestamps rebased to follow the old ones; the old publisher gets BadName and is closed.
  enum class Takeover { off, stale, always };
  Takeover publisher_takeover = Takeover::stale;
  std::chrono::milliseconds takeover_stale{2'000};
  // --max-connections (0: no limit).
  std::size_t max_connections = 0;
  // Asynchronous publish/play checks (--on-publish / --on-play HTTP callbacks, see
  // relay/http_auth.hpp). Returns false when it has no check for query.call ("publish" or
  // "play"); else calls `done` exactly once, from any thread. Empty: no checks.
  struct AuthQuery {
    std::string call, app, name, addr, tc_url;
    std::uint64_t session_id = 0;
    std::string protocol = {};  // empty: rtmp; "http-flv", "ws-flv", "hls"
  };
  std::function<bool(const AuthQuery& query, std::function<void(Decision)> done)> authorize;
};

}  // namespace rtmp::relay
