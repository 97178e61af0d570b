#include "relay/http_api.hpp"

#include "relay/http_api_auth.hpp"
#include "relay/stat_xml.hpp"
#include "relay/stats_json.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <charconv>
#include <chrono>

namespace rtmp::relay {

namespace {

using json = nlohmann::ordered_json;
constexpr const char* text_plain = "text/plain; charset=utf-8";
const auto process_start = std::chrono::steady_clock::now();

// The login form: small enough to live here, so a server without www files still has it.
constexpr const char* login_page = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rtmp-server: sign in</title>
<style>body{font:16px system-ui,sans-serif;margin:0;display:grid;place-items:center;
min-height:100vh;background:#111;color:#eee}form{display:grid;gap:.6em;padding:1.5em;
background:#222;border-radius:8px;width:min(20em,90vw)}input,button{font:inherit;padding:.5em}
</style></head><body>
<form method="post" action="/api/login"><b>rtmp-server dashboard</b>
<label>API token <input id="token" name="token" type="password" autocomplete="current-password"
required autofocus></label><button type="submit">Sign in</button>MESSAGE</form>
</body></html>
)";

HttpReply login_reply(std::string_view message) {
  std::string body = login_page;
  body.replace(body.find("MESSAGE"), 7, message.empty() ? "" : "<p role=alert>wrong token</p>");
  HttpReply r{401, "text/html; charset=utf-8", std::move(body)};
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"rtmp-server\"");
  return r;
}

HttpReply refuse(const ApiRequest& r, unsigned status, std::string_view why) {
  spdlog::warn("http api: {}: {} {}: {} {}", r.peer, r.method, r.target, status, why);
  HttpReply reply{status, text_plain, std::string(why) + "\n"};
  if (status == 401) reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"rtmp-server\"");
  return reply;
}

std::string path_segment(std::string_view s) {
  return cookie_encode(s);  // the same unreserved set as a URL path segment
}

json client_rows(const StreamStats& s) {
  json rows = json::array();
  if (s.live)
    rows.push_back({{"id", std::to_string(s.publisher_session)},
                    {"role", "publisher"},
                    {"protocol", "rtmp"},
                    {"address", s.publisher_remote},
                    {"connected_s", s.uptime_s},
                    {"bytes", s.bytes_in},
                    {"dropped", 0}});
  for (const auto& p : s.player_list) {
    if (player_protocol(p.remote) == "internal") continue;  // the HLS output, pushes
    const auto [host, port] = split_remote(p.remote);
    rows.push_back({{"id", std::to_string(p.session_id)},
                    {"role", "player"},
                    {"protocol", player_protocol(p.remote)},
                    {"address", port.empty() ? std::string(host)
                                             : std::string(host) + ":" + std::string(port)},
                    {"connected_s", p.connected_s},
                    {"bytes", p.bytes_sent},
                    {"dropped", p.frames_dropped}});
  }
  return rows;
}

HttpReply streams_json(HttpContext& ctx) {
  const auto now = Clock::now();
  const auto stats = ctx.relay.stats(now);
  json j = to_json(stats);
  for (std::size_t i = 0; i < stats.size(); ++i) {
    const auto& s = stats[i];
    json viewers = {{"rtmp", 0}, {"http-flv", 0}, {"ws-flv", 0}, {"hls", 0}};
    for (const auto& p : s.player_list)
      if (auto proto = player_protocol(p.remote); proto != "internal")
        viewers[std::string(proto)] = viewers[std::string(proto)].get<int>() + 1;
    json bytes = {{"rtmp", 0}, {"http-flv", 0}, {"ws-flv", 0}};
    for (const auto& p : s.player_list)
      if (auto proto = player_protocol(p.remote); proto != "internal")
        bytes[std::string(proto)] = bytes[std::string(proto)].get<std::uint64_t>() + p.bytes_sent;
    const std::string name = s.app + "/" + s.key;
    viewers["hls"] = ctx.hls_clients.viewers(name, now);
    bytes["hls"] = ctx.hls_clients.bytes(name);
    auto& st = j["streams"][i];
    st["viewers"] = std::move(viewers);
    st["bytes_out_by_protocol"] = std::move(bytes);
    st["clients"] = client_rows(s);
    const std::string base = "/" + path_segment(s.app) + "/" + path_segment(s.key);
    st["preview"] = {{"flv", base + ".flv"},
                     {"hls", ctx.hls ? json(base + "/index.m3u8") : json(nullptr)}};
  }
  json out = {{"kick", !ctx.options.api_token.empty()}, {"streams", std::move(j["streams"])}};
  return {200, "application/json", out.dump() + "\n"};
}

