// Thread-safe event recording for tests that cross threads (net and relay): callbacks add
// strings, the test waits on a condition variable for the event it needs instead of sleeping.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace rtmp::test {

class EventLog {
 public:
  void add(std::string e) {
    {
      std::lock_guard l(mutex_);
      events_.push_back(std::move(e));
    }
    cv_.notify_all();
  }
  // Waits until `done(events)` holds or `limit` passes; returns the events seen so far (the
  // caller asserts on them, so a timeout shows what did arrive).
  template <class Pred>
  std::vector<std::string> wait_until(Pred done,
                                      std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    std::unique_lock l(mutex_);
    cv_.wait_for(l, limit, [&] { return done(std::as_const(events_)); });
    return events_;
  }
  // Waits until `e` has been added.
  std::vector<std::string> wait_for(const std::string& e,
                                    std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    return wait_until(
        [&](const auto& ev) { return std::find(ev.begin(), ev.end(), e) != ev.end(); }, limit);
  }
  std::vector<std::string> events() const {
    std::lock_guard l(mutex_);
    return events_;
  }
  std::size_t count(const std::string& e) const {
    std::lock_guard l(mutex_);
    return static_cast<std::size_t>(std::count(events_.begin(), events_.end(), e));
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

// Polls `p` until it holds or `limit` passes, for state that has no event to wait on (a
// counter another thread owns). Prefer EventLog or a future where the code offers one.
template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!p()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace rtmp::test
