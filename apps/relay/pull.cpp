#include "relay/pull.hpp"

#include "rtmp/client.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace rtmp::relay {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// Far above rtmp::Server's session ids (which count from 1) and the pushes' (2^62 up).
std::atomic<std::uint64_t> next_pull_id{(std::uint64_t{1} << 62) + (std::uint64_t{1} << 61)};

// One key played from the origin and published into the relay.
class PullLink final : public Session,
                       public ClientHandler,
                       public std::enable_shared_from_this<PullLink> {
 public:
  PullLink(asio::io_context& ioc, Relay& relay, std::string url, std::string app, std::string key)
      : strand_(asio::make_strand(ioc)),
        relay_(relay),
        app_(std::move(app)),
        key_(std::move(key)),
        url_(std::move(url) + "/" + key_),
        remote_("pull:" + url_),
        id_(next_pull_id++),
        client_(strand_, client_options()),
        wake_(strand_) {
    client_.set_handler(this);
  }

  void start() { asio::co_spawn(strand_, run(), asio::detached); }
  void stop() { end(); }
  bool done() const { return done_; }
  bool failed() const { return failed_; }
  std::uint64_t link_id() const { return id_; }

  // Session: the relay talks to its publisher only to close it.
  void send_codec(const Codec&) override {}
  void send_video(const VideoSample&) override {}
  void send_audio(const AudioSample&) override {}
  void send_metadata(const amf::Value&) override {}
  void send_message(const Message&) override {}
  void send_status(std::string_view, std::string_view, std::string_view) override {}
  void send_encoded(SharedBytes, const Message&) override {}
  std::uint32_t chunk_size() const noexcept override { return 4096; }
  std::uint32_t play_stream_id() const noexcept override { return 0; }
  void resolve(Decision) override {}
  void close() override { end(); }
  void abort(const Error&) override { end(); }
  std::uint64_t id() const noexcept override { return id_; }
  const std::string& remote_address() const noexcept override { return remote_; }
  std::size_t pending_output() const noexcept override { return 0; }

  // ClientHandler: what the origin plays to us (on strand_).
  void on_status(const Status& s) override {
    if (s.code == "NetStream.Play.UnpublishNotify" || s.code == "NetStream.Play.Stop" ||
        s.code == "NetStream.Play.StreamNotFound") {
      spdlog::info("pull: {}/{} <- {}: {}", app_, key_, url_, s.code);
      ended_ = true;
      wake_.cancel();
    }
  }
  // What arrives with the origin's Play.Start (metadata, sequence headers) comes before
  // async_play returns: held until the relay stream is there.
  void on_metadata(const amf::Value& data) override {
    if (stream_)
      stream_->on_metadata(id_, data, 0, Clock::now());
    else
      early_metadata_ = data;
  }
  void on_message(const Message& m) override {
    if (m.type != msg::audio && m.type != msg::video) return;
    Message local = m;
    local.stream_id = 1;  // the stream id this "publisher" announced to the relay
    if (stream_)
      stream_->on_message(id_, local, Clock::now());
    else if (early_.size() < 1024)
      early_.push_back(std::move(local));
  }
  void on_disconnect(const Error& reason) override {
    spdlog::info("pull: {}/{} <- {}: disconnected: {}", app_, key_, url_, reason.message());
    wake_.cancel();
  }

 private:
  static ClientOptions client_options() {
    ClientOptions o;
    o.player = true;
    o.demux = false;                                // raw messages, relayed as received
    o.read_timeout = std::chrono::milliseconds(0);  // an origin may wait for its publisher
    return o;
  }
  void end() {
    asio::post(strand_, [self = shared_from_this()] {
      self->ended_ = true;
      self->wake_.cancel();
    });
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    auto r = co_await client_.async_connect(url_);
    if (r) r = co_await client_.async_play(key_);
    if (!r) {
      spdlog::warn("pull: {}/{} <- {}: {}", app_, key_, url_, r.error().message());
      client_.close();
      failed_ = true;
      done_ = true;
      co_return;
    }
    auto joined = relay_.publish(self, app_, PublishInfo{1, key_, "live"}, Clock::now(),
                                 std::chrono::system_clock::now());
    if (!joined.decision.accepted) {
      spdlog::warn("pull: {}/{}: relay refused: {}", app_, key_, joined.decision.description);
      co_await client_.async_close();
      done_ = true;
      co_return;
    }
    stream_ = joined.stream;
    if (early_metadata_) stream_->on_metadata(id_, *early_metadata_, 0, Clock::now());
    for (const auto& m : early_) stream_->on_message(id_, m, Clock::now());
    early_.clear();
    early_metadata_.reset();
    spdlog::info("pull: {}/{} <- {}: playing", app_, key_, url_);
    while (!ended_ && client_.state() == Client::State::playing) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(use_tuple);
    }
    relay_.unpublish(stream_, id_, Clock::now(), "origin stream ended");
    stream_.reset();
    if (client_.state() == Client::State::playing)
      co_await client_.async_close();
    else
      client_.close();
    spdlog::info("pull: {}/{} <- {}: ended", app_, key_, url_);
    done_ = true;
  }

  asio::strand<asio::io_context::executor_type> strand_;
  Relay& relay_;
  std::string app_, key_, url_, remote_;
  std::uint64_t id_;
  Client client_;
  asio::steady_timer wake_;
  std::shared_ptr<Stream> stream_;
  std::optional<amf::Value> early_metadata_;
  std::vector<Message> early_;
  bool ended_ = false;
  std::atomic<bool> done_{false}, failed_{false};
};

