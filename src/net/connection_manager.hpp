// The live connections of one rtmp::Server (the Asio examples' connection_manager), shared
// with each connection so that one finishing after the Server object is gone (caller's
// io_context) still has somewhere to deregister.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace rtmp::net {

template <class Conn>
class BasicConnectionManager {
 public:
  // Adds a connection made by `make()` (called under the lock) unless stopping; returns
  // it, or null when stopping (nothing is made then).
  template <class Make>
  std::shared_ptr<Conn> add(Make&& make) {
    std::lock_guard lock(mutex_);
    if (stopping_) return nullptr;
    auto c = make();
    connections_.insert(c);
    return c;
  }
  void remove(Conn* c) {
    std::lock_guard lock(mutex_);
    for (auto it = connections_.begin(); it != connections_.end(); ++it)
      if (it->get() == c) {
        connections_.erase(it);
        break;
      }
    if (connections_.empty()) drained_.notify_all();
  }
  std::vector<std::shared_ptr<Conn>> snapshot() const {
    std::lock_guard lock(mutex_);
    return {connections_.begin(), connections_.end()};
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
  }
  // No connection is added from now on.
  void begin_stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  // Waits up to `timeout` for every connection to be removed; true when none is left.
  bool wait_empty(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return drained_.wait_for(lock, timeout, [this] { return connections_.empty(); });
  }

  // Handles are called from any thread. A call holds a strong reference on its connection
  // for a moment; once the server is gone, dropping the last one would destroy the
  // connection's sockets and timers after their io_context. The server closes this gate
  // and waits out the calls in flight before it lets the io_context go.
  class HandleCall {
   public:
    explicit HandleCall(BasicConnectionManager& m) : m_(m) { m_.handle_calls_.fetch_add(1); }
    ~HandleCall() { m_.handle_calls_.fetch_sub(1); }
    HandleCall(const HandleCall&) = delete;
    HandleCall& operator=(const HandleCall&) = delete;
    bool open() const noexcept { return !m_.handles_closed_.load(); }

   private:
    BasicConnectionManager& m_;
  };
  void close_handles() {
    handles_closed_.store(true);
    while (handle_calls_.load() != 0) std::this_thread::yield();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable drained_;
  std::set<std::shared_ptr<Conn>> connections_;
  bool stopping_ = false;
  std::atomic<std::size_t> handle_calls_{0};
  std::atomic<bool> handles_closed_{false};
};

class Connection;
using ConnectionManager = BasicConnectionManager<Connection>;

}  // namespace rtmp::net
