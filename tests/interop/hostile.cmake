# Hostile peers against a running rtmp-server (issue 7): one ctest per case of hostile.py,
# each with a fresh server, a legitimate publisher and a frame-exact player. Label interop.
if(NOT TARGET rtmp-server)
  return()
endif()

set(HOSTILE_PLAY_ARG "")
if(TARGET rtmp-play)
  set(HOSTILE_PLAY_ARG --play $<TARGET_FILE:rtmp-play>)
endif()

# HOSTILE_SERVER: run the suite against another build's rtmp-server (e.g. build/asan).
set(HOSTILE_SERVER "" CACHE FILEPATH "rtmp-server the hostile tests attack (default: this build's)")
if(HOSTILE_SERVER)
  set(_hostile_server ${HOSTILE_SERVER})
else()
  set(_hostile_server $<TARGET_FILE:rtmp-server>)
endif()

foreach(case slowloris no_handshake connect_flood big_message big_message_capped chunk_size_1
             abort_flood csid_flood ping_flood amf_deep amf_strict_array amf_ecma_array
             out_of_order publish_unknown_stream random_after_connect)
  add_test(NAME interop.hostile.${case}
    COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/hostile.py --case ${case}
            --server ${_hostile_server} ${HOSTILE_PLAY_ARG}
            --fixtures ${INTEROP_FIXTURES_DIR} --work ${INTEROP_WORK_DIR})
  set_tests_properties(interop.hostile.${case} PROPERTIES
    LABELS "interop;hostile" TIMEOUT 90 FIXTURES_REQUIRED interop_fixtures SKIP_RETURN_CODE 77)
endforeach()
# 10,000 connections and floods: the CPU they take would slow the others' streams.
set_tests_properties(interop.hostile.connect_flood interop.hostile.ping_flood
                     interop.hostile.abort_flood interop.hostile.chunk_size_1
  PROPERTIES RUN_SERIAL TRUE)
