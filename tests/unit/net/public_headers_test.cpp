// The public API needs no Asio: these headers, included first, must not pull it in.
// (Every Asio header includes boost/asio/detail/config.hpp, whose guard is checked.)
#include "rtmp/client.hpp"
#include "rtmp/handler.hpp"
#include "rtmp/log.hpp"
#include "rtmp/server.hpp"

#if defined(BOOST_ASIO_DETAIL_CONFIG_HPP)
#error "a public rtmp header includes Asio"
#endif

#include <gtest/gtest.h>

namespace rtmp {
namespace {

struct Quiet : Handler {};

// A server and a BlockingClient used end to end with no Asio include in this file.
TEST(PublicHeaders, ServerAndBlockingClientWithoutAsio) {
  ServerOptions o;
  o.port = 0;
  o.bind = "127.0.0.1";
  o.threads = 1;
  o.handler = [](const std::any&) { return std::make_unique<Quiet>(); };
  auto server = Server::start(std::move(o));
  ASSERT_TRUE(server) << server.error().message();
  BlockingClient c;
  ASSERT_TRUE(c.connect("rtmp://127.0.0.1:" + std::to_string((*server)->port()) + "/live/k"));
  ASSERT_TRUE(c.publish());
  EXPECT_EQ(c.state(), Client::State::publishing);
  c.close();
}

}  // namespace
}  // namespace rtmp
