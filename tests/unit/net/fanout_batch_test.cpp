#include "net/fanout_batch.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtmp::net {
namespace {

struct Player {
  std::string name;
  std::vector<std::uint64_t> released;
};
using Batch = BasicFanoutBatch<Player>;
using namespace std::chrono_literals;

TEST(FanoutBatch, CurrentIsTheBatchOfTheReadInScope) {
  Batch a, b;
  EXPECT_EQ(Batch::current(), nullptr);
  {
    Batch::Scope sa(a, false);
    EXPECT_EQ(Batch::current(), &a);
    {
      Batch::Scope sb(b, true);
      EXPECT_EQ(Batch::current(), &b);
      EXPECT_TRUE(b.may_hold());
    }
    EXPECT_EQ(Batch::current(), &a);
    EXPECT_FALSE(a.may_hold());
  }
  EXPECT_EQ(Batch::current(), nullptr);
}

TEST(FanoutBatch, EndDrainsEachWokenTargetOnceAndCountsTheAudience) {
  Batch batch;
  EXPECT_FALSE(batch.may_hold_next(1));
  auto p1 = std::make_shared<Player>(Player{"p1", {}});
  auto p2 = std::make_shared<Player>(Player{"p2", {}});
  std::vector<std::string> drained;
  {
    Batch::Scope s(batch, false);
    batch.wake(p1);
    batch.wake(p2);
  }
  batch.end(TimePoint{}, [&](std::shared_ptr<Player> p) { drained.push_back(p->name); });
  EXPECT_EQ(drained, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_TRUE(batch.held_empty());
  EXPECT_TRUE(batch.may_hold_next(2));
  EXPECT_FALSE(batch.may_hold_next(3));
  // A read reaching nobody keeps the last audience.
  batch.end(TimePoint{}, [&](std::shared_ptr<Player>) { ADD_FAILURE(); });
  EXPECT_TRUE(batch.may_hold_next(2));
}

TEST(FanoutBatch, HoldsAreReleasedAtTheShortestVideoInterval) {
  Batch batch;
  auto p1 = std::make_shared<Player>(Player{"p1", {}});
  auto p2 = std::make_shared<Player>(Player{"p2", {}});
  const TimePoint t0{std::chrono::seconds(10)};
  {
    Batch::Scope s(batch, true);
    batch.hold(p1, 7, 40);
    batch.hold(p2, 9, 33);
  }
  batch.end(t0, [](std::shared_ptr<Player>) { ADD_FAILURE(); });
  ASSERT_FALSE(batch.held_empty());
  EXPECT_EQ(batch.next_deadline(), t0 + 33ms);
  auto release = [](Player& p, std::uint64_t gen) { p.released.push_back(gen); };
  batch.release_due(t0 + 32ms, false, release);
  EXPECT_TRUE(p1->released.empty());
  batch.release_due(t0 + 33ms, false, release);
  EXPECT_EQ(p1->released, std::vector<std::uint64_t>{7});
  EXPECT_EQ(p2->released, std::vector<std::uint64_t>{9});
  EXPECT_TRUE(batch.held_empty());
}

TEST(FanoutBatch, ReleaseAllEndsHoldsBeforeTheirDeadline) {
  Batch batch;
  auto p = std::make_shared<Player>(Player{"p", {}});
  {
    Batch::Scope s(batch, true);
    batch.hold(p, 1, 33);
  }
  batch.end(TimePoint{}, [](std::shared_ptr<Player>) {});
  batch.release_due(TimePoint{}, true,
                    [](Player& pl, std::uint64_t gen) { pl.released.push_back(gen); });
  EXPECT_EQ(p->released, std::vector<std::uint64_t>{1});
  EXPECT_TRUE(batch.held_empty());
}

}  // namespace
}  // namespace rtmp::net