HttpReply stat_xml(HttpContext& ctx) {
  StatXmlInfo info;
  info.server_version = "rtmpcxx";
  info.pid = static_cast<std::uint64_t>(::getpid());
  info.uptime_s = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                 std::chrono::steady_clock::now() - process_start)
                                                 .count());
  info.naccepted = ctx.relay.connections();
  info.stylesheet = ctx.options.www && ctx.options.www->find("stat.xsl") ? "/stat.xsl" : "";
  return {200, "text/xml; charset=utf-8", to_stat_xml(ctx.relay.stats(Clock::now()), info)};
}

HttpReply dashboard(const HttpContext& ctx) {
  const StaticFiles* www = ctx.options.www.get();
  if (const auto* f = www ? www->find("dashboard.html") : nullptr)
    return {200, f->content_type, *f->body};
  if (www && www->find("player.html"))
    return {302, text_plain, "see /player.html\n", "no-store", "/player.html"};
  return {404, text_plain, "not found\n"};
}

// POST /api/streams/APP/KEY/kick or /api/clients/ID/kick (path without the query).
HttpReply kick(HttpContext& ctx, const ApiRequest& r, std::string_view path) {
  std::vector<std::string> segs;
  for (std::string_view rest = path.substr(1); !rest.empty();) {
    const auto slash = rest.find('/');
    auto dec = percent_decode(rest.substr(0, slash));
    if (!dec) return refuse(r, 400, "bad percent escape");
    segs.push_back(std::move(*dec));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  if (segs.size() == 5 && segs[1] == "streams") {
    auto id = ctx.relay.kick_publisher(segs[2], segs[3], "kicked by " + r.peer + " (API)");
    if (!id) return refuse(r, 404, "no publisher on " + segs[2] + "/" + segs[3]);
    spdlog::info("http api: {}: kicked the publisher of {}/{} (session {})", r.peer, segs[2],
                 segs[3], *id);
    return {200, "application/json", json{{"kicked", *id}}.dump() + "\n"};
  }
  if (segs.size() == 4 && segs[1] == "clients") {
    std::uint64_t id = 0;
    const auto& s = segs[2];
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty())
      return refuse(r, 400, "client id '" + s + "' is not a number");
    if (!ctx.relay.kick_session(id, "kicked by " + r.peer + " (API)"))
      return refuse(r, 404, "no client " + s);
    spdlog::info("http api: {}: kicked client {}", r.peer, id);
    return {200, "application/json", json{{"kicked", id}}.dump() + "\n"};
  }
  return refuse(r, 404, "no such route");
}

HttpReply login(HttpContext& ctx, const ApiRequest& r) {
  const std::string& token = ctx.options.api_token;
  const auto offered = query_param(r.body, "token");
  if (token.empty()) return {303, text_plain, "no token needed\n", "no-store", "/"};
  if (!offered || !same_secret(*offered, token)) {
    spdlog::warn("http api: {}: dashboard login refused: wrong token", r.peer);
    return login_reply("wrong");
  }
  HttpReply reply{303, text_plain, "signed in\n", "no-store", "/"};
  reply.headers.emplace_back("Set-Cookie", token_cookie(token));
  return reply;
}

}  // namespace

ApiRequest api_request(const HttpRequest& req, std::string peer) {
  namespace http = boost::beast::http;
  return {req.method_string(),      req.target(), req[http::field::authorization],
          req[http::field::cookie], req.body(),   std::move(peer)};
}

bool is_api_target(std::string_view target) {
  const auto path = target.substr(0, target.find('?'));
  return path == "/" || path == "/stat" || path == "/metrics" || path.starts_with("/api/");
}

HttpReply api_reply(HttpContext& ctx, const ApiRequest& r) {
  const auto path = r.target.substr(0, r.target.find('?'));
  const bool get = r.method == "GET" || r.method == "HEAD";
  const bool post = r.method == "POST";
  if (path == "/api/login") {
    if (!post) return refuse(r, 405, "only POST");
    return login(ctx, r);
  }
  const bool is_kick = path.ends_with("/kick");
  if (!(is_kick ? post : get)) return refuse(r, 405, is_kick ? "only POST" : "only GET");
  const ApiAuth auth = check_api_token(ctx.options.api_token, r.authorization, r.cookie);
  if (auth == ApiAuth::missing || auth == ApiAuth::wrong) {
    if (path == "/") return login_reply("");
    return refuse(r, 401, auth == ApiAuth::missing ? "API token required" : "wrong API token");
  }
  if (is_kick) {
    if (auth == ApiAuth::open) return refuse(r, 403, "kicks need --api-token on the server");
    return kick(ctx, r, path);
  }
  if (path == "/") return dashboard(ctx);
  if (path == "/api/streams") return streams_json(ctx);
  if (path == "/stat") return stat_xml(ctx);
  if (path == "/metrics") return stats_reply(ctx, r.method, r.target);
  return refuse(r, 404, "no such route");
}

}  // namespace rtmp::relay
