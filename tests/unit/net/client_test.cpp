#include "rtmp/client.hpp"

#include "rtmp/core/chunk.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/core/control.hpp"
#include "rtmp/media/muxer.hpp"
#include "rtmp/server.hpp"
#include "unit/media/media_test_util.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

namespace rtmp {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Runs the coroutine f() on ioc until it completes (at most `limit`) and returns its value.
template <class F>
auto run(asio::io_context& ioc, F f, std::chrono::milliseconds limit = 20s) ->
    typename decltype(f())::value_type {
  using T = typename decltype(f())::value_type;
  std::optional<T> out;
  std::exception_ptr ex;
  bool done = false;
  asio::co_spawn(ioc, std::move(f), [&](std::exception_ptr e, T v) {
    ex = e;
    out.emplace(std::move(v));
    done = true;
  });
  if (ioc.stopped()) ioc.restart();
  auto deadline = Clock::now() + limit;
  while (!done && Clock::now() < deadline) ioc.run_one_for(20ms);
  if (ex) std::rethrow_exception(ex);
  if (!done) throw std::runtime_error("coroutine did not finish in time");
  return std::move(*out);
}

// ---- media helpers ----

std::uint32_t fnv(ByteView b) {
  std::uint32_t h = 2166136261u;
  for (auto c : b) h = (h ^ c) * 16777619u;
  return h;
}

std::string describe(const Codec& c) {
  return std::string("codec ") + (c.type == TrackType::video ? "video " : "audio ") +
         codec_name(c.id) + " " + std::to_string(c.config.size()) + " " +
         std::to_string(fnv(c.config));
}
std::string describe(const VideoSample& s) {
  return "video dts=" + std::to_string(s.dts) + " pts=" + std::to_string(s.pts) +
         " key=" + std::to_string(s.keyframe) + " size=" + std::to_string(s.data.size()) +
         " nalus=" + std::to_string(s.nalus.size()) + " h=" + std::to_string(fnv(s.data));
}
std::string describe(const AudioSample& s) {
  return "audio ts=" + std::to_string(s.timestamp) + " size=" + std::to_string(s.data.size()) +
         " h=" + std::to_string(fnv(s.data));
}

Codec avc_codec() {
  Codec c;
  c.type = TrackType::video;
  c.id = CodecId::h264;
  c.owner = make_shared_bytes(test::avcc_high());
  c.config = *c.owner;
  return c;
}
Codec aac_codec() {
  Codec c;
  c.type = TrackType::audio;
  c.id = CodecId::aac;
  c.owner = make_shared_bytes(test::asc_lc());
  c.config = *c.owner;
  return c;
}

// Interleaved AVC (with B-frame style composition offsets) and AAC samples from `start` ms.
struct Media {
  std::vector<Codec> codecs{avc_codec(), aac_codec()};
  std::vector<std::variant<VideoSample, AudioSample>> samples;
  std::vector<std::string> expected;  // describe() of everything, in order
};

Media make_media(std::int64_t start, int frames, std::size_t frame_size) {
  Media m;
  // The sequence headers carry the start time too: a receiver unwraps timestamps from the
  // first message it sees.
  for (auto& c : m.codecs) c.timestamp = start;
  for (const auto& c : m.codecs) m.expected.push_back(describe(c));
  for (int i = 0; i < frames; ++i) {
    std::int64_t dts = start + i * 33;
    Bytes nal(frame_size + static_cast<std::size_t>(i));
    for (std::size_t k = 0; k < nal.size(); ++k) nal[k] = static_cast<std::uint8_t>(k * 7 + i);
    nal[0] = i % 10 == 0 ? 0x65 : 0x41;
    Bytes sei = {0x06, 0x05, 0x01, static_cast<std::uint8_t>(i), 0x80};
    auto v = VideoSample::from_nalus(CodecId::h264, dts, dts + (i % 3) * 33, i % 10 == 0,
                                     {ByteView(sei), ByteView(nal)});
    m.expected.push_back(describe(v));
    m.samples.emplace_back(std::move(v));
    Bytes aac(200 + static_cast<std::size_t>(i % 5));
    for (std::size_t k = 0; k < aac.size(); ++k) aac[k] = static_cast<std::uint8_t>(k + 3 * i);
    auto a = AudioSample::from_data(CodecId::aac, dts + 10, aac);
    m.expected.push_back(describe(a));
    m.samples.emplace_back(std::move(a));
  }
  return m;
}

// ---- a real rtmp::Server that records or plays ----

struct Shared {
  std::mutex mutex;
  std::vector<std::string> events;
  std::vector<std::thread> senders;
  std::atomic<int> connects{0}, disconnects{0};
  Media play_media;
  std::string reject_connect, reject_publish, reject_play;
  std::vector<std::string> get() {
    std::lock_guard lock(mutex);
    return events;
  }
  void add(std::string s) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(s));
  }
  bool wait_disconnects(int n) {
    for (int i = 0; i < 500 && disconnects < n; ++i) std::this_thread::sleep_for(10ms);
    return disconnects >= n;
  }
  ~Shared() {
    for (auto& t : senders) t.join();
  }
};

