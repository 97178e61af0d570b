#include "net/log.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>

namespace rtmp {
namespace {

struct Route {
  LogSink sink;
  LogLevel min_level = LogLevel::info;
};

// Null = the default route (spdlog). An atomic shared_ptr: every line reads it, rarely
// anyone writes it, and a sink being replaced stays alive for the lines using it.
std::atomic<std::shared_ptr<const Route>>& route() {
  static std::atomic<std::shared_ptr<const Route>> r;
  return r;
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
    case LogLevel::off:
      break;
  }
  return spdlog::level::off;
}

}  // namespace

void set_log_sink(LogSink sink, LogLevel min_level) {
  if (!sink) {
    route().store(nullptr);
    return;
  }
  route().store(std::make_shared<const Route>(Route{std::move(sink), min_level}));
}

const char* to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::trace:
      return "trace";
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
    case LogLevel::off:
      break;
  }
  return "off";
}

namespace logging {

bool enabled(LogLevel level) noexcept {
  if (level == LogLevel::off) return false;
  auto r = route().load();
  if (!r) return spdlog::should_log(to_spdlog(level));
  return level >= r->min_level;
}

void write(LogLevel level, std::string_view line) noexcept {
  if (level == LogLevel::off) return;
  try {
    if (auto r = route().load())
      r->sink(level, line);
    else
      spdlog::default_logger_raw()->log(to_spdlog(level), line);
  } catch (...) {
    // A log line is never worth a session: the sink's failure stays with the sink.
  }
}

}  // namespace logging
}  // namespace rtmp
