#include "relay/hls_output.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cctype>
#include <fstream>
#include <set>

namespace rtmp::relay {

namespace {

// Session ids the relay sees for HLS outputs: apart from rtmp::Server's (from 1), HTTP
// players (from 2^61) and push/pull (from 2^62).
std::atomic<std::uint64_t> next_hls_id{std::uint64_t{1} << 60};

// A path component from a publisher's app or key: no separators, no "..", nothing hidden.
bool safe_name(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.size() > 200) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

constexpr std::string_view playlist_cache = "max-age=1";
constexpr std::string_view media_cache = "max-age=86400, immutable";

}  // namespace

// --- HlsStream ---

HlsStream::HlsStream(hls::Options options) : segmenter_(options) {}

std::size_t HlsStream::Answer::size() const noexcept {
  std::size_t n = text ? text->size() : 0;
  for (const auto& b : body) n += b ? b->size() : 0;
  return n;
}

HlsStream::Answer HlsStream::get(std::string_view file, std::string_view query) {
  using Kind = Answer::Kind;
  Answer a;
  std::lock_guard lock(mutex_);
  const hls::State& st = segmenter_.state();
  if (file == "index.m3u8") {
    auto q = hls::parse_query(query);
    if (!q) {
      a.kind = Kind::bad_request;
      return a;
    }
    const auto r = hls::decide(st, *q);
    if (r == hls::Readiness::bad_request) {
      a.kind = Kind::bad_request;
    } else if (r == hls::Readiness::wait || !st.listed()) {
      a.kind = Kind::wait;
    } else {
      a.kind = Kind::ok;
      a.content_type = hls::playlist_content_type;
      a.cache_control = playlist_cache;
      a.text = cache_.get(st, q->skip);
    }
    return a;
  }
  auto f = hls::lookup(st, file);
  switch (f.kind) {
    case hls::File::Kind::found:
      a.kind = Kind::ok;
      a.content_type = f.content_type;
      a.cache_control = media_cache;
      a.body = std::move(f.body);
      break;
    case hls::File::Kind::wait:
      a.kind = Kind::wait;
      break;
    case hls::File::Kind::not_found:
      a.kind = Kind::not_found;
      break;
  }
  return a;
}

std::uint64_t HlsStream::subscribe(std::function<void()> fn) {
  std::lock_guard lock(subscribers_mutex_);
  const auto h = next_handle_++;
  subscribers_.emplace(h, std::move(fn));
  return h;
}

void HlsStream::unsubscribe(std::uint64_t handle) {
  std::lock_guard lock(subscribers_mutex_);
  subscribers_.erase(handle);
}

std::uint64_t HlsStream::version() const {
  std::lock_guard lock(mutex_);
  return segmenter_.state().version;
}

std::int64_t HlsStream::target_duration_s() const {
  std::lock_guard lock(mutex_);
  return segmenter_.state().target_duration_s;
}

std::string HlsStream::status() const {
  std::lock_guard lock(mutex_);
  return segmenter_.status();
}

bool HlsStream::ended() const {
  std::lock_guard lock(mutex_);
  return segmenter_.state().ended;
}

void HlsStream::push(const MediaEvent& e, std::int64_t wall_ms) {
  std::lock_guard lock(mutex_);
  segmenter_.push(e, wall_ms);
  if (segmenter_.status() != last_status_) {
    last_status_ = segmenter_.status();
    if (!last_status_.empty()) spdlog::warn("hls: {}", last_status_);
  }
}

void HlsStream::discontinuity(std::int64_t wall_ms) {
  std::lock_guard lock(mutex_);
  segmenter_.discontinuity(wall_ms);
}

void HlsStream::end(std::int64_t wall_ms) {
  std::lock_guard lock(mutex_);
  segmenter_.end(wall_ms);
}

void HlsStream::notify() {
  {
    std::lock_guard lock(mutex_);
    const auto v = segmenter_.state().version;
    if (v == notified_version_) return;
    notified_version_ = v;
  }
  sync_files();
  std::vector<std::function<void()>> fns;
  {
    std::lock_guard lock(subscribers_mutex_);
    fns.reserve(subscribers_.size());
    for (const auto& [_, fn] : subscribers_) fns.push_back(fn);
  }
  for (const auto& fn : fns) fn();
}

// --- HlsStream: the optional copy on disk ---

struct HlsStream::Mirror {
  std::filesystem::path dir;
  std::set<std::string, std::less<>> written;  // media files on disk
  std::uint64_t playlist_version = ~std::uint64_t{0};
  bool failed = false;  // logged once
};

namespace {

// Writes `name` in `dir` through a temporary file and a rename.
bool write_atomic(const std::filesystem::path& dir, const std::string& name,
                  const std::vector<SharedBytes>& body, const std::string* text) {
  const auto tmp = dir / (name + ".tmp");
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (text) f.write(text->data(), static_cast<std::streamsize>(text->size()));
    for (const auto& b : body)
      if (b)
        f.write(reinterpret_cast<const char*>(b->data()), static_cast<std::streamsize>(b->size()));
    if (!f) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, dir / name, ec);
  return !ec;
}

}  // namespace

