# Installs headers, libraries, tools, the CMake package `rtmpcxx`, pkg-config files, the
# rtmp-server service files and man pages; configures CPack for a Debian package.
include(CMakePackageConfigHelpers)

set(RTMP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/rtmpcxx)
set(RTMP_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
set(RTMP_EXPORTED rtmp_core rtmp_media)
set(RTMP_EXPORT_NET FALSE)
if(TARGET rtmp)
  list(APPEND RTMP_EXPORTED rtmp)
  set(RTMP_EXPORT_NET TRUE)
endif()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/rtmp TYPE INCLUDE FILES_MATCHING PATTERN "*.hpp")
install(TARGETS ${RTMP_EXPORTED} EXPORT rtmpcxxTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Unspecified
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT rtmpcxxTargets NAMESPACE rtmpcxx:: DESTINATION ${RTMP_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/rtmpcxxConfig.cmake.in
  ${PROJECT_BINARY_DIR}/rtmpcxxConfig.cmake INSTALL_DESTINATION ${RTMP_CMAKE_DIR})
# 0.x: a minor release may break the API, but SameMajorVersion is what users of a
# versioned package expect once 1.0 is out; the SONAME carries major.minor meanwhile.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rtmpcxxConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/rtmpcxxConfig.cmake
              ${PROJECT_BINARY_DIR}/rtmpcxxConfigVersion.cmake DESTINATION ${RTMP_CMAKE_DIR})

# pkg-config. Static libraries need their dependencies on the plain `--libs` line (most
# users never pass --static); shared ones keep them private.
file(RELATIVE_PATH RTMP_PC_RELATIVE_PREFIX /prefix/${RTMP_PKGCONFIG_DIR} /prefix)
string(REGEX REPLACE "/$" "" RTMP_PC_RELATIVE_PREFIX "${RTMP_PC_RELATIVE_PREFIX}")
function(rtmp_pkgconfig name description libs requires deps cflags)
  set(RTMP_PC_NAME ${name})
  set(RTMP_PC_DESCRIPTION ${description})
  set(RTMP_PC_LIBS ${libs})
  set(RTMP_PC_CFLAGS ${cflags})
  set(RTMP_PC_REQUIRES ${requires})
  set(RTMP_PC_REQUIRES_PRIVATE "")
  set(RTMP_PC_LIBS_PRIVATE "")
  if(BUILD_SHARED_LIBS)
    set(RTMP_PC_REQUIRES_PRIVATE "${deps}")
    if(name STREQUAL "rtmpcxx")
      set(RTMP_PC_LIBS_PRIVATE -pthread)
    endif()
  else()
    string(JOIN " " RTMP_PC_REQUIRES ${requires} ${deps})
    if(name STREQUAL "rtmpcxx")
      string(APPEND RTMP_PC_LIBS " -pthread")
    endif()
  endif()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/rtmpcxx.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc DESTINATION ${RTMP_PKGCONFIG_DIR})
endfunction()
rtmp_pkgconfig(rtmpcxx-core "rtmpcxx sans-IO RTMP protocol core (no sockets, no threads)"
  -lrtmpcxx_core "" libcrypto "")
rtmp_pkgconfig(rtmpcxx-media "rtmpcxx media: demux, mux, codec configs, FLV files"
  -lrtmpcxx_media rtmpcxx-core "" "")
if(TARGET rtmp)
  rtmp_pkgconfig(rtmpcxx "rtmpcxx: RTMP server and client library (Boost.Asio)"
    -lrtmpcxx rtmpcxx-media "libssl spdlog fmt" -DBOOST_ASIO_NO_DEPRECATED)
endif()

# Tools, the service and its configuration.
set(RTMP_INSTALLED_TOOLS)
foreach(tool rtmp-server rtmp-publish rtmp-play rtmp-probe rtmp-mux)
  if(TARGET ${tool})
    list(APPEND RTMP_INSTALLED_TOOLS ${tool})
  endif()
endforeach()
if(RTMP_INSTALLED_TOOLS)
  install(TARGETS ${RTMP_INSTALLED_TOOLS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
if(TARGET rtmp-server)
  # The unit names the installed binary and /etc for a /usr install (FHS; the Debian
  # package), PREFIX/etc otherwise: decided when installing, as `cmake --install --prefix`
  # and CPack choose the prefix then.
  install(CODE "
    set(rtmp_etc \"\${CMAKE_INSTALL_PREFIX}/etc/rtmpcxx\")
    if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
      set(rtmp_etc /etc/rtmpcxx)
    endif()
    file(INSTALL DESTINATION \"\${rtmp_etc}\" TYPE FILE
         FILES \"${PROJECT_SOURCE_DIR}/packaging/rtmp-server.toml\")
    set(RTMP_ETC \"\${rtmp_etc}\")
    set(RTMP_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
    configure_file(\"${PROJECT_SOURCE_DIR}/packaging/rtmp-server.service.in\"
                   \"${PROJECT_BINARY_DIR}/packaging/rtmp-server.service\" @ONLY)
    file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\" TYPE FILE
         FILES \"${PROJECT_BINARY_DIR}/packaging/rtmp-server.service\")")
endif()
# The browser player page, when scripts/npm-setup.sh (or the player_www target) has made it:
# rtmp-server looks for it in PREFIX/share/rtmpcxx/www.
if(TARGET rtmp-server)
  install(DIRECTORY ${PROJECT_BINARY_DIR}/browser/www/
          DESTINATION ${CMAKE_INSTALL_DATADIR}/rtmpcxx/www OPTIONAL)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/guide
        FILES_MATCHING PATTERN "*.md")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        FILES_MATCHING PATTERN "*.cpp" PATTERN "CMakeLists.txt" PATTERN "Makefile")

# Man pages from each tool's --help (help2man, Debian package help2man).
find_program(RTMP_HELP2MAN help2man)
if(RTMP_HELP2MAN AND RTMP_INSTALLED_TOOLS)
  set(man_pages)
  foreach(tool ${RTMP_INSTALLED_TOOLS})
    set(page ${PROJECT_BINARY_DIR}/man/${tool}.1)
    add_custom_command(OUTPUT ${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND ${RTMP_HELP2MAN} --no-info --no-discard-stderr
              --version-string=${PROJECT_VERSION} --name=${tool} --output=${page} $<TARGET_FILE:${tool}>
      DEPENDS ${tool} VERBATIM)
    list(APPEND man_pages ${page})
  endforeach()
  add_custom_target(rtmp_man_pages ALL DEPENDS ${man_pages})
  install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 OPTIONAL)
endif()

include(${PROJECT_SOURCE_DIR}/cmake/cpack.cmake)
