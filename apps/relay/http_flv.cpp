#include "relay/http_flv.hpp"

#include "relay/flv_tags.hpp"

#include <spdlog/spdlog.h>

namespace rtmp::relay {

namespace {

// Session ids of HTTP players: apart from rtmp::Server's (from 1) and push/pull (from 2^62).
std::atomic<std::uint64_t> next_http_id{std::uint64_t{1} << 61};

}  // namespace

FlvPlayer::FlvPlayer(std::string remote, std::function<void(bool)> wake)
    : id_(next_http_id++), remote_(std::move(remote)), wake_(std::move(wake)) {}

const ConnectCaps& FlvPlayer::caps() {
  static const ConnectCaps c = [] {
    ConnectCaps k;
    k.fourcc_list = {"*"};  // Enhanced, one track: everything on track 0 as published
    return k;
  }();
  return c;
}

void FlvPlayer::notify_locked(std::unique_lock<std::mutex>& lock) {
  if (!waiting_) return;
  waiting_ = false;
  lock.unlock();
  wake_(false);
}

void FlvPlayer::send_encoded(SharedBytes chunks, const Message& header) {
  // FLV carries audio, video and AMF0 script data; the rest is RTMP's own business.
  if (header.type != msg::audio && header.type != msg::video && header.type != msg::data_amf0)
    return;
  FlvItem item;
  item.head = flv_tag_header(header.type, header.size(), header.timestamp);
  item.payload = header.payload;
  item.tail = flv_previous_tag_size(header.size());
  item.wire = chunks ? chunks->size() : 0;
  std::unique_lock lock(mutex_);
  if (ended_ || aborted_) return;
  pending_ += item.wire;
  queued_wire_ += item.wire;
  queue_.push_back(std::move(item));
  notify_locked(lock);
}

void FlvPlayer::send_status(std::string_view, std::string_view code, std::string_view description) {
  if (code != "NetStream.Play.UnpublishNotify" && code != "NetStream.Play.StreamNotFound" &&
      code != "NetStream.Play.Failed")
    return;
  std::unique_lock lock(mutex_);
  if (ended_) return;
  ended_ = true;
  end_reason_ = std::string(code) + ": " + std::string(description);
  notify_locked(lock);
}

void FlvPlayer::close() {
  std::unique_lock lock(mutex_);
  if (ended_) return;
  ended_ = true;
  end_reason_ = "closed by the relay";
  notify_locked(lock);
}

void FlvPlayer::abort(const Error& reason) {
  std::unique_lock lock(mutex_);
  if (aborted_) return;
  aborted_ = true;
  end_reason_ = reason.message();
  pending_ -= queued_wire_;
  queued_wire_ = 0;
  queue_.clear();
  // The writer may be blocked in a write to a peer that stopped reading: wake it whether it
  // waits for data or not, so that it closes the socket.
  lock.unlock();
  wake_(true);
}

FlvPlayer::Batch FlvPlayer::take() {
  std::lock_guard lock(mutex_);
  Batch b;
  b.aborted = aborted_;
  if (aborted_) return b;
  b.items.swap(queue_);
  b.wire = queued_wire_;
  queued_wire_ = 0;
  b.ended = ended_;
  if (b.items.empty() && !ended_) waiting_ = true;
  return b;
}

std::string FlvPlayer::end_reason() const {
  std::lock_guard lock(mutex_);
  return end_reason_;
}

void flv_buffers(const std::vector<FlvItem>& items, std::vector<boost::asio::const_buffer>& out) {
  out.reserve(out.size() + items.size() * 3);
  for (const auto& it : items) {
    out.emplace_back(it.head.data(), it.head.size());
    if (it.payload && !it.payload->empty())
      out.emplace_back(it.payload->data(), it.payload->size());
    out.emplace_back(it.tail.data(), it.tail.size());
  }
}

}  // namespace rtmp::relay