void HlsStream::write_files_to(std::string dir) {
  std::lock_guard lock(mirror_mutex_);
  mirror_ = std::make_shared<Mirror>();
  mirror_->dir = std::move(dir);
  std::error_code ec;
  std::filesystem::create_directories(mirror_->dir, ec);
  if (ec) spdlog::warn("hls: {}: {}", mirror_->dir.string(), ec.message());
}

void HlsStream::remove_files() {
  std::lock_guard lock(mirror_mutex_);
  if (!mirror_) return;
  std::error_code ec;
  for (const auto& name : mirror_->written) std::filesystem::remove(mirror_->dir / name, ec);
  std::filesystem::remove(mirror_->dir / "index.m3u8", ec);
  std::filesystem::remove(mirror_->dir, ec);  // only when empty
  mirror_.reset();
}

void HlsStream::sync_files() {
  std::lock_guard mirror_lock(mirror_mutex_);
  if (!mirror_) return;
  Mirror& m = *mirror_;
  std::set<std::string, std::less<>> wanted;
  std::vector<std::pair<std::string, std::vector<SharedBytes>>> fresh;
  std::shared_ptr<const std::string> playlist;
  {
    std::lock_guard lock(mutex_);
    const hls::State& st = segmenter_.state();
    auto want = [&](std::string name, std::vector<SharedBytes> body) {
      if (!m.written.contains(name)) fresh.emplace_back(name, std::move(body));
      wanted.insert(std::move(name));
    };
    for (const auto& i : st.inits) want(i.name(), {i.data});
    auto parts = [&](const hls::Segment& s) {
      if (!st.parts_enabled()) return;
      for (std::size_t i = 0; i < s.parts.size(); ++i)
        want("part" + std::to_string(s.msn) + "." + std::to_string(i) + ".m4s", {s.parts[i].data});
    };
    for (const auto& s : st.segments) {
      std::vector<SharedBytes> body;
      for (const auto& p : s.parts) body.push_back(p.data);
      want("seg" + std::to_string(s.msn) + "." + st.extension(), std::move(body));
      parts(s);
    }
    if (st.current) parts(*st.current);
    if (st.listed() && st.version != m.playlist_version) {
      m.playlist_version = st.version;
      playlist = cache_.get(st, false);
    }
  }
  bool ok = true;
  // Media first, then the playlist naming them, then what left the window.
  for (const auto& [name, body] : fresh) {
    const bool w = write_atomic(m.dir, name, body, nullptr);
    ok = ok && w;
    if (w) m.written.insert(name);
  }
  if (playlist) ok = write_atomic(m.dir, "index.m3u8", {}, playlist.get()) && ok;
  std::error_code ec;
  for (auto it = m.written.begin(); it != m.written.end();) {
    if (wanted.contains(*it)) {
      ++it;
      continue;
    }
    std::filesystem::remove(m.dir / *it, ec);
    it = m.written.erase(it);
  }
  if (!ok && !m.failed) spdlog::warn("hls: cannot write files in {}", m.dir.string());
  m.failed = m.failed || !ok;
}

// --- HlsOutput ---

HlsOutput::HlsOutput(std::string app, std::string key, std::shared_ptr<HlsStream> stream)
    : app_(std::move(app)),
      key_(std::move(key)),
      remote_("hls:" + app_ + "/" + key_),
      id_(next_hls_id++),
      stream_(std::move(stream)) {}

