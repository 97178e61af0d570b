# Enhanced RTMP end to end (issue 6): fixtures written by rtmp-mux from FFmpeg 5.1 MP4s and
# checked against ffprobe; publish/play through rtmp-server; node-media-server interop.
# Included from CMakeLists.txt; label interop. See the enhanced_*.py docstrings.
if(NOT TARGET rtmp-mux)
  message(STATUS "interop: no rtmp-mux target, Enhanced RTMP tests not registered")
  return()
endif()

set(ENHANCED_FIXTURES hevc_opus av1_flac vp9_ac3 svtav1_eac3 hevc_legacy_aac avc_mp3_fourcc
    multitrack_3v2a multitrack_packed multitrack_abr_hevc)

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
