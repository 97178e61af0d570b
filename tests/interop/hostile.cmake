# Hostile peers against a running rtmp-server: one ctest per case of hostile.py,
# each with a fresh server, a legitimate publisher and a frame-exact player. Label interop.
if(NOT TARGET rtmp-server)
  return()
endif()

set(HOSTILE_PLAY_ARG "")
if(TARGET rtmp-play)
  set(HOSTILE_PLAY_ARG --play $<TARGET_FILE:rtmp-play>)
endif()

# HOSTILE_SERVER: attack another build's rtmp-server (e.g. -DHOSTILE_SERVER=build/asan/bin/rtmp-server).
set(HOSTILE_SERVER "" CACHE FILEPATH "rtmp-server the hostile tests attack (default: this build's)")
if(HOSTILE_SERVER)
  set(_hostile_server ${HOSTILE_SERVER})
else()
  set(_hostile_server $<TARGET_FILE:rtmp-server>)
endif()

function(hostile_test case)
  add_test(NAME interop.hostile.${case}
    COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/hostile.py --case ${case}
            --server ${_hostile_server} ${HOSTILE_PLAY_ARG}
            --fixtures ${INTEROP_FIXTURES_DIR} --work ${INTEROP_WORK_DIR})
endfunction()

# The 8 s fixture every case publishes, made once (not by 15 cases racing).
hostile_test(fixture)
set_tests_properties(interop.hostile.fixture PROPERTIES
  LABELS "interop;hostile" TIMEOUT 120 FIXTURES_SETUP hostile_fixture SKIP_RETURN_CODE 77)

foreach(case slowloris slowloris_connect no_handshake connect_flood big_message big_message_capped chunk_size_1
             abort_flood csid_flood ping_flood amf_deep amf_strict_array amf_ecma_array
             out_of_order publish_unknown_stream random_after_connect)
  hostile_test(${case})
  set_tests_properties(interop.hostile.${case} PROPERTIES
    LABELS "interop;hostile" TIMEOUT 90 FIXTURES_REQUIRED hostile_fixture SKIP_RETURN_CODE 77)
endforeach()
# Floods take a core of their own: alone, so the other cases' streams keep real time.
set_tests_properties(interop.hostile.connect_flood interop.hostile.ping_flood
                     interop.hostile.abort_flood interop.hostile.chunk_size_1
  PROPERTIES RUN_SERIAL TRUE)
