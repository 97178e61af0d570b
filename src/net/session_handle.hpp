// The rtmp::Session a server connection gives its handler: a thread-safe handle that
// posts each call to the connection's strand. It holds the connection weakly, so a handler
// keeping its session does not keep the connection alive after it closed; calls after
// that are ignored.
#pragma once

#include "net/connection_manager.hpp"
#include "rtmp/handler.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace rtmp::net {

// A connection's figures that handles read from other threads, shared so that reading them
// (a fan-out reads pending once per message per player) takes no reference on the
// connection. Written on the connection's strand; zero once the connection is finished.
struct ConnectionCounters {
  std::atomic<std::size_t> pending{0};  // output bytes queued, not yet written
  std::atomic<std::uint32_t> play_stream_id{0};
  std::atomic<std::uint32_t> chunk_size{0};
};

class SessionHandle final : public Session {
 public:
  SessionHandle(std::weak_ptr<Connection> c, std::shared_ptr<ConnectionManager> manager,
                std::shared_ptr<const ConnectionCounters> counters, std::uint64_t id,
                std::string addr)
      : conn_(std::move(c)),
        manager_(std::move(manager)),
        counters_(std::move(counters)),
        id_(id),
        addr_(std::move(addr)) {}
  void send_codec(const Codec& codec) override;
  void send_video(const VideoSample& sample) override;
  void send_audio(const AudioSample& sample) override;
  void send_metadata(const amf::Value& metadata) override;
  void send_message(const Message& message) override;
  void send_status(std::string_view level, std::string_view code,
                   std::string_view description) override;
  void send_encoded(SharedBytes chunks, const Message& header) override;
  std::uint32_t chunk_size() const noexcept override;
  std::uint32_t play_stream_id() const noexcept override;
  void resolve(Decision decision) override;
  void close() override;
  void abort(const Error& reason) override;
  std::uint64_t id() const noexcept override { return id_; }
  const std::string& remote_address() const noexcept override { return addr_; }
  std::size_t pending_output() const noexcept override;

 private:
  // Runs f(connection) if the connection is alive and its server has not let go of it.
  template <class F>
  void with_connection(F&& f);

  std::weak_ptr<Connection> conn_;
  std::shared_ptr<ConnectionManager> manager_;
  std::shared_ptr<const ConnectionCounters> counters_;
  std::uint64_t id_;
  std::string addr_;
};

}  // namespace rtmp::net
