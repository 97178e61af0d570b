#include "relay/push.hpp"

#include "rtmp/client.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <regex>

namespace rtmp::relay {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// Session ids the relay sees for pushes and pulls: far above rtmp::Server's, which count
// from 1.
std::atomic<std::uint64_t> next_link_id{std::uint64_t{1} << 62};

// Players get metadata as "onMetaData", {..}; a publisher sends "@setDataFrame" first, which
// servers strip before storing (nginx-rtmp with `meta copy` would otherwise store and relay
// "onMetaData" twice, which FFmpeg's FLV reader rejects).
Message set_data_frame(const Message& m) {
  static constexpr std::uint8_t on_meta[] = {0x02, 0x00, 0x0A, 'o', 'n', 'M', 'e',
                                             't',  'a',  'D',  'a', 't', 'a'};
  auto d = m.data();
  if (d.size() < sizeof on_meta || !std::equal(std::begin(on_meta), std::end(on_meta), d.begin()))
    return m;
  static constexpr std::uint8_t set_frame[] = {0x02, 0x00, 0x0D, '@', 's', 'e', 't', 'D',
                                               'a',  't',  'a',  'F', 'r', 'a', 'm', 'e'};
  Bytes out(std::begin(set_frame), std::end(set_frame));
  out.insert(out.end(), d.begin(), d.end());
  Message r = m;
  r.payload = make_shared_bytes(std::move(out));
  return r;
}

// One stream pushed to one target: a player of the relay and a publishing rtmp::Client.
class PushLink final : public Session,
                       public ClientHandler,
                       public std::enable_shared_from_this<PushLink> {
 public:
  PushLink(asio::io_context& ioc, Relay& relay, const PushTarget& target, std::string app,
           std::string key)
      : strand_(asio::make_strand(ioc)),
        relay_(relay),
        target_(target),
        app_(std::move(app)),
        key_(std::move(key)),
        url_(target.url + "/" + key_),
        remote_("push:" + url_),
        id_(next_link_id++),
        client_(strand_),
        wake_(strand_) {
    client_.set_handler(this);
  }

  void start() { asio::co_spawn(strand_, run(), asio::detached); }
  void stop() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopping_ = true;
      self->wake_.cancel();
    });
  }
  bool done() const { return done_; }

  // Session: what the relay sends its players.
  void send_codec(const Codec&) override {}
  void send_video(const VideoSample&) override {}
  void send_audio(const AudioSample&) override {}
  void send_metadata(const amf::Value&) override {}
  void send_message(const Message&) override {}
  void send_status(std::string_view, std::string_view code, std::string_view) override {
    if (code == "NetStream.Play.UnpublishNotify" || code == "NetStream.Play.StreamNotFound")
      end_stream();
  }
  void send_encoded(SharedBytes, const Message& header) override {
    // Media and data only: the relay's User Control messages are for its own players.
    if (header.type != msg::audio && header.type != msg::video && header.type != msg::data_amf0)
      return;
    asio::post(strand_, [self = shared_from_this(), m = header]() mutable {
      if (self->client_.state() != Client::State::publishing) return;
      m.stream_id = 0;  // the client's published stream
      if (m.type == msg::data_amf0) m = set_data_frame(m);
      // output_full: dropped here; pending_output() makes the relay skip to a keyframe.
      (void)self->client_.send_message(m);
      self->pending_ = self->client_.pending_output();
    });
  }
  std::uint32_t chunk_size() const noexcept override { return 4096; }
  std::uint32_t play_stream_id() const noexcept override { return 1; }
  void resolve(Decision) override {}
  void close() override { end_stream(); }
  void abort(const Error&) override { end_stream(); }
  std::uint64_t id() const noexcept override { return id_; }
  const std::string& remote_address() const noexcept override { return remote_; }
  std::size_t pending_output() const noexcept override { return pending_; }

  // ClientHandler: the remote server ended the connection.
  void on_disconnect(const Error& reason) override {
    spdlog::warn("push: {}/{} -> {}: disconnected: {}", app_, key_, url_, reason.message());
    wake_.cancel();
  }

 private:
  void end_stream() {
    asio::post(strand_, [self = shared_from_this()] {
      self->unpublished_ = true;
      self->wake_.cancel();
    });
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    auto backoff = target_.min_backoff;
    while (!stopping_ && !unpublished_) {
      auto r = co_await client_.async_connect(url_);
      if (r) r = co_await client_.async_publish(key_);
      if (!r) {
        spdlog::warn("push: {}/{} -> {}: {}; retrying in {} ms", app_, key_, url_,
                     r.error().message(), backoff.count());
        client_.close();
        co_await sleep(backoff);
        backoff = std::min(backoff * 2, target_.max_backoff);
        continue;
      }
      auto joined = relay_.play(self, app_, PlayInfo{1, key_, -2, -1, true}, Clock::now());
      if (!joined.decision.accepted) {
        spdlog::warn("push: {}/{}: relay refused: {}", app_, key_, joined.decision.description);
        co_await client_.async_close();
        break;
      }
      spdlog::info("push: {}/{} -> {}: publishing", app_, key_, url_);
      backoff = target_.min_backoff;
      while (!stopping_ && !unpublished_ && client_.state() == Client::State::publishing) {
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(use_tuple);
      }
      relay_.leave(joined.stream, id_, "push ended");
      if (client_.state() == Client::State::publishing) {
        co_await client_.async_drain();
        co_await client_.async_close();
      } else {
        client_.close();
      }
      if (!stopping_ && !unpublished_) co_await sleep(backoff);  // the remote dropped us
    }
    spdlog::info("push: {}/{} -> {}: ended", app_, key_, url_);
    done_ = true;
  }

  asio::awaitable<void> sleep(std::chrono::milliseconds d) {
    wake_.expires_after(d);
    co_await wake_.async_wait(use_tuple);
  }

  asio::strand<asio::io_context::executor_type> strand_;
  Relay& relay_;
  PushTarget target_;
  std::string app_, key_, url_, remote_;
  std::uint64_t id_;
  Client client_;
  asio::steady_timer wake_;
  std::atomic<std::size_t> pending_{0};
  bool stopping_ = false, unpublished_ = false;
  std::atomic<bool> done_{false};
};

}  // namespace

