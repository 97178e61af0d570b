// HLS / LL-HLS output of the relay: every live stream gets a relay-internal player (an
// rtmp::Session, as pushes have) that demuxes what the relay queues for it and feeds an
// rtmp::hls::Segmenter; the HTTP layer serves the result from memory.
//
//   rtmp::relay::HlsRegistry hls(relay, {});          // fMP4, 2 s segments, 200 ms parts
//   ... every ~250 ms: hls.tick(rtmp::Clock::now());  // joins live streams, drops old ones
//   // GET /APP/KEY/FILE?QUERY:
//   if (auto s = hls.find(app, key)) {
//     auto a = s->get(file, query);                   // index.m3u8, init.mp4, seg3.m4s, ...
//     if (a.kind == HlsStream::Answer::Kind::wait) -> s->subscribe(wake), ask again on each
//        wake; after ~3 target durations (s->target_duration_s()) answer 503
//     else -> a.status(), a.content_type, a.cache_control, a.text or a.body
//   } else -> 404
//
// The player joins like any other: it gets the sequence headers and the cached GOP first,
// then every frame (it never falls behind: frames are processed when queued, so the relay
// never skips frames for it). PublishNotify after an UnpublishNotify is a republish
// (EXT-X-DISCONTINUITY); UnpublishNotify ends the playlist (EXT-X-ENDLIST) until then.
//
// Thread safety: all members may be called from any thread. Lock order: HlsRegistry's
// mutex, then the relay's (HlsRegistry calls Relay without holding its own), then an
// HlsStream's. Subscribers are called without any HlsStream lock held, on the thread that
// queued the frame (the publisher's, which holds the relay stream's lock): they must only
// post work (e.g. cancel a timer), never call back into the relay or the registry.
#pragma once

#include "relay/relay.hpp"
#include "rtmp/media/demuxer.hpp"
#include "rtmp/media/hls_playlist.hpp"
#include "rtmp/media/hls_segmenter.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::relay {

struct HlsConfig {
  hls::Options options;
  // How long a stream's HLS output stays after its publisher left (players finish the
  // window, a quick republish continues the same playlist). 0: one window of segments.
  std::chrono::milliseconds linger{0};
  // Also write every init, segment, part and playlist to DIR/APP/KEY/ (write to a temporary
  // name, then rename: a reader never sees a partial file), for nginx or a CDN to serve;
  // files that left the window are removed, and the directory's files when the stream is
  // dropped. Empty: memory only. The writes happen on the publisher's thread.
  std::string dir;
};

// One stream's segments and playlists, as the HTTP layer sees them.
class HlsStream {
 public:
  explicit HlsStream(hls::Options options);

  struct Answer {
    enum class Kind : std::uint8_t { ok, wait, bad_request, not_found } kind = Kind::not_found;
    std::string_view content_type;  // ok only
    std::string_view cache_control;
    std::shared_ptr<const std::string> text;  // playlists
    std::vector<SharedBytes> body;            // init, segments (their parts, in order), parts
    int status() const noexcept {
      return kind == Kind::ok            ? 200
             : kind == Kind::bad_request ? 400
             : kind == Kind::wait        ? 0
                                         : 404;
    }
    std::size_t size() const noexcept;
  };
  // `file`: a name in the stream's directory; `query`: the query string without '?'.
  // Playlists: "max-age=1" (blocking reloads too: they differ by query); media:
  // "max-age=86400, immutable" (names are never reused). A playlist is answered wait
  // until the first segment is complete (its EXT-X-TARGETDURATION is then fixed), and while
  // a blocking request (_HLS_msn/_HLS_part) is ahead.
  Answer get(std::string_view file, std::string_view query);

  // Called after every change (a part, a segment, the end, the stream dropped); returns a
  // handle for unsubscribe(). See the thread-safety note above.
  std::uint64_t subscribe(std::function<void()> fn);
  void unsubscribe(std::uint64_t handle);
  std::uint64_t version() const;
  std::int64_t target_duration_s() const;
  // Why a track is left out of the output (empty: none).
  std::string status() const;
  bool ended() const;

  // Feeding (HlsOutput).
  void push(const MediaEvent& e, std::int64_t wall_ms);
  void discontinuity(std::int64_t wall_ms);
  void end(std::int64_t wall_ms);
  void notify();  // calls the subscribers if the state changed; outside every lock
  // Mirrors the files to `dir` from now on (see HlsConfig::dir); remove_files() deletes them.
  void write_files_to(std::string dir);
  void remove_files();

 private:
  struct Mirror;
  void sync_files();

  mutable std::mutex mutex_;
  hls::Segmenter segmenter_;
  hls::PlaylistCache cache_;
  std::string last_status_;
  std::uint64_t notified_version_ = 0;
  std::mutex subscribers_mutex_;
  std::map<std::uint64_t, std::function<void()>> subscribers_;
  std::uint64_t next_handle_ = 1;
  std::mutex mirror_mutex_;  // before mutex_
  std::shared_ptr<Mirror> mirror_;
};

// The relay-internal player feeding one HlsStream.
class HlsOutput final : public Session {
 public:
  HlsOutput(std::string app, std::string key, std::shared_ptr<HlsStream> stream);

  void send_codec(const Codec&) override {}
  void send_video(const VideoSample&) override {}
  void send_audio(const AudioSample&) override {}
  void send_metadata(const amf::Value&) override {}
  void send_message(const Message&) override {}
  void send_status(std::string_view level, std::string_view code,
                   std::string_view description) override;
  void send_encoded(SharedBytes chunks, const Message& header) override;
  std::uint32_t chunk_size() const noexcept override { return 4096; }
  std::uint32_t play_stream_id() const noexcept override { return 1; }
  void resolve(Decision) override {}
  void close() override;
  void abort(const Error&) override { close(); }
  std::uint64_t id() const noexcept override { return id_; }
  const std::string& remote_address() const noexcept override { return remote_; }
  std::size_t pending_output() const noexcept override { return 0; }

  bool closed() const;
  const std::shared_ptr<HlsStream>& stream() const noexcept { return stream_; }

 private:
  static std::int64_t wall_ms();

  std::string app_, key_, remote_;
  std::uint64_t id_;
  std::shared_ptr<HlsStream> stream_;
  mutable std::mutex mutex_;  // the demuxer and the flags below
  Demuxer demuxer_;
  std::vector<MediaEvent> events_;
  bool unpublished_ = false, closed_ = false;
  std::uint64_t demux_errors_ = 0;
};

class HlsRegistry {
 public:
  HlsRegistry(Relay& relay, HlsConfig config);
  ~HlsRegistry();

  // Joins an HlsOutput to every live stream without one; drops outputs whose stream has
  // not been live for HlsConfig::linger (their HlsStream ends; find() stops finding it).
  void tick(TimePoint now);
  // Leaves every stream.
  void stop();
  std::shared_ptr<HlsStream> find(std::string_view app, std::string_view key) const;
  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<HlsOutput> output;
    std::shared_ptr<Stream> relay_stream;
    std::optional<TimePoint> idle_since;
  };
  void drop(Entry& e, std::string_view why);

  Relay& relay_;
  HlsConfig config_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;  // "app/key"
  bool stopped_ = false;
};

}  // namespace rtmp::relay
