// Serving one HTTP-FLV or WebSocket-FLV request (see http_flv.hpp for the stream itself):
// the play check (--on-play with protocol and the query's token), the join, the response
// header or WebSocket handshake, then the writer until the stream ends, the relay drops the
// player or the peer goes away. Internal to the HTTP server.
#pragma once

#include "relay/http_connection.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

namespace rtmp::relay {

// GET or HEAD /APP/KEY.flv. The connection is not reused afterwards. Stream: PlainStream
// or TlsStream (http_stream.hpp).
template <class Stream>
boost::asio::awaitable<void> serve_http_flv(Stream& stream, const HttpRequest& req,
                                            const HttpTarget& target,
                                            std::shared_ptr<HttpContext> ctx,
                                            const std::string& peer);

// A WebSocket upgrade of /APP/KEY.flv (wss:// over TLS): the same bytes as binary messages.
template <class Stream>
boost::asio::awaitable<void> serve_ws_flv(Stream stream, HttpRequest req, HttpTarget target,
                                          std::shared_ptr<HttpContext> ctx, std::string peer);

}  // namespace rtmp::relay
