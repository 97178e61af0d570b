// The HTTP request parsers (relay/http_request.hpp) on arbitrary input: the first byte picks
// the parser, the rest is the target, query or Range header. Checks the invariants the HTTP
// server relies on: a stream route never names a segment that could leave the stream's
// namespace, and a partial range lies inside the body.
#include "relay/http_request.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check_name(const std::string& s) {
  if (s.empty() || s == "." || s == "..") std::abort();
  for (unsigned char c : s)
    if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  using rtmp::relay::HttpTarget;
  switch (data[0] % 3) {
    case 0: {
      auto t = rtmp::relay::parse_target(in);
      if (t.kind == HttpTarget::Kind::flv || t.kind == HttpTarget::Kind::hls) {
        check_name(t.app);
        check_name(t.key);
      }
      if (t.kind == HttpTarget::Kind::hls && !rtmp::relay::is_hls_file(t.file)) std::abort();
      break;
    }
    case 1: {
      const auto eq = in.find('\n');
      (void)rtmp::relay::query_param(in.substr(0, eq), eq == in.npos ? "" : in.substr(eq + 1));
      break;
    }
    case 2: {
      const std::uint64_t body = size * 37;
      auto r = rtmp::relay::parse_range(in, body);
      if (r.kind == rtmp::relay::RangeRequest::Kind::partial &&
          (r.first > r.last || r.last >= body))
        std::abort();
      break;
    }
  }
  return 0;
}
