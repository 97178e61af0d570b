// The library's logging front end: lines are formatted only when the current sink wants
// their level, then handed to it (include/rtmp/log.hpp). spdlog stays behind this.
#pragma once

#include "rtmp/log.hpp"

#include <fmt/format.h>

#include <string_view>
#include <utility>

namespace rtmp::logging {

bool enabled(LogLevel level) noexcept;
void write(LogLevel level, std::string_view line) noexcept;

template <class... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (!enabled(level)) return;
  write(level, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  log(LogLevel::debug, format, std::forward<Args>(args)...);
}
template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  log(LogLevel::info, format, std::forward<Args>(args)...);
}
template <class... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  log(LogLevel::warn, format, std::forward<Args>(args)...);
}
template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
  log(LogLevel::error, format, std::forward<Args>(args)...);
}

}  // namespace rtmp::logging
