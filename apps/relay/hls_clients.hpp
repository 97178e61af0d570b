// Who fetched a stream's HLS files recently (viewer counts for the stats) and which clients
// passed the play check (see http_hls.hpp). Pure bookkeeping, no I/O.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include "rtmp/core/session.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace rtmp::relay {

class HlsClients {
 public:
  void seen(const std::string& stream, const std::string& addr, TimePoint now);
  // Distinct addresses seen for `stream` in the last 30 s (older entries are dropped).
  std::size_t viewers(const std::string& stream, TimePoint now);
  // HLS bytes written for `stream` (counted by the HTTP layer), and their total.
  void served(const std::string& stream, std::uint64_t bytes);
  std::uint64_t bytes(const std::string& stream);
  void allow(const std::string& who, TimePoint until);
  bool allowed(const std::string& who, TimePoint now);

 private:
  std::mutex mutex_;
  std::map<std::string, std::map<std::string, TimePoint>> seen_;  // stream -> addr -> last
  std::map<std::string, TimePoint> allowed_;
  std::map<std::string, std::uint64_t> bytes_;
};

}  // namespace rtmp::relay