struct Pusher::Impl {
  asio::io_context& ioc;
  Relay& relay;
  std::vector<PushTarget> targets;
  std::vector<std::optional<std::regex>> patterns;
  std::mutex mutex;
  std::map<std::pair<std::size_t, std::string>, std::shared_ptr<PushLink>> links;
  bool stopped = false;

  Impl(asio::io_context& c, Relay& r, std::vector<PushTarget> t)
      : ioc(c), relay(r), targets(std::move(t)) {}
};

Pusher::Pusher(asio::io_context& ioc, Relay& relay, std::vector<PushTarget> targets)
    : impl_(std::make_shared<Impl>(ioc, relay, std::move(targets))) {}

Pusher::~Pusher() {
  stop();
}

Result<void> Pusher::init() {
  for (auto& t : impl_->targets) {
    while (!t.url.empty() && t.url.back() == '/') t.url.pop_back();
    auto u = RtmpUrl::parse(t.url + "/key");
    if (!u || u->stream != "key")
      return Error(errc::invalid_argument,
                   "--push " + t.url + ": expected rtmp[s]://host[:port]/app");
    if (t.pattern.empty()) {
      impl_->patterns.emplace_back();
      continue;
    }
    try {
      impl_->patterns.emplace_back(std::regex(t.pattern));
    } catch (const std::regex_error& e) {
      return Error(errc::invalid_argument, "push pattern '" + t.pattern + "': " + e.what());
    }
  }
  return {};
}

void Pusher::tick(TimePoint now) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->stopped) return;
  for (auto it = impl_->links.begin(); it != impl_->links.end();)
    it = it->second->done() ? impl_->links.erase(it) : std::next(it);
  for (const auto& s : impl_->relay.stats(now, false)) {
    if (!s.live || s.publisher_session >= (std::uint64_t{1} << 62)) continue;  // not pulls
    const std::string path = s.app + "/" + s.key;
    for (std::size_t i = 0; i < impl_->targets.size(); ++i) {
      if (impl_->patterns[i] && !std::regex_search(path, *impl_->patterns[i])) continue;
      auto& link = impl_->links[{i, path}];
      if (link) continue;
      link = std::make_shared<PushLink>(impl_->ioc, impl_->relay, impl_->targets[i], s.app, s.key);
      link->start();
    }
  }
}

void Pusher::stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->stopped = true;
  for (auto& [_, link] : impl_->links) link->stop();
}

}  // namespace rtmp::relay
