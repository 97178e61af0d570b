# Enhanced RTMP end to end: fixtures written by rtmp-mux from FFmpeg 5.1 MP4s and
# checked against ffprobe; publish/play through rtmp-server; node-media-server interop.
# Included from CMakeLists.txt; label interop. See the enhanced_*.py docstrings.
if(NOT TARGET rtmp-mux)
  message(STATUS "interop: no rtmp-mux target, Enhanced RTMP tests not registered")
  return()
endif()

set(ENHANCED_FIXTURES hevc_opus av1_flac vp9_ac3 svtav1_eac3 hevc_legacy_aac avc_mp3_fourcc
    multitrack_3v2a multitrack_packed multitrack_abr_hevc multitrack_avc_default hevc_opus_nano
    av1_mpeg2ts_flac)

# MP4 sources (FFmpeg) -> Enhanced FLV (rtmp-mux) -> rtmpcxx demux == ffprobe of the sources.
add_test(NAME interop.enhanced.fixtures
  COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/enhanced_fixtures.py
          --mux $<TARGET_FILE:rtmp-mux> --fixtures ${INTEROP_FIXTURES_DIR})
set_tests_properties(interop.enhanced.fixtures PROPERTIES
  LABELS interop TIMEOUT 600 FIXTURES_SETUP enhanced_fixtures SKIP_RETURN_CODE 77)

if(TARGET rtmp-server AND TARGET rtmp-publish AND TARGET rtmp-play AND TARGET rtmp-probe)
  foreach(fixture ${ENHANCED_FIXTURES})
    add_test(NAME interop.enhanced.relay.${fixture}
      COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/enhanced_relay.py
              --server $<TARGET_FILE:rtmp-server> --publish $<TARGET_FILE:rtmp-publish>
              --play $<TARGET_FILE:rtmp-play> --probe $<TARGET_FILE:rtmp-probe>
              --mux $<TARGET_FILE:rtmp-mux> --fixtures ${INTEROP_FIXTURES_DIR}
              --work ${INTEROP_WORK_DIR} --fixture ${fixture})
    set_tests_properties(interop.enhanced.relay.${fixture} PROPERTIES
      LABELS interop TIMEOUT 120 FIXTURES_REQUIRED enhanced_fixtures SKIP_RETURN_CODE 77)
  endforeach()
endif()

# Legacy players (FFmpeg 5.1) of Enhanced streams through rtmp-server: default tracks of a
# multitrack stream, NetStream.Play.Failed naming HEVC; rtmp-play (Enhanced) gets everything.
if(TARGET rtmp-server AND TARGET rtmp-publish AND TARGET rtmp-play)
  foreach(case multitrack hevc)
    add_test(NAME interop.enhanced.legacy.${case}
      COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/enhanced_legacy.py --case ${case}
              --server $<TARGET_FILE:rtmp-server> --publish $<TARGET_FILE:rtmp-publish>
              --play $<TARGET_FILE:rtmp-play> --mux $<TARGET_FILE:rtmp-mux>
              --fixtures ${INTEROP_FIXTURES_DIR} --work ${INTEROP_WORK_DIR})
    set_tests_properties(interop.enhanced.legacy.${case} PROPERTIES
      LABELS interop TIMEOUT 120 FIXTURES_REQUIRED enhanced_fixtures SKIP_RETURN_CODE 77)
  endforeach()
endif()

# node-media-server (npm) as the independent Enhanced RTMP peer: installed once per build tree.
add_test(NAME interop.enhanced.nms.install
  COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/enhanced_nms.py --install
          --fixtures ${INTEROP_FIXTURES_DIR})
set_tests_properties(interop.enhanced.nms.install PROPERTIES
  LABELS interop TIMEOUT 320 FIXTURES_SETUP enhanced_nms SKIP_RETURN_CODE 77)

if(TARGET rtmp-server AND TARGET rtmp-publish AND TARGET rtmp-play)
  function(enhanced_nms_test case fixture)
    add_test(NAME interop.enhanced.nms.${case}.${fixture}
      COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/enhanced_nms.py --case ${case}
              --fixture ${fixture} --server $<TARGET_FILE:rtmp-server>
              --publish $<TARGET_FILE:rtmp-publish> --play $<TARGET_FILE:rtmp-play>
              --mux $<TARGET_FILE:rtmp-mux> --fixtures ${INTEROP_FIXTURES_DIR}
              --work ${INTEROP_WORK_DIR})
    set_tests_properties(interop.enhanced.nms.${case}.${fixture} PROPERTIES
      LABELS interop TIMEOUT 120 FIXTURES_REQUIRED "enhanced_fixtures;enhanced_nms"
      SKIP_RETURN_CODE 77)
  endfunction()
  # rtmp-publish HEVC / AV1 (libaom, SVT-AV1) / VP9 to node-media-server, rtmp-play back.
  foreach(fixture hevc_opus av1_flac svtav1_eac3 vp9_ac3)
    enhanced_nms_test(publish ${fixture})
  endforeach()
  # rtmp-publish -> rtmp-server -> node-media-server (pull relay task) -> rtmp-play.
  foreach(fixture hevc_opus av1_flac vp9_ac3)
    enhanced_nms_test(relay ${fixture})
  endforeach()
endif()
