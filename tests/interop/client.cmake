# The client tools (rtmp-publish, rtmp-play, rtmp-probe URL) against real servers: nginx-rtmp,
# FFmpeg's listen mode, rtmpcxx's own server, scripted bad servers and a TLS proxy.
# Included from CMakeLists.txt; label interop. See the client_*.py docstrings.
if(NOT TARGET rtmp-publish OR NOT TARGET rtmp-play)
  message(STATUS "interop: no rtmp-publish/rtmp-play target, client tests not registered")
  return()
endif()

set(CLIENT_TEST_SERVER_ARG "")
if(TARGET rtmp-test-server)
  set(CLIENT_TEST_SERVER_ARG --test-server $<TARGET_FILE:rtmp-test-server>)
endif()

function(client_test name script)
  add_test(NAME interop.${name}
    COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/${script}
            --probe $<TARGET_FILE:rtmp-probe> --publish $<TARGET_FILE:rtmp-publish>
            --play $<TARGET_FILE:rtmp-play> ${CLIENT_TEST_SERVER_ARG}
            --fixtures ${INTEROP_FIXTURES_DIR} --work ${INTEROP_WORK_DIR} ${ARGN})
  set_tests_properties(interop.${name} PROPERTIES
    LABELS interop TIMEOUT 90 FIXTURES_REQUIRED interop_fixtures SKIP_RETURN_CODE 77)
endfunction()

# nginx-rtmp: rtmp-publish -> nginx -> ffmpeg; ffmpeg -> nginx -> rtmp-play; -> rtmp-probe URL.
foreach(fixture h264_high_aac ts_over_2p24 h264_20mbit)
  foreach(case publish play probe)
    client_test(client_nginx.${case}.${fixture} client_nginx.py --case ${case} --fixture ${fixture})
  endforeach()
endforeach()
client_test(client_nginx.publish.chunk128 client_nginx.py --case publish --fixture h264_high_aac
            --chunk-size 128)

# FFmpeg as the server: delivered frame-exactly.
foreach(fixture h264_high_aac ts_over_2p24 mp3_only h264_20mbit)
  client_test(client_ffmpeg_listen.${fixture} client_ffmpeg_listen.py --fixture ${fixture})
endforeach()
client_test(client_ffmpeg_listen.via_demux client_ffmpeg_listen.py --fixture h264_high_aac
            "--publish-args=--via-demux")

# rtmpcxx's own server, both directions; rtmp-mux --dump of the fixture prints the same lines.
set(CLIENT_MUX_ARG "")
if(TARGET rtmp-mux)
  set(CLIENT_MUX_ARG --mux $<TARGET_FILE:rtmp-mux>)
endif()
foreach(fixture h264_high_aac h264_baseline_aac mp3_only aac_only h264_only h264_20mbit ts_over_2p24)
  client_test(client_probe.${fixture} client_probe.py --fixture ${fixture}
              "--publish-args=--as-fast-as-possible" ${CLIENT_MUX_ARG})
endforeach()
client_test(client_probe.realtime client_probe.py --fixture ts_over_2p24)
client_test(client_probe.via_demux.chunk128 client_probe.py --fixture ts_over_2p24
            "--publish-args=--via-demux --chunk-size 128")
foreach(fixture h264_high_aac ts_over_2p24 h264_20mbit)
  client_test(client_server_play.${fixture} client_server_play.py --fixture ${fixture})
endforeach()

# Misbehaving servers: a clear error within the timeout from each tool.
foreach(case silence garbage error silent_connect hangup refused)
  client_test(client_bad_server.${case} client_bad_server.py --case ${case})
endforeach()

client_test(client_tls client_tls.py)

# --loop: the timeline continues across passes; SIGINT ends with a clean unpublish.
client_test(client_loop client_loop.py)
