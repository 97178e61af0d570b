# HLS media containers checked against ffprobe/ffmpeg: each fixture FLV muxed by a dump tool
# must give ffprobe the same packets as the FLV itself.

# MPEG-TS (classic HLS): tests/tools/ts-dump + ts_check.py.
foreach(fixture h264_high_aac h264_baseline_aac mp3_only aac_only h264_only h264_20mbit ts_over_2p24)
  add_test(NAME interop.ts_check.${fixture}
    COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/ts_check.py
            --ts-dump $<TARGET_FILE:ts-dump> --fixtures ${INTEROP_FIXTURES_DIR}
            --work ${INTEROP_WORK_DIR} --fixture ${fixture})
  set_tests_properties(interop.ts_check.${fixture} PROPERTIES
    LABELS interop TIMEOUT 60 FIXTURES_REQUIRED interop_fixtures SKIP_RETURN_CODE 77)
endforeach()