class RecordingHandler final : public Handler {
 public:
  explicit RecordingHandler(Shared& s) : s_(s) {}
  Decision on_connect(const ConnectInfo& i) override {
    ++s_.connects;
    s_.add("connect " + i.app + " " + i.tc_url);
    if (!s_.reject_connect.empty()) return Decision::reject(s_.reject_connect);
    return Decision::accept();
  }
  Decision on_publish(const PublishInfo& i) override {
    s_.add("publish " + i.key + " " + i.type);
    if (!s_.reject_publish.empty())
      return Decision::reject(s_.reject_publish, "NetStream.Publish.BadName");
    return Decision::accept();
  }
  Decision on_play(const PlayInfo& i) override {
    s_.add("play " + i.name);
    if (!s_.reject_play.empty())
      return Decision::reject(s_.reject_play, "NetStream.Play.StreamNotFound");
    std::lock_guard lock(s_.mutex);
    s_.senders.emplace_back([session = session(), &media = s_.play_media] {
      for (const auto& c : media.codecs) session->send_codec(c);
      for (const auto& s : media.samples) {
        if (auto* v = std::get_if<VideoSample>(&s))
          session->send_video(*v);
        else
          session->send_audio(std::get<AudioSample>(s));
      }
      session->close();
    });
    return Decision::accept();
  }
  void on_metadata(const amf::Value& v) override { s_.add("metadata " + amf::to_string(v)); }
  void on_codec(const Codec& c) override { s_.add(describe(c)); }
  void on_video(const VideoSample& v) override { s_.add(describe(v)); }
  void on_audio(const AudioSample& a) override { s_.add(describe(a)); }
  void on_disconnect(const Error& e) override {
    s_.add(std::string("disconnect ") + to_string(e.code));
    ++s_.disconnects;
  }

 private:
  Shared& s_;
};

std::unique_ptr<Server> start_server(Shared& shared, std::uint32_t chunk_size = 4096) {
  ServerOptions o;
  o.port = 0;
  o.bind = "127.0.0.1";
  o.threads = 2;
  o.chunk_size = chunk_size;
  o.handler = [&shared](const std::any&) { return std::make_unique<RecordingHandler>(shared); };
  auto s = Server::start(std::move(o));
  if (!s) throw std::runtime_error(s.error().message());
  return std::move(*s);
}

std::string url_for(std::uint16_t port, std::string_view path = "live/key") {
  return "rtmp://127.0.0.1:" + std::to_string(port) + "/" + std::string(path);
}

// What a playing client receives.
class PlayRecorder final : public ClientHandler {
 public:
  std::vector<std::string> events;
  std::vector<std::string> statuses;
  std::vector<Message> messages;
  std::vector<Error> disconnects;
  void on_status(const Status& s) override { statuses.push_back(s.code); }
  void on_codec(const Codec& c) override { events.push_back(describe(c)); }
  void on_video(const VideoSample& v) override { events.push_back(describe(v)); }
  void on_audio(const AudioSample& a) override { events.push_back(describe(a)); }
  void on_message(const Message& m) override { messages.push_back(m); }
  void on_disconnect(const Error& e) override { disconnects.push_back(e); }
};

asio::awaitable<Result<void>> send_all(Client& c, const Media& m) {
  for (const auto& codec : m.codecs)
    if (auto r = c.send_codec(codec); !r) co_return r;
  for (const auto& s : m.samples) {
    for (;;) {
      auto r = std::holds_alternative<VideoSample>(s) ? c.send_video(std::get<VideoSample>(s))
                                                      : c.send_audio(std::get<AudioSample>(s));
      if (r) break;
      if (r.error().code != errc::output_full) co_return r;
      if (auto d = co_await c.async_drain(c.options().max_output_bytes / 2); !d) co_return d;
    }
  }
  co_return co_await c.async_drain(0);
}

// ---- a scripted fake server: one connection, blocking I/O in a thread ----

class Peer {
 public:
  Peer(tcp::socket& s, const std::atomic<bool>& stop) : sock_(s), stop_(stop) {
    sock_.non_blocking(true);
  }

  // Reads exactly n bytes (false on EOF, error, stop or timeout).
  bool read_exact(std::uint8_t* p, std::size_t n, std::chrono::milliseconds limit = 5s) {
    auto deadline = Clock::now() + limit;
    while (n > 0) {
      if (!buffered_.empty()) {
        std::size_t k = std::min(n, buffered_.size());
        std::copy_n(buffered_.begin(), k, p);
        buffered_.erase(buffered_.begin(), buffered_.begin() + static_cast<std::ptrdiff_t>(k));
        p += k;
        n -= k;
        continue;
      }
      if (!fill(deadline)) return false;
    }
    return true;
  }
  void write(ByteView b) {
    sock_.non_blocking(false);
    boost::system::error_code ec;
    asio::write(sock_, asio::buffer(b.data(), b.size()), ec);
    sock_.non_blocking(true);
  }
  // Simple handshake (RTMP spec §5.2): S1 zeros with no digest, S2 echoes C1.
  bool handshake() {
    std::vector<std::uint8_t> c0c1(1537), c2(1536);
    if (!read_exact(c0c1.data(), c0c1.size())) return false;
    Bytes out(1 + 1536 + 1536, 0);
    out[0] = 3;
    std::copy(c0c1.begin() + 1, c0c1.end(), out.begin() + 1537);
    write(out);
    return read_exact(c2.data(), c2.size());
  }
  std::optional<Message> read_message(std::chrono::milliseconds limit = 5s) {
    auto deadline = Clock::now() + limit;
    for (;;) {
      while (!buffered_.empty()) {
        auto step = dec_.decode(ByteView(buffered_));
        if (!step) return std::nullopt;
        buffered_.erase(buffered_.begin(),
                        buffered_.begin() + static_cast<std::ptrdiff_t>(step->consumed));
        if (step->message) {
          received.push_back(*step->message);
          return step->message;
        }
      }
      if (!fill(deadline)) return std::nullopt;
    }
  }
  // Reads until the command `name` arrives.
  std::optional<Command> read_command(std::string_view name) {
    while (auto m = read_message()) {
      if (m->type != msg::command_amf0) continue;
      auto c = parse_command(*m);
      if (c && c->name == name) return *c;
    }
    return std::nullopt;
  }
  void send(const Message& m) {
    Bytes out;
    enc_.encode(m, out);
    if (m.type == msg::set_chunk_size) enc_.set_chunk_size(*control::parse_u32(m.data()));
    write(out);
  }
  void reply(const Command& to, std::string_view name, const amf::Value& object,
             const std::vector<amf::Value>& args) {
    send(make_command(0, name, to.transaction_id, object, args));
  }
  // connect, createStream and publish/play answered as a server does.
  bool accept_session(std::string_view start_code = "NetStream.Publish.Start") {
    if (!handshake()) return false;
    auto c = read_command("connect");
    if (!c) return false;
    connect = *c;
    reply(*c, "_result", amf::Value::object({{"fmsVer", amf::Value("FMS/3,0,1,123")}}),
          {status_object("status", "NetConnection.Connect.Success", "ok")});
    auto cs = read_command("createStream");
    if (!cs) return false;
    reply(*cs, "_result", amf::Value::null(), {amf::Value(1.0)});
    auto p = read_command(start_code == "NetStream.Publish.Start" ? "publish" : "play");
    if (!p) return false;
    stream_command = *p;
    send(make_command(1, "onStatus", 0, amf::Value::null(),
                      {status_object("status", start_code, std::string(600, 'x'))}, csid::data));
    return true;
  }
  void hold() {
    while (!stop_) std::this_thread::sleep_for(5ms);
  }

