// The fan-out hand-offs one publisher connection's read makes: its handler may queue one
// message for hundreds of players per message read, and each target is woken once at the
// end of the read (one drain job and one write per player per read) instead of once per
// message. Targets holding audio for a video frame are released by the publisher one
// video frame interval later at the latest (a publisher that stalls or stops video).
//
// Owned by the publishing connection and used on its strand only. The hand-off itself
// (Session::send_encoded, called by the handler during the read) finds the batch through
// FanoutBatch::Scope, which marks the read running on this thread.
#pragma once

#include "rtmp/core/session.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace rtmp::net {

namespace detail {
void*& current_fanout();  // the batch of the read running on this thread, or null
}

template <class Target>
class BasicFanoutBatch {
 public:
  using TargetPtr = std::shared_ptr<Target>;
  struct Held {
    TargetPtr target;
    std::uint64_t gen;     // the target's hold number (a later hold is not released early)
    TimePoint deadline{};  // released then at the latest
  };

  // Marks a read of the owning connection running on this thread, for its duration.
  class Scope {
   public:
    Scope(BasicFanoutBatch& b, bool may_hold) : prev_(detail::current_fanout()) {
      b.may_hold_ = may_hold;
      b.hold_ms_ = kMaxHoldMs;
      detail::current_fanout() = &b;
    }
    ~Scope() { detail::current_fanout() = prev_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    void* prev_;
  };

  static constexpr std::uint32_t kMaxHoldMs = 100;

  // The batch of the read running on this thread, or null outside one.
  static BasicFanoutBatch* current() noexcept {
    return static_cast<BasicFanoutBatch*>(detail::current_fanout());
  }

  // The feeding publisher reached at least `min_players` targets with its previous read
  // that reached any: only then may audio wait (the saving matters at scale).
  bool may_hold_next(std::size_t min_players) const noexcept { return last_ >= min_players; }
  bool may_hold() const noexcept { return may_hold_; }

  void wake(TargetPtr t) { wake_.push_back(std::move(t)); }
  void hold(TargetPtr t, std::uint64_t gen, std::uint32_t interval_ms) {
    new_held_.push_back({std::move(t), gen, {}});
    hold_ms_ = std::min(hold_ms_, interval_ms);
  }

  // Ends a read: calls drain(target) for each target woken, and moves the targets held by
  // this read into the held list with a deadline one (shortest) video interval from `now`.
  template <class Drain>
  void end(TimePoint now, Drain&& drain) {
    if (auto n = wake_.size() + new_held_.size(); n > 0) last_ = n;
    for (auto& t : wake_) drain(std::move(t));
    wake_.clear();
    const auto deadline = now + std::chrono::milliseconds(hold_ms_);
    for (auto& h : new_held_) held_.push_back({std::move(h.target), h.gen, deadline});
    new_held_.clear();
  }

  // The earliest release deadline, valid when !held_empty().
  bool held_empty() const noexcept { return held_.empty(); }
  TimePoint next_deadline() const noexcept { return held_.front().deadline; }

  // Calls release(target, gen) for the holds due at `now` (all of them when `all`), oldest
  // first, and keeps the rest.
  template <class Release>
  void release_due(TimePoint now, bool all, Release&& release) {
    std::size_t kept = 0;
    for (auto& h : held_) {
      if (!all && h.deadline > now)
        held_[kept++] = std::move(h);
      else
        release(*h.target, h.gen);
    }
    held_.resize(kept);
  }

 private:
  bool may_hold_ = false;
  std::size_t last_ = 0;                // targets woken or held by the last read that reached any
  std::uint32_t hold_ms_ = kMaxHoldMs;  // shortest video interval among this read's holds
  std::vector<TargetPtr> wake_;         // targets to drain at the end of the read
  std::vector<Held> new_held_;          // targets this read made hold
  std::vector<Held> held_;              // holds awaiting release, oldest first
};

}  // namespace rtmp::net
