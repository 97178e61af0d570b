// RtmpUrl::parse: rtmp:// and rtmps:// URLs split into host, port, app and stream as
// FFmpeg splits them (see include/rtmp/client.hpp).
#include "rtmp/client.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace rtmp {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

Result<RtmpUrl> RtmpUrl::parse(std::string_view url) {
  auto bad = [&](std::string why) {
    return Error(errc::invalid_argument, "URL '" + std::string(url) + "': " + why);
  };
  RtmpUrl u;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return bad("no scheme (want rtmp:// or rtmps://)");
  std::string_view scheme = url.substr(0, sep);
  if (iequals(scheme, "rtmp")) {
    u.tls = false;
  } else if (iequals(scheme, "rtmps")) {
    u.tls = true;
  } else {
    return bad("scheme '" + std::string(scheme) + "' is not rtmp or rtmps");
  }
  std::string_view rest = url.substr(sep + 3);
  std::size_t auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  std::string path(auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end));
  if (auto at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);  // user:password@ (no RTMP auth scheme here)
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated [IPv6] host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after [IPv6] host");
      port = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  u.host = std::string(host);
  if (!port.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535)
      return bad("bad port '" + std::string(port) + "'");
    u.port = static_cast<std::uint16_t>(v);
  } else {
    u.port = u.tls ? 443 : 1935;
  }

  // App and stream name, split as FFmpeg's rtmp_open does (see the header comment).
  std::string app, stream;
  bool has_stream = false;
  if (path.rfind("/ondemand/", 0) == 0) {
    app = "ondemand";
    stream = path.substr(10);
    has_stream = true;
  } else {
    std::string_view next = path.empty() ? std::string_view() : std::string_view(path).substr(1);
    auto p = next.find('/');
    if (p == std::string_view::npos) {
      app = std::string(next);
    } else {
      std::string_view after = next.substr(p + 1);
      auto c = after.find(':');
      auto f = after.find('/');
      if (f == std::string_view::npos || (c != std::string_view::npos && c < f)) {
        app = std::string(next.substr(0, p));
        stream = std::string(after);
      } else {
        app = std::string(next.substr(0, p + 1 + f));
        stream = std::string(after.substr(f + 1));
      }
      has_stream = true;
    }
  }
  if (app.empty()) return bad("no application name (rtmp://host/app/key)");
  // FFmpeg: "name.mp4"/"name.f4v" play as "mp4:name.mp4"; a ".flv" suffix is dropped.
  if (has_stream && stream.find(':') == std::string::npos && stream.size() >= 4) {
    std::string_view ext = std::string_view(stream).substr(stream.size() - 4);
    if (ext == ".mp4" || ext == ".f4v")
      stream = "mp4:" + stream;
    else if (ext == ".flv")
      stream.resize(stream.size() - 4);
  }
  u.app = app;
  u.stream = stream;
  // FFmpeg always writes the port into tcUrl (rtmp://host:1935/app).
  std::string host_part = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  u.tc_url = std::string(u.tls ? "rtmps" : "rtmp") + "://" + host_part + ":" +
             std::to_string(u.port) + "/" + app;
  return u;
}

}  // namespace rtmp
