# Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) plays each HTTP
# output of rtmp-server in the product's player page (apps/relay/www/player.html): hls.js for
# LL-HLS (fMP4) and HLS (MPEG-TS), mpegts.js for HTTP-FLV and WS-FLV. Label: browser.
# browser.npm_setup installs tests/browser/package-lock.json into BUILD/browser/node_modules
# (scripts/npm-setup.sh: npm ci from the npm registry, nothing when already installed).
# Screenshots, logs and per-case figures are kept in BUILD/browser/artifacts/.
set(BROWSER_WORK ${CMAKE_BINARY_DIR}/browser)
find_program(NODE_EXECUTABLE node)

function(browser_test name)
  if(NODE_EXECUTABLE)
    add_test(NAME browser.${name} COMMAND ${NODE_EXECUTABLE} ${ARGN})
  else()
    add_test(NAME browser.${name} COMMAND sh -c "echo 'SKIP: node is not installed'; exit 77")
  endif()
  set_tests_properties(browser.${name} PROPERTIES LABELS browser SKIP_RETURN_CODE 77 TIMEOUT 60)
endfunction()

add_test(NAME browser.npm_setup COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/npm-setup.sh ${BROWSER_WORK})
set_tests_properties(browser.npm_setup PROPERTIES
  LABELS browser SKIP_RETURN_CODE 77 TIMEOUT 300 FIXTURES_SETUP browser_npm)

# The verdict's own checks (stalls, errors, blank picture, missing LL-HLS all fail).
browser_test(verdict --test ${CMAKE_CURRENT_LIST_DIR}/verdict.test.mjs)

if(NOT TARGET rtmp-server)
  return()
endif()
# One case per output, each alone on the machine: ffmpeg encoding in real time, Chromium
# decoding and the server share 2 cores, and a starved encoder would look like a stall.
foreach(mode hls-fmp4 hls-mpegts http-flv ws-flv)
  browser_test(${mode} ${CMAKE_CURRENT_LIST_DIR}/run.mjs --mode ${mode} --server $<TARGET_FILE:rtmp-server>
               --modules ${BROWSER_WORK}/node_modules --out ${BROWSER_WORK}/artifacts)
  set_tests_properties(browser.${mode} PROPERTIES FIXTURES_REQUIRED browser_npm RUN_SERIAL TRUE)
endforeach()

# The dashboard at GET / behind --api-token: lists the stream, sparkline, preview frames,
# desktop and phone screenshots (kept in artifacts/), kick ends the publisher.
browser_test(dashboard ${CMAKE_CURRENT_LIST_DIR}/dashboard.mjs --server $<TARGET_FILE:rtmp-server>
             --modules ${BROWSER_WORK}/node_modules --out ${BROWSER_WORK}/artifacts)
set_tests_properties(browser.dashboard PROPERTIES FIXTURES_REQUIRED browser_npm RUN_SERIAL TRUE)

# `cmake --build BUILD --target player_www`: BUILD/browser/www/ with player.html, player.js,
# hls.min.js and mpegts.js, for serving the player page without running the tests.
add_custom_target(player_www
  COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/npm-setup.sh ${BROWSER_WORK}
  COMMENT "npm packages and the player page into ${BROWSER_WORK}/www" VERBATIM)