  std::vector<Message> received;
  Command connect, stream_command;

 private:
  bool fill(Clock::time_point deadline) {
    std::uint8_t buf[65536];
    while (!stop_ && Clock::now() < deadline) {
      boost::system::error_code ec;
      std::size_t n = sock_.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(1ms);
        continue;
      }
      if (ec) return false;
      buffered_.insert(buffered_.end(), buf, buf + n);
      return true;
    }
    return false;
  }

  tcp::socket& sock_;
  const std::atomic<bool>& stop_;
  Bytes buffered_;
  ChunkDecoder dec_;
  ChunkEncoder enc_;
};

class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<void(Peer&)> script)
      : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    acceptor_.non_blocking(true);
    thread_ = std::thread([this, script = std::move(script)] {
      tcp::socket sock(ioc_);
      while (!stop_) {
        boost::system::error_code ec;
        acceptor_.accept(sock, ec);
        if (!ec) break;
        std::this_thread::sleep_for(1ms);
      }
      if (stop_) return;
      Peer peer(sock, stop_);
      script(peer);
      received_ = peer.received;
      connect_ = peer.connect;
      stream_command_ = peer.stream_command;
      finished_ = true;
    });
  }
  ~ScriptedServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void stop() { stop_ = true; }
  // Waits up to `limit` for the script to end by itself, then stops it; returns what the
  // peer received.
  std::vector<Message> received(std::chrono::milliseconds limit = 5s) {
    auto deadline = Clock::now() + limit;
    while (!finished_ && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return received_;
  }
  Command connect_command() {
    received(0ms);
    return connect_;
  }
  Command stream_command() {
    received(0ms);
    return stream_command_;
  }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::vector<Message> received_;
  Command connect_, stream_command_;
};

ClientOptions quick_options() {
  ClientOptions o;
  o.connect_timeout = 2s;
  o.handshake_timeout = 500ms;
  o.read_timeout = 500ms;
  o.write_timeout = 500ms;
  return o;
}

// ---- URL ----

TEST(ClientUrl, AppAndKeyWithDefaultPorts) {
  auto u = RtmpUrl::parse("rtmp://example.com/live/key");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 1935);
  EXPECT_EQ(u->app, "live");
  EXPECT_EQ(u->stream, "key");
  EXPECT_EQ(u->tc_url, "rtmp://example.com:1935/live");  // FFmpeg writes the port too

  auto s = RtmpUrl::parse("RTMPS://example.com/live/key");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->tls);
  EXPECT_EQ(s->port, 443);
  EXPECT_EQ(s->tc_url, "rtmps://example.com:443/live");
}

TEST(ClientUrl, PortIpv6AndUserInfo) {
  auto u = RtmpUrl::parse("rtmp://[::1]:1936/app/stream");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 1936);
  EXPECT_EQ(u->tc_url, "rtmp://[::1]:1936/app");
  auto v = RtmpUrl::parse("rtmp://user:pw@10.0.0.1:80/a/b");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "10.0.0.1");
  EXPECT_EQ(v->port, 80);
}

TEST(ClientUrl, InstanceAndPlayPathsSplitAsFfmpeg) {
  auto a = RtmpUrl::parse("rtmp://h/app/inst/key");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->app, "app/inst");
  EXPECT_EQ(a->stream, "key");
  EXPECT_EQ(a->tc_url, "rtmp://h:1935/app/inst");
  auto b = RtmpUrl::parse("rtmp://h/vod/mp4:dir/file.mp4");  // ':' before the next '/'
  ASSERT_TRUE(b);
  EXPECT_EQ(b->app, "vod");
  EXPECT_EQ(b->stream, "mp4:dir/file.mp4");
  auto c = RtmpUrl::parse("rtmp://h/vod/movie.mp4");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->stream, "mp4:movie.mp4");
  auto d = RtmpUrl::parse("rtmp://h/live/stream.flv");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->stream, "stream");
  auto e = RtmpUrl::parse("rtmp://h/live");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->app, "live");
  EXPECT_EQ(e->stream, "");
}

