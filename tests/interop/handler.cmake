# The Handler contract against real FFmpeg, through rtmp-test-server (tests/tools).
if(TARGET rtmp-test-server)
  function(handler_test name)
    add_test(NAME interop.handler.${name}
      COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/handler_contract.py
              --server $<TARGET_FILE:rtmp-test-server> --fixtures ${INTEROP_FIXTURES_DIR}
              --work ${INTEROP_WORK_DIR} ${ARGN})
    set_tests_properties(interop.handler.${name} PROPERTIES
      LABELS interop TIMEOUT 90 FIXTURES_REQUIRED interop_fixtures SKIP_RETURN_CODE 77)
  endfunction()
  foreach(c reject_connect reject_publish reject_play second_publisher
            disconnect_clean disconnect_kill disconnect_protocol disconnect_stop)
    handler_test(${c} --case ${c})
  endforeach()
  foreach(f h264_high_aac h264_baseline_aac mp3_only aac_only h264_only ts_over_2p24)
    handler_test(send_play.${f} --case send_play --fixture ${f})
  endforeach()
endif()

# Handlers that throw and legacy video codecs, through rtmp-test-server.
if(TARGET rtmp-test-server)
  foreach(c throw_on_video legacy_flv1)
    add_test(NAME interop.handler_errors.${c}
      COMMAND ${Python3_EXECUTABLE} ${INTEROP_DIR}/handler_errors.py
              --server $<TARGET_FILE:rtmp-test-server> --fixtures ${INTEROP_FIXTURES_DIR}
              --work ${INTEROP_WORK_DIR} --case ${c})
    set_tests_properties(interop.handler_errors.${c} PROPERTIES
      LABELS interop TIMEOUT 90 FIXTURES_REQUIRED interop_fixtures SKIP_RETURN_CODE 77)
  endforeach()
endif()
