#include "net/handler_guard.hpp"

#include "net/log.hpp"

namespace rtmp {

void HandlerGuard::failed(const char* callback, const char* what) noexcept {
  log_throw(callback, what);
  if (error_) return;
  try {
    error_.emplace(errc::handler_error, std::string(callback) + " threw: " + what);
  } catch (...) {
    error_.emplace(errc::handler_error);  // out of memory: the code alone still closes
  }
}

void HandlerGuard::log_throw(const char* callback, const char* what) noexcept {
  try {
    logging::error("{}: handler {} threw: {}", who_, callback, what);
  } catch (...) {
  }
}

}  // namespace rtmp
