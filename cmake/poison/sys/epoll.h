#error "rtmp_core and rtmp_media are sans-IO: no sockets, no Asio (see DESIGN.md). Move this code to src/net."