TEST(ClientUrl, QueryStringsStayWhereTheyAre) {
  auto a = RtmpUrl::parse("rtmp://h/live/key?token=abc&x=1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->app, "live");
  EXPECT_EQ(a->stream, "key?token=abc&x=1");
  auto b = RtmpUrl::parse("rtmp://h/live?vhost=v/key");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->app, "live?vhost=v");
  EXPECT_EQ(b->tc_url, "rtmp://h:1935/live?vhost=v");
  EXPECT_EQ(b->stream, "key");
}

TEST(ClientUrl, BadUrlsAreInvalidArguments) {
  for (const char* bad : {"http://h/live/key", "rtmp:/h/live", "rtmp:///live/key", "rtmp://h:0/a/b",
                          "rtmp://h:70000/a/b", "rtmp://h:12x/a/b", "rtmp://h", "rtmp://h/",
                          "rtmp://[::1/a/b", "live/key"}) {
    auto u = RtmpUrl::parse(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().code, errc::invalid_argument);
    EXPECT_NE(u.error().detail.find(bad), std::string::npos) << u.error().detail;
  }
}

// ---- against rtmp::Server ----

// Client publish → server handler: every codec, video and audio event identical, with
// timestamps crossing 2^24 (extended timestamps) and chunk size 128 in both directions.
TEST(Client, PublishIsFrameExactPast2p24) {
  Shared shared;
  auto server = start_server(shared, 128);
  asio::io_context ioc;
  auto opts = quick_options();
  opts.chunk_size = 128;
  Client c(ioc.get_executor(), opts);
  Media media = make_media((1 << 24) - 400, 40, 3000);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
    if (auto r = co_await c.async_publish(); !r) co_return r;
    EXPECT_EQ(c.state(), Client::State::publishing);
    if (auto r = c.send_metadata(amf::Value::ecma_array({{"width", amf::Value(640.0)}})); !r)
      co_return r;
    if (auto r = co_await send_all(c, media); !r) co_return r;
    co_await c.async_close();
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(shared.wait_disconnects(1));
  auto events = shared.get();
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events[0], "connect live rtmp://127.0.0.1:" + std::to_string(server->port()) + "/live");
  EXPECT_EQ(events[1], "publish key live");
  EXPECT_EQ(events[2], "metadata ecma{\"width\": 640}");
  std::vector<std::string> media_events(events.begin() + 3, events.end() - 1);
  EXPECT_EQ(media_events, media.expected);
  EXPECT_EQ(events.back(), "disconnect closed");
  EXPECT_EQ(c.state(), Client::State::closed);
}

// Timestamps wrapping past 2^32: the muxer sends the low 32 bits, the demuxer unwraps.
TEST(Client, PublishAcross2p32Wrap) {
  Shared shared;
  auto server = start_server(shared);
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  Media media = make_media((std::int64_t{1} << 32) - 300, 20, 100);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
    if (auto r = co_await c.async_publish(); !r) co_return r;
    if (auto r = co_await send_all(c, media); !r) co_return r;
    co_await c.async_close();
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(shared.wait_disconnects(1));
  auto events = shared.get();
  std::vector<std::string> media_events(events.begin() + 2, events.end() - 1);
  EXPECT_EQ(media_events, media.expected);
}

// Server send_* → client play: demuxed events identical, past 2^24, large frames.
TEST(Client, PlayIsFrameExactPast2p24) {
  Shared shared;
  shared.play_media = make_media((1 << 24) + 5, 30, 70'000);
  auto server = start_server(shared, 128);
  asio::io_context ioc;
  auto opts = quick_options();
  opts.player = true;
  Client c(ioc.get_executor(), opts);
  PlayRecorder rec;
  c.set_handler(&rec);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port(), "live/cam")); !r) co_return r;
    if (auto r = co_await c.async_play(); !r) co_return r;
    EXPECT_EQ(c.state(), Client::State::playing);
    Error e = co_await c.async_wait_closed();
    EXPECT_EQ(e.code, errc::closed) << e.message();
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  run(ioc, [&]() -> asio::awaitable<int> {  // lets the posted on_disconnect run
    co_await asio::post(ioc, asio::use_awaitable);
    co_return 0;
  });
  EXPECT_EQ(rec.events, shared.play_media.expected);
  ASSERT_GE(rec.statuses.size(), 1u);
  EXPECT_EQ(rec.statuses.back(), "NetStream.Play.Start");
  ASSERT_EQ(rec.disconnects.size(), 1u);
  EXPECT_EQ(rec.disconnects[0].code, errc::closed);
  EXPECT_EQ(shared.get().at(1), "play cam");
}

TEST(Client, PlayRawMessages) {
  Shared shared;
  shared.play_media = make_media(0, 5, 100);
  auto server = start_server(shared);
  asio::io_context ioc;
  auto opts = quick_options();
  opts.player = true;
  opts.demux = false;
  Client c(ioc.get_executor(), opts);
  PlayRecorder rec;
  c.set_handler(&rec);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
    if (auto r = co_await c.async_play(); !r) co_return r;
    co_await c.async_wait_closed();
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(rec.events.empty());
  std::erase_if(rec.messages, [](const Message& m) {  // data messages (|RtmpSampleAccess)
    return m.type != msg::audio && m.type != msg::video;
  });
  ASSERT_EQ(rec.messages.size(), 2u + 10u);
  EXPECT_EQ(rec.messages[0].type, msg::video);
  EXPECT_EQ(rec.messages[1].type, msg::audio);
  const auto& v = std::get<VideoSample>(shared.play_media.samples[0]);
  EXPECT_EQ(test::to_bytes(rec.messages[2].data()), test::to_bytes(Muxer::mux(v).data()));
  EXPECT_EQ(rec.messages[2].stream_id, c.stream_id());
}

