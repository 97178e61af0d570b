#include "net/fanout_batch.hpp"

namespace rtmp::net::detail {

// The one per-thread datum of the fan-out: which connection's read runs here, so that a
// hand-off made by its handler (through the public Session API, which carries no batch)
// joins that read's batch. The batch itself belongs to the publishing connection.
void*& current_fanout() {
  thread_local void* current = nullptr;
  return current;
}

}  // namespace rtmp::net::detail
