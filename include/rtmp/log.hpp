// Where the library's log lines go. By default they go to spdlog's default logger (the
// tools' console output); an application can route them anywhere with set_log_sink.
//
//   rtmp::set_log_sink([](rtmp::LogLevel level, std::string_view line) {
//     my_logger.write(static_cast<int>(level), line);
//   }, rtmp::LogLevel::info);
//
// Thread safety: set_log_sink may be called from any thread at any time; lines already
// being written may still reach the previous sink. The sink itself is called from the
// library's threads (any session's), possibly concurrently: it must be thread-safe.
// A sink must not throw (an exception from it is swallowed) and must not call
// set_log_sink.
#pragma once

#include <functional>
#include <string_view>

namespace rtmp {

enum class LogLevel { trace, debug, info, warn, error, off };

// One formatted line, without a trailing newline; valid for the call only.
using LogSink = std::function<void(LogLevel level, std::string_view line)>;

// Routes every later log line at or above `min_level` to `sink`. An empty sink restores
// the default (spdlog's default logger, filtered by spdlog's own level).
void set_log_sink(LogSink sink, LogLevel min_level = LogLevel::info);

// "trace", "debug", "info", "warn", "error", "off".
const char* to_string(LogLevel level) noexcept;

}  // namespace rtmp
