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
# HEVC (legacy codec id 12), FourCC AVC + MP3 and HEVC + Opus (Opus left out) from the
# Enhanced RTMP fixtures, checked against ffprobe of their MP4 sources.
if(TARGET rtmp-mux)
  foreach(fixture hevc_legacy_aac avc_mp3_fourcc hevc_opus)
    add_test(NAME interop.ts_check.${fixture}
      COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/ts_check.py --enhanced
              --ts-dump $<TARGET_FILE:ts-dump> --fixtures ${INTEROP_FIXTURES_DIR}
              --work ${INTEROP_WORK_DIR} --fixture ${fixture})
    set_tests_properties(interop.ts_check.${fixture} PROPERTIES
      LABELS interop TIMEOUT 60 FIXTURES_REQUIRED enhanced_fixtures SKIP_RETURN_CODE 77)
  endforeach()
endif()

# Fragmented MP4 / CMAF: tests/tools/fmp4-dump + fmp4_check.py (ffprobe, and GStreamer's
# qtdemux for the trun key flags); HEVC/AV1/VP9/Opus from the Enhanced RTMP fixtures.
function(fmp4_check fixture setup)
  add_test(NAME interop.fmp4.${fixture}
    COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/fmp4_check.py
            --dump $<TARGET_FILE:fmp4-dump> --fixtures ${INTEROP_FIXTURES_DIR}
            --work ${INTEROP_WORK_DIR} --fixture ${fixture})
  set_tests_properties(interop.fmp4.${fixture} PROPERTIES
    LABELS interop TIMEOUT 120 FIXTURES_REQUIRED ${setup} SKIP_RETURN_CODE 77)
endfunction()
foreach(fixture h264_high_aac h264_baseline_aac mp3_only aac_only h264_only h264_20mbit ts_over_2p24)
  fmp4_check(${fixture} interop_fixtures)
endforeach()
if(TARGET rtmp-mux)
  foreach(fixture hevc_opus av1_flac vp9_ac3)
    fmp4_check(${fixture} enhanced_fixtures)
  endforeach()
endif()

# End to end per codec through rtmp-server's HLS (hls_codecs.py): H.264 High with B-frames
# and Baseline with AAC in both containers, MP3 in MPEG-TS, HEVC + Opus and AV1 (Enhanced
# RTMP, published by rtmp-publish) in fMP4; frame-exact against ffprobe of the sources.
if(TARGET rtmp-server)
  function(hls_codecs_test fixture container setup)
    string(REGEX REPLACE "\\..*" "" container_name ${container})  # "fmp4.wrap" -> "fmp4"
    add_test(NAME interop.hls_codecs.${fixture}.${container}
      COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/hls_codecs.py
              --server $<TARGET_FILE:rtmp-server> ${ARGN}
              --fixtures ${INTEROP_FIXTURES_DIR} --work ${INTEROP_WORK_DIR}
              --fixture ${fixture} --container ${container_name})
    set_tests_properties(interop.hls_codecs.${fixture}.${container} PROPERTIES
      LABELS interop TIMEOUT 150 FIXTURES_REQUIRED ${setup} SKIP_RETURN_CODE 77)
  endfunction()
  foreach(fixture h264_high_aac h264_baseline_aac)
    foreach(container fmp4 mpegts)
      hls_codecs_test(${fixture} ${container} interop_fixtures)
    endforeach()
  endforeach()
  hls_codecs_test(mp3_only mpegts interop_fixtures)
  # Published timestamps that wrap at 2^32 mid-stream (2^32 - 1500), then also jump 60 s,
  # or step back 3 s: the playlist and segment timelines continue, frame-exact.
  if(TARGET rtmp-publish)
    set(pub --publish $<TARGET_FILE:rtmp-publish>)
    foreach(container fmp4 mpegts)
      hls_codecs_test(h264_baseline_aac ${container}.wrap interop_fixtures ${pub} --start-ms 4294965796)
      hls_codecs_test(h264_baseline_aac ${container}.jump interop_fixtures ${pub} --start-ms 4294965796
                      --jump-ms 60000)
    endforeach()
    hls_codecs_test(h264_baseline_aac fmp4.back interop_fixtures ${pub} --jump-ms -3000)
  endif()
  if(TARGET rtmp-publish AND TARGET rtmp-mux)
    foreach(fixture hevc_opus av1_flac)
      hls_codecs_test(${fixture} fmp4 enhanced_fixtures --publish $<TARGET_FILE:rtmp-publish>)
    endforeach()
  endif()
endif()
