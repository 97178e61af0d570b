# Faults and long streams against rtmp-server (relay_test() from relay.cmake).
# faults.py: each case with a bystander publisher+player pair that must stay frame-exact.
if(NOT TARGET rtmp-server)
  return()
endif()
foreach(case publisher_kill_python publisher_kill_ffmpeg player_kill player_blackhole
             player_blackhole_at_end disk_full_fsize disk_full_tmpfs)
  relay_test(faults.${case} faults.py --case ${case})
  set_tests_properties(interop.faults.${case} PROPERTIES TIMEOUT 90)
endforeach()
# Stalls judged against a 3 s timeout, with RSS sampled: alone.
set_tests_properties(interop.faults.player_blackhole interop.faults.player_blackhole_at_end
                     PROPERTIES RUN_SERIAL TRUE)
# Timestamps from 2^24 - 3000 and 2^32 - 3000 ms: across the extended-timestamp threshold
# and the 32-bit wrap, relayed with the same 32-bit timestamps to rtmp-play and FFmpeg.
# Published by the Python client (type 1 headers: the wrap is in a delta) and rtmp-publish.
foreach(start 16774216 4294964296)
  relay_test(long_streams.ts_${start} long_streams.py --case wrap --start-ms ${start})
  set_tests_properties(interop.long_streams.ts_${start} PROPERTIES TIMEOUT 90)
  if(TARGET rtmp-publish)
    relay_test(long_streams.ts_${start}.rtmp_publish long_streams.py --case wrap --start-ms ${start}
               --publisher rtmp-publish --publish $<TARGET_FILE:rtmp-publish>)
    set_tests_properties(interop.long_streams.ts_${start}.rtmp_publish PROPERTIES TIMEOUT 90)
  endif()
endforeach()
# 1,000 publish/unpublish and 1,000 play/leave cycles: RSS after 100 and 1,000 stays flat.
relay_test(long_streams.cycles long_streams.py --case cycles)
set_tests_properties(interop.long_streams.cycles PROPERTIES TIMEOUT 180 RUN_SERIAL TRUE)
