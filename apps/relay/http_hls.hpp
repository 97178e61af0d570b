// Serving the HLS output (hls_output.hpp) over HTTP: /APP/KEY/index.m3u8 (with _HLS_msn,
// _HLS_part, _HLS_skip), init[-N].mp4, segN.m4s|ts, partN.I.m4s.
//
// Blocking requests (a playlist ahead of the stream, or not yet started) wait without a
// thread: the stream's subscribe() wakes the request's timer; after 3 target durations the
// answer is 503. Bodies are the HlsStream's shared buffers, gathered into the write (no
// copy per client). Media files honour Range (206, 416). Internal to the HTTP server.
//
// Access: with --on-play, a client (address + stream + token query parameter) is checked
// once (call=play, protocol=hls) on its first playlist request, and the answer is kept for
// 60 s; media files of a stream are served to clients whose check passed in that time.
// Viewers: distinct client addresses that fetched anything of a stream in the last 30 s.
#pragma once

#include "relay/http_connection.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

namespace rtmp::relay {

// Answers one HLS request. False: the connection is not to be reused. Stream: PlainStream
// or TlsStream (http_stream.hpp).
template <class Stream>
boost::asio::awaitable<bool> serve_hls(Stream& stream, const HttpRequest& req,
                                       const HttpTarget& target, std::shared_ptr<HttpContext> ctx,
                                       const std::string& peer);

}  // namespace rtmp::relay