TEST(Client, ServerRejectionsCarryCodeAndDescription) {
  Shared shared;
  auto server = start_server(shared);
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());

  shared.reject_publish = "key in use";
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
    co_return co_await c.async_publish();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rejected);
  EXPECT_EQ(r.error().detail, "NetStream.Publish.BadName: key in use");
  EXPECT_EQ(c.state(), Client::State::connected);  // the connection stays usable

  shared.reject_play = "no such stream";
  r = run(ioc, [&]() -> asio::awaitable<Result<void>> { co_return co_await c.async_play("x"); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "NetStream.Play.StreamNotFound: no such stream");
  c.close();

  shared.reject_connect = "bad app";
  r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    co_return co_await c.async_connect(url_for(server->port()));
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rejected);
  EXPECT_NE(r.error().detail.find("NetConnection.Connect.Rejected: bad app"), std::string::npos)
      << r.error().detail;
  EXPECT_EQ(c.state(), Client::State::closed);
}

TEST(Client, CloseThenConnectAgain) {
  Shared shared;
  auto server = start_server(shared);
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  PlayRecorder rec;
  c.set_handler(&rec);
  for (int i = 0; i < 3; ++i) {
    auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
      if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
      if (auto r = co_await c.async_publish(); !r) co_return r;
      if (auto r = c.send_codec(avc_codec()); !r) co_return r;
      co_await c.async_close();
      co_return Result<void>{};
    });
    ASSERT_TRUE(r) << "round " << i << ": " << r.error().message();
    ASSERT_TRUE(shared.wait_disconnects(i + 1));
  }
  run(ioc, [&]() -> asio::awaitable<int> {
    co_await asio::post(ioc, asio::use_awaitable);
    co_return 0;
  });
  EXPECT_EQ(shared.connects, 3);
  ASSERT_EQ(rec.disconnects.size(), 3u);
  for (const auto& e : rec.disconnects) EXPECT_EQ(e.message(), "closed: closed by client");
}

TEST(Client, OnDisconnectWhenServerStops) {
  Shared shared;
  auto server = start_server(shared);
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  PlayRecorder rec;
  c.set_handler(&rec);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port())); !r) co_return r;
    co_return co_await c.async_publish();
  });
  ASSERT_TRUE(r) << r.error().message();
  std::thread stopper([&] { server->stop(); });
  Error e = run(ioc, [&]() { return c.async_wait_closed(); });
  stopper.join();
  EXPECT_EQ(e.code, errc::closed);
  run(ioc, [&]() -> asio::awaitable<int> {
    co_await asio::post(ioc, asio::use_awaitable);
    co_return 0;
  });
  ASSERT_EQ(rec.disconnects.size(), 1u);
  EXPECT_EQ(rec.disconnects[0].code, errc::closed);
  auto s = c.send_video(VideoSample::from_data(CodecId::h264, 0, 0, true, Bytes{0, 0, 0, 1, 0x65}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::closed);
}

TEST(Client, MisuseIsReported) {
  Shared shared;
  auto server = start_server(shared);
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  auto s = c.send_codec(avc_codec());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::closed);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(server->port(), "live")); !r) co_return r;
    auto again = co_await c.async_connect(url_for(server->port()));
    EXPECT_EQ(again.error().code, errc::invalid_argument);
    auto media = c.send_codec(avc_codec());
    EXPECT_EQ(media.error().code, errc::unexpected_message);  // not publishing
    co_return co_await c.async_publish();                     // no key in the URL
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  auto p = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_publish("k"); !r) co_return r;
    co_return co_await c.async_play("k");
  });
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, errc::unexpected_message);
}

TEST(Client, ConnectionRefusedIsAnIoError) {
  std::uint16_t port;
  {
    asio::io_context tmp;
    tcp::acceptor a(tmp, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  auto r = run(ioc, [&]() { return c.async_connect(url_for(port)); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::io_error);
  EXPECT_NE(r.error().detail.find("127.0.0.1:" + std::to_string(port)), std::string::npos);
}

// ---- against scripted fake servers: clear errors within the timeouts ----

std::pair<Result<void>, std::chrono::milliseconds> timed_connect(ScriptedServer& s, bool publish) {
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  auto t0 = Clock::now();
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(s.port())); !r) co_return r;
    if (publish) co_return co_await c.async_publish();
    co_return Result<void>{};
  });
  return {r, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0)};
}

TEST(ClientBadServer, SilenceTimesOutInTheHandshake) {
  ScriptedServer s([](Peer& p) { p.hold(); });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().detail.find("RTMP handshake"), std::string::npos) << r.error().detail;
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 2s);
}

TEST(ClientBadServer, WrongVersionFailsTheHandshake) {
  ScriptedServer s([](Peer& p) {
    Bytes junk(3073, 0x55);
    p.write(junk);
    p.hold();
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::handshake_failed) << r.error().message();
  EXPECT_LT(took, 450ms);
}

TEST(ClientBadServer, GarbageAfterHandshakeIsAProtocolError) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    Bytes junk(64, 0xFF);  // type-3 chunks on a chunk stream that had no header
    p.write(junk);
    p.hold();
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_chunk_header) << r.error().message();
  EXPECT_NE(r.error().detail.find("from server 127.0.0.1:"), std::string::npos);
  EXPECT_LT(took, 450ms);
}

TEST(ClientBadServer, ErrorOnConnect) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    auto c = p.read_command("connect");
    if (!c) return;
    p.reply(*c, "_error", amf::Value::null(),
            {status_object("error", "NetConnection.Connect.Rejected", "go away")});
    p.hold();
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rejected);
  EXPECT_NE(r.error().detail.find("connect rejected by 127.0.0.1:"), std::string::npos);
  EXPECT_NE(r.error().detail.find("NetConnection.Connect.Rejected: go away"), std::string::npos)
      << r.error().detail;
  EXPECT_LT(took, 450ms);
}

