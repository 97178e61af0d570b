#include "relay/http_api_auth.hpp"

#include "relay/http_request.hpp"

namespace rtmp::relay {

bool same_secret(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string cookie_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '_' || c == '~' || c == '-') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (pair.starts_with(' ')) pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return {};
}

std::string token_cookie(std::string_view token) {
  return std::string(api_cookie_name) + "=" + cookie_encode(token) +
         "; Path=/; HttpOnly; SameSite=Strict";
}

ApiAuth check_api_token(std::string_view token, std::string_view authorization,
                        std::string_view cookie) {
  if (token.empty()) return ApiAuth::open;
  bool offered = false;
  if (authorization.size() > 7 &&
      (authorization.starts_with("Bearer ") || authorization.starts_with("bearer "))) {
    offered = true;
    if (same_secret(authorization.substr(7), token)) return ApiAuth::granted;
  }
  if (auto c = cookie_value(cookie, api_cookie_name); !c.empty()) {
    offered = true;
    auto decoded = percent_decode(c);
    if (decoded && same_secret(*decoded, token)) return ApiAuth::granted;
  }
  return offered ? ApiAuth::wrong : ApiAuth::missing;
}

}  // namespace rtmp::relay
