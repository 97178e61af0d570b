# rtmp-server operations: RTMPS, HTTP stats, HTTP auth callbacks, push/pull (origin-edge).
# Included from CMakeLists.txt; label interop. See the ops_*.py docstrings.
if(NOT TARGET rtmp-server)
  message(STATUS "interop: no rtmp-server target, ops tests not registered")
  return()
endif()

function(ops_test name script)
  add_test(NAME interop.${name}
    COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/${script}
            --server $<TARGET_FILE:rtmp-server>
            --fixtures ${INTEROP_FIXTURES_DIR} --work ${INTEROP_WORK_DIR} ${ARGN})
  set_tests_properties(interop.${name} PROPERTIES
    LABELS interop TIMEOUT 120 FIXTURES_REQUIRED interop_fixtures SKIP_RETURN_CODE 77)
endfunction()

# ffmpeg publishes and plays over rtmps:// (self-signed certificate made by the test).
ops_test(ops_tls ops_tls.py)
# /api/streams and /metrics (urllib) while a 2 Mb/s stream is live with one player.
ops_test(ops_http ops_http.py)
# --push to nginx-rtmp, read back from nginx with ffmpeg frame-exact; and with nginx down at
# first (reconnect with back-off); --push-pattern selects streams.
foreach(case push reconnect pattern)
  ops_test(ops_push.${case} ops_push.py --case ${case})
endforeach()
# --pull: an edge fetching live/k from nginx-rtmp on first play, frame-exact to an ffmpeg player.
ops_test(ops_pull ops_pull.py)
# --on-publish/--on-play HTTP callbacks against a Python http.server: reject (ffmpeg exit +
# message) and allow (frame-exact). Skips until rtmp-server has --on-publish.
ops_test(ops_auth ops_auth.py)
# nginx-rtmp /stat XML (NOALBS's fields, stat.xsl via xsltproc), /api/streams rates and client
# rows, --api-token (401/403/404, login cookie, kicks), a dashboard request storm.
foreach(case stat token storm)
  ops_test(ops_stat.${case} ops_stat.py --case ${case})
endforeach()
# --record-format mp4: frame-exact by ffprobe, splits at keyframes, SIGKILL mid-recording, a
# file-size limit and an unwritable directory (the stream goes on). Skips until the flags exist.
foreach(case exact split kill full unwritable)
  ops_test(ops_record.${case} ops_record.py --case ${case})
endforeach()
# --on-publish-done / --on-play-done / --on-record-done against a Python http.server that
# hangs once and answers 500 once: fields, retries, the stream untouched.
ops_test(ops_webhook ops_webhook.py)
