// rtmp::BlockingClient: an rtmp::Client run on its own thread, each call waiting for its
// result.
#include "rtmp/client.hpp"

#include <boost/asio.hpp>

#include <future>
#include <thread>

namespace rtmp {

namespace asio = boost::asio;

struct BlockingClient::Impl {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  Client client;
  std::thread thread;

  explicit Impl(ClientOptions o) : client(ioc.get_executor(), std::move(o)) {
    thread = std::thread([this] { ioc.run(); });
  }
  bool on_thread() const { return thread.get_id() == std::this_thread::get_id(); }

  // Runs f() on the client's thread and waits for its result.
  template <class F>
  auto run(F f) -> decltype(f()) {
    if (on_thread()) return f();
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto future = task.get_future();
    // Wrapped: a bare packaged_task would be taken as a completion token.
    asio::post(ioc, [t = std::move(task)]() mutable { t(); });
    return future.get();
  }
  // Runs a coroutine on the client's thread and waits for it.
  template <class F>
  auto run_async(F f) {
    return asio::co_spawn(ioc, std::move(f), asio::use_future).get();
  }
  ~Impl() {
    if (thread.joinable()) {
      run_async([this]() -> asio::awaitable<int> {
        co_await client.async_close();
        co_return 0;
      });
      work.reset();
      ioc.stop();
      thread.join();
    }
  }
};

BlockingClient::BlockingClient(ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

BlockingClient::~BlockingClient() = default;

void BlockingClient::set_handler(ClientHandler* handler) {
  impl_->run([&] { impl_->client.set_handler(handler); });
}

Result<void> BlockingClient::connect(const std::string& url) {
  if (impl_->on_thread()) return Error(errc::invalid_argument, "connect from a handler callback");
  return impl_->run_async([&]() { return impl_->client.async_connect(url); });
}

Result<void> BlockingClient::publish(const std::string& key, const std::string& type) {
  if (impl_->on_thread()) return Error(errc::invalid_argument, "publish from a handler callback");
  return impl_->run_async([&]() { return impl_->client.async_publish(key, type); });
}

Result<void> BlockingClient::play(const std::string& name, PlayOptions play) {
  if (impl_->on_thread()) return Error(errc::invalid_argument, "play from a handler callback");
  return impl_->run_async([&]() { return impl_->client.async_play(name, play); });
}

Result<void> BlockingClient::send_codec(const Codec& codec) {
  return impl_->run([&] { return impl_->client.send_codec(codec); });
}
Result<void> BlockingClient::send_video(const VideoSample& sample) {
  return impl_->run([&] { return impl_->client.send_video(sample); });
}
Result<void> BlockingClient::send_audio(const AudioSample& sample) {
  return impl_->run([&] { return impl_->client.send_audio(sample); });
}
Result<void> BlockingClient::send_metadata(const amf::Value& metadata) {
  return impl_->run([&] { return impl_->client.send_metadata(metadata); });
}
Result<void> BlockingClient::send_message(const Message& message) {
  return impl_->run([&] { return impl_->client.send_message(message); });
}

Result<void> BlockingClient::drain(std::size_t limit) {
  if (impl_->on_thread()) return Error(errc::invalid_argument, "drain from a handler callback");
  return impl_->run_async([&]() { return impl_->client.async_drain(limit); });
}

Error BlockingClient::wait_closed(std::chrono::milliseconds timeout) {
  if (impl_->on_thread())
    return Error(errc::invalid_argument, "wait_closed from a handler callback");
  auto future = asio::co_spawn(
      impl_->ioc, [this]() { return impl_->client.async_wait_closed(); }, asio::use_future);
  if (future.wait_for(timeout) != std::future_status::ready)
    return Error(errc::timeout, "still connected after " + std::to_string(timeout.count()) + " ms");
  return future.get();
}

void BlockingClient::close() {
  if (impl_->on_thread()) {
    impl_->client.close();
    return;
  }
  impl_->run_async([this]() -> asio::awaitable<int> {
    co_await impl_->client.async_close();
    co_return 0;
  });
}

Client::State BlockingClient::state() const {
  return impl_->run([&] { return impl_->client.state(); });
}

std::size_t BlockingClient::pending_output() const {
  return impl_->run([&] { return impl_->client.pending_output(); });
}

}  // namespace rtmp
