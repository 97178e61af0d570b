// rtmp-server's operator routes on the HTTP port, behind --api-token (HttpOptions::api_token):
//
//   GET  /                              the dashboard (www/dashboard.html); with a token and
//                                       no proof of it, the login form (401)
//   POST /api/login                     form field token=...: sets the token cookie, 303 to /
//   GET  /api/streams                   {"kick": bool, "streams": [...]} (stats_json.hpp's
//                                       shape plus viewers by protocol and client rows; a
//                                       row's "id" is a string: HTTP player ids pass 2^53)
//   GET  /stat                          nginx-rtmp's XML statistics (stat_xml.hpp)
//   GET  /metrics                       Prometheus text (stats_reply)
//   POST /api/streams/APP/KEY/kick      disconnects the publisher of APP/KEY
//   POST /api/clients/ID/kick           disconnects the RTMP or HTTP-FLV/WS-FLV client ID
//
// With a token configured every route above needs it (Bearer or the login cookie): 401
// otherwise. Kicks need a configured token: 403 without one. Unknown stream or client: 404.
// Each refusal is one log line naming the peer.
#pragma once

#include "relay/http_connection.hpp"

#include <string>
#include <string_view>

namespace rtmp::relay {

struct ApiRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // "/api/streams?x=1"
  std::string_view authorization, cookie;
  std::string_view body;  // POST form body (application/x-www-form-urlencoded)
  std::string peer;       // for the log
};

// The fields of `req` api_reply reads (views into req: valid while it lives).
ApiRequest api_request(const HttpRequest& req, std::string peer);

// True for the targets api_reply answers ("/", "/stat", "/metrics", "/api/...").
bool is_api_target(std::string_view target);

// Answers one request of the routes above. Called on the connection's strand; never blocks
// (kicks only queue the close on the session's own strand).
HttpReply api_reply(HttpContext& ctx, const ApiRequest& request);

}  // namespace rtmp::relay
