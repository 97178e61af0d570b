#include "net/connection_manager.hpp"

#include <gtest/gtest.h>

#include <future>

namespace rtmp::net {
namespace {

struct Connection {};
using ConnectionManager = BasicConnectionManager<Connection>;

using namespace std::chrono_literals;

TEST(ConnectionManager, AddsUntilStoppingAndRemovesByAddress) {
  ConnectionManager m;
  auto a = m.add([] { return std::make_shared<Connection>(); });
  auto b = m.add([] { return std::make_shared<Connection>(); });
  ASSERT_TRUE(a && b);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.snapshot().size(), 2u);
  m.begin_stop();
  bool made = false;
  EXPECT_EQ(m.add([&] {
    made = true;
    return std::make_shared<Connection>();
  }),
            nullptr);
  EXPECT_FALSE(made);
  m.remove(a.get());
  m.remove(a.get());  // twice: no effect
  EXPECT_EQ(m.size(), 1u);
}

TEST(ConnectionManager, WaitEmptyWakesWhenTheLastOneLeaves) {
  ConnectionManager m;
  auto a = m.add([] { return std::make_shared<Connection>(); });
  EXPECT_FALSE(m.wait_empty(1ms));
  auto waiter = std::async(std::launch::async, [&] { return m.wait_empty(10s); });
  m.remove(a.get());
  EXPECT_TRUE(waiter.get());
}

TEST(ConnectionManager, ClosedHandlesRefuseNewCallsAndWaitForThoseInFlight) {
  ConnectionManager m;
  std::promise<void> entered, leave;
  auto call = std::async(std::launch::async, [&] {
    ConnectionManager::HandleCall c(m);
    EXPECT_TRUE(c.open());
    entered.set_value();
    leave.get_future().wait();
  });
  entered.get_future().wait();
  auto closer = std::async(std::launch::async, [&] { m.close_handles(); });
  EXPECT_EQ(closer.wait_for(20ms), std::future_status::timeout);  // the call is in flight
  leave.set_value();
  call.get();
  closer.get();
  ConnectionManager::HandleCall late(m);
  EXPECT_FALSE(late.open());
}

}  // namespace
}  // namespace rtmp::net
