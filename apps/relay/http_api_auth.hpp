// The --api-token check for rtmp-server's control and stats routes (/api/*, /stat, /metrics,
// the dashboard): pure functions, no I/O.
//
// A request proves the token with "Authorization: Bearer TOKEN" or with the cookie the
// dashboard's login form sets (token_cookie()). Comparisons take the same time whatever
// the mismatch, so the token cannot be guessed byte by byte from response times.
#pragma once

#include <string>
#include <string_view>

namespace rtmp::relay {

enum class ApiAuth {
  open,     // no token configured: read routes answer, control routes are refused (403)
  granted,  // the request carries the token
  missing,  // a token is configured and the request carries none (401)
  wrong,    // it carries another token (401)
};

inline constexpr std::string_view api_cookie_name = "rtmp_api_token";

// `token`: the configured one (empty: none). `authorization`, `cookie`: the request's header
// values (empty when absent).
ApiAuth check_api_token(std::string_view token, std::string_view authorization,
                        std::string_view cookie);
// The Set-Cookie value that logs the dashboard in: HttpOnly, SameSite=Strict, Path=/.
std::string token_cookie(std::string_view token);
// The value of cookie `name` in a Cookie header ("a=1; b=2"); empty when absent.
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);
// Equal strings, in time that depends on the lengths only.
bool same_secret(std::string_view a, std::string_view b) noexcept;
// Percent-encodes all but [A-Za-z0-9._~-] (cookie values must not hold ';', ',', spaces).
std::string cookie_encode(std::string_view s);

}  // namespace rtmp::relay