TEST(ClientBadServer, SilenceAfterHandshakeTimesOut) {
  ScriptedServer s([](Peer& p) {
    if (p.handshake()) p.hold();
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().detail.find("no answer to connect"), std::string::npos) << r.error().detail;
  EXPECT_LT(took, 2s);
}

TEST(ClientBadServer, SilenceAfterPublishTimesOut) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    auto c = p.read_command("connect");
    if (!c) return;
    p.reply(*c, "_result", amf::Value::null(),
            {status_object("status", "NetConnection.Connect.Success", "ok")});
    auto cs = p.read_command("createStream");
    if (!cs) return;
    p.reply(*cs, "_result", amf::Value::null(), {amf::Value(1.0)});
    p.hold();
  });
  auto [r, took] = timed_connect(s, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().detail.find("no answer to publish 'key'"), std::string::npos)
      << r.error().detail;
}

TEST(ClientBadServer, StreamIdOutOfRangeIsMalformed) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    auto c = p.read_command("connect");
    if (!c) return;
    p.reply(*c, "_result", amf::Value::null(),
            {status_object("status", "NetConnection.Connect.Success", "ok")});
    auto cs = p.read_command("createStream");
    if (!cs) return;
    p.reply(*cs, "_result", amf::Value::null(), {amf::Value(-1e146)});  // found by fuzzing
    p.hold();
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed) << r.error().message();
  EXPECT_NE(r.error().detail.find("stream id"), std::string::npos) << r.error().detail;
  EXPECT_LT(took, 450ms);
}

TEST(ClientBadServer, HangUpDuringConnect) {
  ScriptedServer s([](Peer& p) {
    if (p.handshake()) p.read_command("connect");
  });
  auto [r, took] = timed_connect(s, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::closed) << r.error().message();
  EXPECT_LT(took, 450ms);
}

// A server that stops reading: the bounded queue fills (output_full), and a drain that
// makes no progress ends with the write timeout instead of hanging.
TEST(ClientBadServer, BackPressureThenWriteTimeout) {
  ScriptedServer s([](Peer& p) {
    if (p.accept_session()) p.hold();
  });
  asio::io_context ioc;
  auto opts = quick_options();
  opts.max_output_bytes = 256 * 1024;
  Client c(ioc.get_executor(), opts);
  Bytes frame(64 * 1024, 0x11);
  int sent = 0;
  bool full = false;
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(s.port())); !r) co_return r;
    if (auto r = co_await c.async_publish(); !r) co_return r;
    // Kernel buffers take a few MB first; 100 MB is far more than they hold.
    for (int i = 0; i < 1600 && !full; ++i) {
      auto r = c.send_video(VideoSample::from_data(CodecId::h264, i, i, true, frame));
      if (!r) {
        full = r.error().code == errc::output_full;
        if (!full) co_return r;
      } else {
        ++sent;
      }
      asio::steady_timer t(ioc, 100us);
      co_await t.async_wait(use_tuple);
    }
    EXPECT_GE(c.pending_output(), opts.max_output_bytes);
    co_return co_await c.async_drain(0);
  });
  EXPECT_TRUE(full);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().detail.find("made no progress"), std::string::npos) << r.error().detail;
}

// Control messages: the client answers pings, acknowledges the server's window, honours the
// server's Set Chunk Size (600-byte status at chunk size 300) and announces its own; the
// connect fields follow the URL; async_close sends FCUnpublish and deleteStream.
TEST(ClientScripted, PingAckChunkSizeConnectFieldsAndGoodbye) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    auto c = p.read_command("connect");
    if (!c) return;
    p.connect = *c;
    p.send(control::window_ack_size(100));
    p.send(control::set_chunk_size(300));
    p.send(control::user_control({control::UserEvent::ping_request, 12345, 0}));
    p.reply(*c, "_result", amf::Value::null(),
            {status_object("status", "NetConnection.Connect.Success", std::string(700, 'y'))});
    auto cs = p.read_command("createStream");
    if (!cs) return;
    p.reply(*cs, "_result", amf::Value::null(), {amf::Value(7.0)});
    auto pub = p.read_command("publish");
    if (!pub) return;
    p.stream_command = *pub;
    p.send(make_command(7, "onStatus", 0, amf::Value::null(),
                        {status_object("status", "NetStream.Publish.Start", std::string(600, 'x'))},
                        csid::data));
    p.read_command("deleteStream");  // after the video, FCUnpublish, then deleteStream
  });
  asio::io_context ioc;
  auto opts = quick_options();
  opts.chunk_size = 1000;
  opts.caps.fourcc_list = {"hvc1", "av01"};
  Client c(ioc.get_executor(), opts);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(s.port(), "live/key?t=1")); !r) co_return r;
    if (auto r = co_await c.async_publish(); !r) co_return r;
    EXPECT_EQ(c.stream_id(), 7u);
    if (auto r = c.send_video(VideoSample::from_data(CodecId::h264, 5, 5, true, Bytes(5000, 1)));
        !r)
      co_return r;
    co_await c.async_close();
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  auto received = s.received();
  bool pong = false, ack = false, video = false;
  std::uint32_t announced_chunk = 0;
  for (const auto& m : received) {
    if (m.type == msg::user_control) {
      auto uc = control::parse_user_control(m.data());
      if (uc && uc->event == control::UserEvent::ping_response && uc->value == 12345) pong = true;
    }
    if (m.type == msg::acknowledgement) ack = true;
    if (m.type == msg::set_chunk_size) announced_chunk = *control::parse_u32(m.data());
    if (m.type == msg::video) {
      video = m.size() == 5005 && m.stream_id == 7 && m.timestamp == 5;
    }
  }
  std::vector<std::string> goodbye;
  for (const auto& m : received) {
    if (m.type != msg::command_amf0) continue;
    auto cmd = parse_command(m);
    if (cmd && (cmd->name == "FCUnpublish" || cmd->name == "deleteStream"))
      goodbye.push_back(cmd->name + " " + amf::to_string(cmd->args.at(0)));
  }
  EXPECT_EQ(goodbye, (std::vector<std::string>{"FCUnpublish \"key?t=1\"", "deleteStream 7"}));
  EXPECT_TRUE(pong);
  EXPECT_TRUE(ack);
  EXPECT_TRUE(video);
  EXPECT_EQ(announced_chunk, 1000u);
  auto connect = s.connect_command();
  EXPECT_EQ(connect.object.get("app")->as_string(), "live");
  EXPECT_EQ(connect.object.get("tcUrl")->as_string(),
            "rtmp://127.0.0.1:" + std::to_string(s.port()) + "/live");
  EXPECT_EQ(connect.object.get("type")->as_string(), "nonprivate");
  ASSERT_NE(connect.object.get("fourCcList"), nullptr);
  EXPECT_EQ(connect.object.get("fourCcList")->items().size(), 2u);
  auto publish = s.stream_command();
  ASSERT_EQ(publish.args.size(), 2u);
  EXPECT_EQ(publish.args[0].as_string(), "key?t=1");
  EXPECT_EQ(publish.args[1].as_string(), "live");
}

