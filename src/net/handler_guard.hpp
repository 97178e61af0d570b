// Calls into application code for one session (Handler / ClientHandler callbacks, work
// posted through a Session handle). An exception escaping such a call must not unwind
// through the protocol core or a coroutine (where it would end the reader silently and
// leave the peer hanging): it is caught here, logged with the callback's name, and kept
// as an errc::handler_error, which the connection then closes with at once.
#pragma once

#include "rtmp/error.hpp"

#include <exception>
#include <optional>
#include <string>
#include <utility>

namespace rtmp {

class HandlerGuard {
 public:
  // `who` prefixes the log line ("session 3 127.0.0.1:50000").
  void set_name(std::string who) { who_ = std::move(who); }

  // Runs f(); true if it returned normally. After the first failure, error() holds it;
  // later calls still run (the connection decides when to stop calling).
  template <class F>
  bool call(const char* callback, F&& f) noexcept {
    try {
      std::forward<F>(f)();
      return true;
    } catch (const std::exception& e) {
      failed(callback, e.what());
    } catch (...) {
      failed(callback, "unknown exception");
    }
    return false;
  }
  // As call(), for a callback that returns a value; `fallback` when it threw.
  template <class R, class F>
  R call_or(const char* callback, R fallback, F&& f) noexcept {
    std::optional<R> out;
    if (!call(callback, [&] { out.emplace(std::forward<F>(f)()); })) return fallback;
    return std::move(*out);
  }

  bool failed() const noexcept { return error_.has_value(); }
  // The first failure: errc::handler_error, "on_video threw: <what>".
  const Error& error() const noexcept { return *error_; }

  // Logs and swallows an exception from a callback whose failure cannot close anything
  // (on_disconnect: the connection is already gone).
  template <class F>
  void call_last(const char* callback, F&& f) noexcept {
    try {
      std::forward<F>(f)();
    } catch (const std::exception& e) {
      log_throw(callback, e.what());
    } catch (...) {
      log_throw(callback, "unknown exception");
    }
  }

 private:
  void failed(const char* callback, const char* what) noexcept;
  void log_throw(const char* callback, const char* what) noexcept;

  std::string who_;
  std::optional<Error> error_;
};

}  // namespace rtmp
