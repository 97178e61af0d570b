#include "rtmp/error.hpp"

namespace rtmp {
namespace {

class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "rtmp"; }
  std::string message(int ev) const override { return to_string(static_cast<errc>(ev)); }
};

}  // namespace

const boost::system::error_category& rtmp_category() noexcept {
  static const Category category;
  return category;
}

const char* to_string(errc e) noexcept {
  switch (e) {
    case errc::ok:
      return "ok";
    case errc::truncated:
      return "truncated";
    case errc::malformed:
      return "malformed";
    case errc::handshake_failed:
      return "handshake_failed";
    case errc::message_too_large:
      return "message_too_large";
    case errc::invalid_chunk_size:
      return "invalid_chunk_size";
    case errc::too_many_chunk_streams:
      return "too_many_chunk_streams";
    case errc::too_many_partial_messages:
      return "too_many_partial_messages";
    case errc::invalid_chunk_header:
      return "invalid_chunk_header";
    case errc::amf_depth_exceeded:
      return "amf_depth_exceeded";
    case errc::amf_invalid_marker:
      return "amf_invalid_marker";
    case errc::amf_too_many_items:
      return "amf_too_many_items";
    case errc::unexpected_message:
      return "unexpected_message";
    case errc::unsupported:
      return "unsupported";
    case errc::timeout:
      return "timeout";
    case errc::rejected:
      return "rejected";
    case errc::closed:
      return "closed";
    case errc::output_full:
      return "output_full";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::address_in_use:
      return "address_in_use";
    case errc::io_error:
      return "io_error";
    case errc::handler_error:
      return "handler_error";
  }
  return "unknown";
}

std::string Error::message() const {
  std::string m = to_string(code);
  if (!detail.empty()) {
    m += ": ";
    m += detail;
  }
  return m;
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw SystemError(e);
}

}  // namespace rtmp