class ReconnectRecorder final : public ClientHandler {
 public:
  std::string tc_url, code;
  void on_reconnect_request(const std::string& url, const Status& s) override {
    tc_url = url;
    code = s.code;
  }
};

TEST(ClientScripted, ServerCapsAndReconnectRequest) {
  ScriptedServer s([](Peer& p) {
    if (!p.handshake()) return;
    auto c = p.read_command("connect");
    if (!c) return;
    auto props = amf::Value::object({{"fmsVer", amf::Value("FMS/3,0,1,123")},
                                     {"capsEx", amf::Value(1.0)},
                                     {"fourCcList", amf::Value::strict_array({"hvc1"})}});
    p.reply(*c, "_result", props, {status_object("status", "NetConnection.Connect.Success", "ok")});
    auto cs = p.read_command("createStream");
    if (!cs) return;
    p.reply(*cs, "_result", amf::Value::null(), {amf::Value(1.0)});
    auto info = status_object("status", "NetConnection.Connect.ReconnectRequest", "move");
    info.set("tcUrl", amf::Value("/other"));
    p.send(make_command(0, "onStatus", 0, amf::Value::null(), {info}));
    p.hold();
  });
  asio::io_context ioc;
  Client c(ioc.get_executor(), quick_options());
  ReconnectRecorder rec;
  c.set_handler(&rec);
  auto r = run(ioc, [&]() -> asio::awaitable<Result<void>> {
    if (auto r = co_await c.async_connect(url_for(s.port())); !r) co_return r;
    for (int i = 0; i < 200 && rec.code.empty(); ++i) {
      asio::steady_timer t(ioc, 5ms);
      co_await t.async_wait(use_tuple);
    }
    co_return Result<void>{};
  });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(c.server_caps().has_caps_ex(caps_ex::reconnect));
  EXPECT_TRUE(c.server_caps().can_receive_video("hvc1"));
  EXPECT_EQ(rec.code, "NetConnection.Connect.ReconnectRequest");
  EXPECT_EQ(rec.tc_url, "rtmp://127.0.0.1:" + std::to_string(s.port()) + "/other");
}

TEST(ClientScripted, PlayIdleTimeoutEndsTheConnection) {
  ScriptedServer s([](Peer& p) {
    if (p.accept_session("NetStream.Play.Start")) p.hold();
  });
  asio::io_context ioc;
  auto opts = quick_options();
  opts.player = true;
  Client c(ioc.get_executor(), opts);
  PlayRecorder rec;
  c.set_handler(&rec);
  auto t0 = Clock::now();
  Error e = run(ioc, [&]() -> asio::awaitable<Error> {
    if (auto r = co_await c.async_connect(url_for(s.port())); !r) co_return r.error();
    if (auto r = co_await c.async_play(); !r) co_return r.error();
    co_return co_await c.async_wait_closed();
  });
  EXPECT_EQ(e.code, errc::timeout) << e.message();
  EXPECT_NE(e.detail.find("while playing"), std::string::npos);
  EXPECT_LT(Clock::now() - t0, 2s);
  auto connect = s.connect_command();
  EXPECT_NE(connect.object.get("audioCodecs"), nullptr);  // the player form
  EXPECT_EQ(connect.object.get("flashVer")->as_string(), "LNX 9,0,124,2");
}

// ---- blocking API ----

