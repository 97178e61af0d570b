// Compiled with rtmp_core's include path by the layer.core_cannot_include_asio test,
// which passes only when this fails to build.
#include <boost/asio/ip/tcp.hpp>
int layer_violation() {
  return 0;
}