struct Entry {
  std::shared_ptr<PullLink> link;
  std::chrono::milliseconds backoff{0};
  TimePoint retry_at{};
};

}  // namespace

struct Puller::Impl {
  asio::io_context& ioc;
  Relay& relay;
  std::vector<PullSource> sources;
  std::mutex mutex;
  std::map<std::string, Entry> entries;  // by "app/key"
  bool stopped = false;

  Impl(asio::io_context& c, Relay& r, std::vector<PullSource> s)
      : ioc(c), relay(r), sources(std::move(s)) {}
};

Puller::Puller(asio::io_context& ioc, Relay& relay, std::vector<PullSource> sources)
    : impl_(std::make_shared<Impl>(ioc, relay, std::move(sources))) {}

Puller::~Puller() {
  stop();
}

Result<void> Puller::init() {
  for (auto& s : impl_->sources) {
    while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
    auto u = RtmpUrl::parse(s.url + "/key");
    if (!u || u->stream != "key")
      return Error(errc::invalid_argument,
                   "--pull " + s.url + ": expected rtmp[s]://host[:port]/app");
  }
  return {};
}

void Puller::tick(TimePoint now) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->stopped || impl_->sources.empty()) return;
  for (const auto& s : impl_->relay.stats(now, false)) {
    const std::string path = s.app + "/" + s.key;
    auto it = impl_->entries.find(path);
    if (it != impl_->entries.end() && it->second.link) {
      auto& e = it->second;
      if (e.link->done()) {
        // Back off after a failed pull; an origin stream that ended may restart at once.
        e.backoff = e.link->failed() ? std::max(e.backoff * 2, std::chrono::milliseconds(500))
                                     : std::chrono::milliseconds(0);
        e.retry_at = now + e.backoff;
        e.link.reset();
      } else if (s.live && s.players == 0 && s.publisher_session == e.link->link_id()) {
        e.link->stop();  // the last player left
        continue;
      }
    }
    if (s.live || s.players == 0) continue;
    const PullSource* src = nullptr;
    for (const auto& c : impl_->sources)
      if (c.app.empty() || c.app == s.app) {
        src = &c;
        break;
      }
    if (!src) continue;
    auto& e = impl_->entries[path];
    if (e.link || now < e.retry_at) continue;
    e.backoff = std::min(e.backoff, src->max_backoff);
    e.link = std::make_shared<PullLink>(impl_->ioc, impl_->relay, src->url, s.app, s.key);
    e.link->start();
  }
}

void Puller::stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->stopped = true;
  for (auto& [_, e] : impl_->entries)
    if (e.link) e.link->stop();
}

}  // namespace rtmp::relay
