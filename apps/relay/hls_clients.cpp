#include "relay/hls_clients.hpp"

#include <chrono>

namespace rtmp::relay {

namespace {
constexpr auto viewer_window = std::chrono::seconds(30);
}

void HlsClients::seen(const std::string& stream, const std::string& addr, TimePoint now) {
  std::lock_guard lock(mutex_);
  seen_[stream][addr] = now;
}

std::size_t HlsClients::viewers(const std::string& stream, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = seen_.find(stream);
  if (it == seen_.end()) return 0;
  std::erase_if(it->second, [&](const auto& e) { return now - e.second > viewer_window; });
  const std::size_t n = it->second.size();
  if (n == 0) seen_.erase(it);
  return n;
}

void HlsClients::served(const std::string& stream, std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  bytes_[stream] += bytes;
}

std::uint64_t HlsClients::bytes(const std::string& stream) {
  std::lock_guard lock(mutex_);
  auto it = bytes_.find(stream);
  return it == bytes_.end() ? 0 : it->second;
}

void HlsClients::allow(const std::string& who, TimePoint until) {
  std::lock_guard lock(mutex_);
  allowed_[who] = until;
}

bool HlsClients::allowed(const std::string& who, TimePoint now) {
  std::lock_guard lock(mutex_);
  std::erase_if(allowed_, [&](const auto& e) { return e.second <= now; });
  return allowed_.contains(who);
}

}  // namespace rtmp::relay
