# rtmp-server (the live relay) against real players: FFmpeg, rtmpdump, GStreamer rtmp2src
# and rtmp-play. Included from CMakeLists.txt; label interop. See relay_*.py docstrings.
if(NOT TARGET rtmp-server)
  message(STATUS "interop: no rtmp-server target, relay tests not registered")
  return()
endif()

set(RELAY_PLAY_ARG "")
if(TARGET rtmp-play)
  set(RELAY_PLAY_ARG --play $<TARGET_FILE:rtmp-play>)
endif()

function(relay_test name script)
  add_test(NAME interop.${name}
    COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/${script}
            --server $<TARGET_FILE:rtmp-server> ${RELAY_PLAY_ARG}
            --fixtures ${INTEROP_FIXTURES_DIR} --work ${INTEROP_WORK_DIR} ${ARGN})
  set_tests_properties(interop.${name} PROPERTIES
    LABELS interop TIMEOUT 120 FIXTURES_REQUIRED interop_fixtures SKIP_RETURN_CODE 77)
endfunction()

# Every player joins before the publisher; all frame-exact; the recording equals the fixture.
foreach(fixture h264_high_aac h264_baseline_aac mp3_only aac_only h264_only h264_20mbit ts_over_2p24)
  relay_test(relay_fanout.${fixture} relay_fanout.py --fixture ${fixture})
endforeach()
relay_test(relay_fanout.chunk128 relay_fanout.py --fixture h264_high_aac --chunk-size 128)
# Audio waiting for video (the path large audiences take) with the few players above.
relay_test(relay_fanout.audio_hold relay_fanout.py --fixture h264_high_aac --audio-hold-min-players 0)
# Joining 5 s in: sequence headers + the cached GOP's keyframe (on) or the next one (off).
foreach(gop on off)
  relay_test(relay_late_joiner.gop_${gop} relay_late_joiner.py --gop-cache ${gop})
endforeach()
# 21 players and a 10 s stall: timing-sensitive, so alone.
relay_test(relay_slow_player relay_slow_player.py)
set_tests_properties(interop.relay_slow_player PROPERTIES RUN_SERIAL TRUE)
foreach(case second_publisher key_file wait_for_publisher max_connections)
  relay_test(relay_publish_rules.${case} relay_publish_rules.py --case ${case})
endforeach()
# A second publisher replaces a silent (SIGSTOPped) or live one; players go on.
foreach(case stale always off)
  relay_test(relay_takeover.${case} relay_takeover.py --case ${case})
endforeach()
relay_test(relay_shutdown relay_shutdown.py)
