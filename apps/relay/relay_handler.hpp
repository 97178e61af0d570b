// The rtmp::Handler of one connection to the relay (raw mode: ServerOptions::demux = false).
// A connection publishes at most one stream and plays at most one; callbacks arrive on the
// connection's strand, in protocol order (see rtmp/handler.hpp).
#pragma once

#include "relay/relay.hpp"
#include "rtmp/handler.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace rtmp::relay {

class RelayHandler final : public Handler {
 public:
  explicit RelayHandler(Relay& relay);
  ~RelayHandler() override;

  Decision on_connect(const ConnectInfo& info) override;
  Decision on_publish(const PublishInfo& info) override;
  Decision on_play(const PlayInfo& info) override;
  void on_metadata(const amf::Value& data) override;
  void on_message(const Message& m) override;
  bool on_delete_stream(std::uint32_t stream_id) override;
  void on_disconnect(const Error& reason) override;

 private:
  Decision publish_now(const PublishInfo& info);
  Decision play_now(const PlayInfo& info);

  Relay& relay_;
  std::string app_;
  std::string tc_url_;
  // An auth answer arrives on another thread, maybe after the connection ended: it acts only
  // while `alive`, under the mutex on_disconnect also takes.
  struct AuthGuard {
    std::mutex mutex;
    bool alive = true;
  };
  std::shared_ptr<AuthGuard> auth_guard_ = std::make_shared<AuthGuard>();
  ConnectCaps caps_;  // the Enhanced RTMP caps of its connect: what it may be sent as a player
  std::shared_ptr<Stream> publishing_;
  std::uint32_t publish_stream_id_ = 0;
  std::shared_ptr<Stream> playing_;
  std::uint32_t play_stream_id_ = 0;
  // on_metadata comes right before on_message with the same (raw) data message: the raw one
  // is then not relayed again.
  std::optional<amf::Value> metadata_;
};

}  // namespace rtmp::relay