std::int64_t HlsOutput::wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void HlsOutput::send_encoded(SharedBytes, const Message& header) {
  if (header.type != msg::audio && header.type != msg::video) return;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    demuxer_.recycle(events_);
    if (auto r = demuxer_.push(header, events_); !r && demux_errors_++ < 3)
      spdlog::warn("hls: {}/{}: frame skipped: {}", app_, key_, r.error().message());
    const auto now = wall_ms();
    for (const auto& e : events_) stream_->push(e, now);
  }
  stream_->notify();
}

void HlsOutput::send_status(std::string_view, std::string_view code, std::string_view) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    if (code == "NetStream.Play.PublishNotify" && unpublished_) {
      unpublished_ = false;
      stream_->discontinuity(wall_ms());
    } else if (code == "NetStream.Play.UnpublishNotify") {
      unpublished_ = true;
      demuxer_.reset();  // the next publisher's clock and codecs start afresh
      stream_->end(wall_ms());
    }
  }
  stream_->notify();
}

void HlsOutput::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    stream_->end(wall_ms());
  }
  stream_->notify();
}

bool HlsOutput::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

// --- HlsRegistry ---

HlsRegistry::HlsRegistry(Relay& relay, HlsConfig config)
    : relay_(relay), config_(std::move(config)) {
  if (config_.linger.count() <= 0) {
    const auto& o = config_.options;
    config_.linger = std::chrono::milliseconds(static_cast<std::int64_t>(o.window) * o.target_ms);
  }
}

HlsRegistry::~HlsRegistry() {
  stop();
}

void HlsRegistry::tick(TimePoint now) {
  const auto stats = relay_.stats(now, false);  // before our lock (lock order)
  std::vector<Entry> dropped;
  std::vector<std::pair<std::string, std::shared_ptr<HlsOutput>>> joining;
  std::vector<std::pair<std::string, std::string>> names;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    std::set<std::string, std::less<>> live;
    for (const auto& s : stats)
      if (s.live) live.insert(s.app + "/" + s.key);
    for (auto it = entries_.begin(); it != entries_.end();) {
      Entry& e = it->second;
      if (live.contains(it->first) && !e.output->closed()) {
        e.idle_since.reset();
      } else if (!e.idle_since) {
        e.idle_since = now;
      }
      if (e.output->closed() || (e.idle_since && now - *e.idle_since >= config_.linger)) {
        dropped.push_back(std::move(e));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& s : stats) {
      std::string path = s.app + "/" + s.key;
      if (!s.live || entries_.contains(path)) continue;
      auto hs = std::make_shared<HlsStream>(config_.options);
      if (!config_.dir.empty() && safe_name(s.app) && safe_name(s.key))
        hs->write_files_to((std::filesystem::path(config_.dir) / s.app / s.key).string());
      auto out = std::make_shared<HlsOutput>(s.app, s.key, std::move(hs));
      entries_[path] = Entry{out, nullptr, {}};
      joining.emplace_back(path, out);
      names.emplace_back(s.app, s.key);
    }
  }
  for (auto& e : dropped) drop(e, "hls: stream gone");
  for (std::size_t i = 0; i < joining.size(); ++i) {
    const auto& [path, out] = joining[i];
    PlayInfo info{1, names[i].second, -2, -1, true};
    auto joined = relay_.play(out, names[i].first, info, now);
    std::lock_guard lock(mutex_);
    auto it = entries_.find(path);
    if (it == entries_.end() || it->second.output != out) continue;
    if (!joined.decision.accepted) {
      spdlog::warn("hls: {}: relay refused: {}", path, joined.decision.description);
      entries_.erase(it);  // tried again on the next tick
      continue;
    }
    it->second.relay_stream = joined.stream;
    spdlog::info("hls: {}: segmenting", path);
  }
}

void HlsRegistry::drop(Entry& e, std::string_view why) {
  if (e.relay_stream) relay_.leave(e.relay_stream, e.output->id(), why);
  e.output->close();
  e.output->stream()->remove_files();
}

void HlsRegistry::stop() {
  std::map<std::string, Entry, std::less<>> entries;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    entries.swap(entries_);
  }
  for (auto& [_, e] : entries) drop(e, "hls: stopping");
}

std::shared_ptr<HlsStream> HlsRegistry::find(std::string_view app, std::string_view key) const {
  std::string path;
  path.reserve(app.size() + key.size() + 1);
  path.append(app).append("/").append(key);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : it->second.output->stream();
}

std::size_t HlsRegistry::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace rtmp::relay
