# rtmp-server's HTTP delivery: HTTP-FLV and WebSocket-FLV players against ffmpeg publishing,
# and hostile HTTP clients beside a playing one. Included from CMakeLists.txt; label interop.
# See http_flv.py's docstring.
if(NOT TARGET rtmp-server)
  message(STATUS "interop: no rtmp-server target, http tests not registered")
  return()
endif()

# interop.NAME runs SCRIPT against rtmp-server with the remaining arguments.
function(http_script_test name script)
  add_test(NAME interop.${name}
    COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/${script}
            --server $<TARGET_FILE:rtmp-server>
            --fixtures ${INTEROP_FIXTURES_DIR} --work ${INTEROP_WORK_DIR} ${ARGN})
  set_tests_properties(interop.${name} PROPERTIES
    LABELS interop TIMEOUT 120 FIXTURES_REQUIRED interop_fixtures SKIP_RETURN_CODE 77)
endfunction()
function(http_test name)
  http_script_test(${name} http_flv.py ${ARGN})
endfunction()

# ffprobe of the HTTP-FLV response equals the fixture from its first keyframe.
foreach(fixture h264_high_aac h264_baseline_aac mp3_only h264_only ts_over_2p24)
  http_test(http_flv.play.${fixture} --case play --fixture ${fixture})
endforeach()
# WebSocket-FLV gets the same bytes as HTTP-FLV.
http_test(http_flv.ws --case ws --fixture h264_high_aac)
# Malformed request, 64 KB header, traversal, slowloris, a never-reading WebSocket client.
http_test(http_flv.hostile --case hostile)
# HLS followed like a player (init, segments, LL-HLS parts, blocking reloads, Range), both
# containers, checked against the fixture with ffprobe.
foreach(container fmp4 mpegts)
  http_script_test(http_hls.${container} http_hls.py --case ${container})
endforeach()
# --on-play gates HTTP-FLV, WebSocket-FLV and HLS (protocol field, token passed on);
# --http-max-connections refuses the connection past the cap with a log line.
foreach(c access limits)
  http_script_test(http_access.${c} http_access.py --case ${c})
endforeach()
# docs/http-delivery.md's nginx proxy_cache block in front of rtmp-server: a player-like
# client and ffmpeg get the stream frame-exact through it; segments are cache hits.
http_script_test(hls_cache hls_cache.py)
# --https-port: HTTPS-FLV and HLS read by ffprobe over TLS frame-exact, curl --cacert
# headers, a blocking reload, a wss:// reader; plain HTTP, random bytes and a silent client
# on the TLS port are each logged and closed, the players undisturbed.
http_script_test(http_tls http_tls.py)
# 10,000 idle connections (RSS per connection capped, closed at the request timeout, a
# player and an HLS client served meanwhile); clients abandoning segments and blocking parts.
foreach(c idle abort)
  http_script_test(http_idle.${c} http_idle.py --case ${c})
endforeach()
