// Errors as values: an rtmp::errc with its own category, plus a human detail that says
// what was wrong and where ("chunk stream 5: message length 20000000 exceeds limit 16777216").
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <system_error>
#include <utility>

namespace rtmp {

enum class errc {
  ok = 0,
  // Peer broke the protocol: the session is closed with this reason.
  truncated = 1,           // input ended inside a value that cannot be resumed (AMF, configs)
  malformed,               // a field holds a value the format does not allow
  handshake_failed,        // bad version byte, bad digest where one is required, ...
  message_too_large,       // message length above Limits::max_message_length
  invalid_chunk_size,      // Set Chunk Size of 0 or with the top bit set
  too_many_chunk_streams,  // more live chunk streams than Limits::max_chunk_streams
  too_many_partial_messages,
  invalid_chunk_header,  // a type 1/2/3 chunk with no previous header on its chunk stream
  amf_depth_exceeded,    // nesting deeper than Limits::max_amf_depth
  amf_invalid_marker,    // an AMF type marker the format does not define
  amf_too_many_items,    // a container claiming more items than Limits::max_amf_items
  unexpected_message,    // a command or message out of order (publish before connect, ...)
  unsupported,           // valid but not supported (codec, AMF type in this position)
  // Local conditions.
  timeout,
  rejected,     // the handler (or the peer) refused: detail holds the description
  closed,       // the connection is closed
  output_full,  // a bounded outgoing queue is full
  invalid_argument,
  address_in_use,
  io_error,
  // An exception escaped application code (a Handler or ClientHandler callback, the handler
  // factory): that one session is closed; detail names the callback and what() it threw.
  handler_error,
};

const boost::system::error_category& rtmp_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), rtmp_category()};
}
// Short, stable name of a code ("message_too_large").
const char* to_string(errc e) noexcept;

struct Error {
  errc code = errc::ok;
  std::string detail;

  Error() = default;
  Error(errc c, std::string d = {}) : code(c), detail(std::move(d)) {}
  // "message_too_large: chunk stream 5: message length 20000000 exceeds limit 16777216"
  std::string message() const;
  friend bool operator==(const Error& a, const Error& b) { return a.code == b.code; }
  friend bool operator==(const Error& a, errc b) { return a.code == b; }
};

// boost::system::result with our Error; value() on an error throws rtmp::SystemError.
template <class T>
using Result = boost::system::result<T, Error>;

class SystemError : public std::runtime_error {
 public:
  explicit SystemError(const Error& e) : std::runtime_error(e.message()), error_(e) {}
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

// Found by ADL from boost::system::result<T, Error>::value().
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace rtmp

namespace boost::system {
template <>
struct is_error_code_enum<rtmp::errc> : std::true_type {};
}  // namespace boost::system
