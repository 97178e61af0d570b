// A scripted fake RTMP server for client tests: one connection, blocking I/O on its own
// thread, the script deciding what the server says and when (or that it stays silent).
// Reads wait for the socket to become readable; the test waits for the script to end.
#pragma once

#include "rtmp/core/chunk.hpp"
#include "rtmp/core/command.hpp"
#include "rtmp/core/control.hpp"
#include "rtmp/core/session.hpp"

#include <poll.h>
#include <boost/asio.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

namespace rtmp::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Waits until `fd` is readable or `deadline` passes (in slices, so a stop is seen soon).
inline void wait_readable(int fd, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  pollfd p{fd, POLLIN, 0};
  ::poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 50)));
}

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
  // Keeps the connection open, silent, until the server is stopped.
  void hold() { stop_.wait(false); }

  std::vector<Message> received;
  Command connect, stream_command;

 private:
  bool fill(Clock::time_point deadline) {
    std::uint8_t buf[65536];
    while (!stop_ && Clock::now() < deadline) {
      boost::system::error_code ec;
      std::size_t n = sock_.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block) {
        wait_readable(sock_.native_handle(), deadline);
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
        wait_readable(acceptor_.native_handle(), Clock::now() + std::chrono::seconds(5));
      }
      if (stop_) return;
      Peer peer(sock, stop_);
      script(peer);
      received_ = peer.received;
      connect_ = peer.connect;
      stream_command_ = peer.stream_command;
      finished_.set_value();
    });
  }
  ~ScriptedServer() { stop(); }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // Ends the script (a held or reading peer returns) and waits for its thread.
  void stop() {
    stop_ = true;
    stop_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // Waits up to `limit` for the script to end by itself, then stops it; returns what the
  // peer received.
  std::vector<Message> received(std::chrono::milliseconds limit = 5s) {
    finished_future_.wait_for(limit);
    stop();
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
  std::promise<void> finished_;  // the script returned by itself
  std::future<void> finished_future_ = finished_.get_future();
  std::vector<Message> received_;
  Command connect_, stream_command_;
};

}  // namespace rtmp::test
