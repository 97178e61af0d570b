# `cpack -G DEB` in the build directory: the Debian 12 package rtmpcxx (library, headers,
# CMake and pkg-config files, tools, the rtmp-server service and its conffile).
set(CPACK_PACKAGE_NAME rtmpcxx)
set(CPACK_PACKAGE_VENDOR rtmpcxx)
set(CPACK_PACKAGE_CONTACT "rtmpcxx maintainers <rtmpcxx@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "RTMP server and client library for C++20, and rtmp-server")
set(CPACK_PACKAGE_DESCRIPTION "rtmpcxx is an RTMP/RTMPS server and client library for C++20 \
(Boost.Asio) with a sans-IO protocol core, demuxing into codec configurations and samples, \
Enhanced RTMP, and the tools rtmp-server (a live relay), rtmp-publish, rtmp-play, \
rtmp-probe and rtmp-mux.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Absolute destinations (/etc/rtmpcxx) need DESTDIR staging.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The headers and CMake package name these; a program built against them needs them.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libboost1.81-dev, libssl-dev, libspdlog-dev, libfmt-dev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "ffmpeg")
set(CPACK_DEBIAN_PACKAGE_CONFLICTS "")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