TEST(BlockingClient, PublishThenPlay) {
  Shared shared;
  shared.play_media = make_media(1000, 10, 500);
  auto server = start_server(shared);
  Media media = make_media(0, 10, 2000);
  {
    BlockingClient c(quick_options());
    ASSERT_TRUE(c.connect(url_for(server->port())));
    ASSERT_TRUE(c.publish());
    EXPECT_EQ(c.state(), Client::State::publishing);
    for (const auto& codec : media.codecs) ASSERT_TRUE(c.send_codec(codec));
    for (const auto& s : media.samples) {
      if (auto* v = std::get_if<VideoSample>(&s))
        ASSERT_TRUE(c.send_video(*v));
      else
        ASSERT_TRUE(c.send_audio(std::get<AudioSample>(s)));
    }
    ASSERT_TRUE(c.drain());
    EXPECT_EQ(c.pending_output(), 0u);
    c.close();
    EXPECT_EQ(c.state(), Client::State::closed);
  }
  ASSERT_TRUE(shared.wait_disconnects(1));
  auto events = shared.get();
  std::vector<std::string> got(events.begin() + 2, events.end() - 1);
  EXPECT_EQ(got, media.expected);

  auto opts = quick_options();
  opts.player = true;
  BlockingClient p(opts);
  PlayRecorder rec;
  p.set_handler(&rec);
  ASSERT_TRUE(p.connect(url_for(server->port())));
  ASSERT_TRUE(p.play());
  Error e = p.wait_closed(5s);
  EXPECT_EQ(e.code, errc::closed) << e.message();
  p.close();  // already closed: no-op
  EXPECT_EQ(rec.events, shared.play_media.expected);
}

TEST(BlockingClient, ErrorsAndTimeouts) {
  ScriptedServer s([](Peer& p) { p.hold(); });
  BlockingClient c(quick_options());
  auto r = c.connect("rtmp://127.0.0.1:" + std::to_string(s.port()) + "/live/key");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  auto bad = c.connect("nonsense");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_argument);
  EXPECT_EQ(c.wait_closed(10ms).code, errc::timeout);  // the reason the last connection ended
}

// ---- rtmps ----

struct SelfSigned {
  std::string cert_pem, key_pem;
};

// A throwaway P-256 certificate for 127.0.0.1 (SAN IP), self-signed.
SelfSigned make_certificate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("rtmpcxx test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  auto pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string s(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return s;
  };
  SelfSigned out;
  out.cert_pem = pem([&](BIO* b) { PEM_write_bio_X509(b, x); });
  out.key_pem =
      pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

// Terminates TLS and forwards the bytes to a plain RTMP server (as a TLS-offloading proxy in
// front of an RTMP server does).
class TlsProxy {
 public:
  TlsProxy(std::uint16_t upstream, const SelfSigned& cert)
      : upstream_(upstream),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    ctx_.use_certificate_chain(asio::buffer(cert.cert_pem));
    ctx_.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TlsProxy() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::atomic<int> handshakes_failed{0};

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      asio::co_spawn(ioc_, serve(std::move(sock)), asio::detached);
    }
  }
  template <class From, class To>
  static asio::awaitable<void> pipe(std::shared_ptr<From> from, std::shared_ptr<To> to,
                                    std::shared_ptr<tcp::socket> plain) {
    std::vector<std::uint8_t> buf(65536);
    for (;;) {
      auto [ec, n] = co_await from->async_read_some(asio::buffer(buf), use_tuple);
      if (ec) break;
      auto [wec, w] = co_await asio::async_write(*to, asio::buffer(buf.data(), n), use_tuple);
      if (wec) break;
    }
    boost::system::error_code ignored;
    plain->close(ignored);  // ends the other direction too
  }
  asio::awaitable<void> serve(tcp::socket sock) {
    auto tls = std::make_shared<ssl::stream<tcp::socket>>(std::move(sock), ctx_);
    auto [ec] = co_await tls->async_handshake(ssl::stream_base::server, use_tuple);
    if (ec) {
      ++handshakes_failed;
      co_return;
    }
    auto up = std::make_shared<tcp::socket>(ioc_);
    auto [cec] = co_await up->async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), upstream_), use_tuple);
    if (cec) co_return;
    asio::co_spawn(ioc_, pipe(tls, up, up), asio::detached);
    co_await pipe(up, tls, up);
  }

  std::uint16_t upstream_;
  asio::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_server};
  tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST(ClientTls, PublishOverRtmpsWithVerificationChoices) {
  Shared shared;
  auto server = start_server(shared);
  auto cert = make_certificate();
  TlsProxy proxy(server->port(), cert);
  std::string url = "rtmps://127.0.0.1:" + std::to_string(proxy.port()) + "/live/key";
  Media media = make_media(0, 5, 1000);
  auto publish = [&](ClientOptions opts) {
    asio::io_context ioc;
    Client c(ioc.get_executor(), opts);
    return run(ioc, [&]() -> asio::awaitable<Result<void>> {
      if (auto r = co_await c.async_connect(url); !r) co_return r;
      if (auto r = co_await c.async_publish(); !r) co_return r;
      if (auto r = co_await send_all(c, media); !r) co_return r;
      co_await c.async_close();
      co_return Result<void>{};
    });
  };

  // The system store does not know this certificate.
  auto refused = publish(quick_options());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::handshake_failed);
  EXPECT_NE(refused.error().detail.find("certificate"), std::string::npos)
      << refused.error().detail;
  EXPECT_NE(refused.error().detail.find("tls_verify = false"), std::string::npos);

  auto insecure = quick_options();
  insecure.tls_verify = false;
  auto r1 = publish(insecure);
  ASSERT_TRUE(r1) << r1.error().message();

  std::string ca = ::testing::TempDir() + "rtmpcxx_client_test_ca.pem";
  std::ofstream(ca) << cert.cert_pem;
  auto trusted = quick_options();
  trusted.tls_ca_file = ca;
  auto r2 = publish(trusted);
  ASSERT_TRUE(r2) << r2.error().message();
  std::remove(ca.c_str());

  ASSERT_TRUE(shared.wait_disconnects(2));
  auto events = shared.get();
  auto first = std::find(events.begin(), events.end(), "publish key live");
  ASSERT_NE(first, events.end());
  std::vector<std::string> got(first + 1,
                               first + 1 + static_cast<std::ptrdiff_t>(media.expected.size()));
  EXPECT_EQ(got, media.expected);
}

}  // namespace
}  // namespace rtmp
