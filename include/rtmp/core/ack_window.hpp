// The receiving side of flow control, shared by both sessions: tracks the peer's Window
// Acknowledgement Size and says when an Acknowledgement is due (RTMP spec 5.4.3).
#pragma once

#include "rtmp/core/control.hpp"

#include <cstdint>
#include <optional>

namespace rtmp {

class AckWindow {
 public:
  // Applies a Window Acknowledgement Size message's payload.
  Result<void> set_window(ByteView payload) {
    auto size = control::parse_u32(payload);
    if (!size) return size.error();
    window_ = *size;
    return {};
  }
  // The Acknowledgement to send now that `received` bytes came in, if the window is crossed.
  std::optional<Message> acknowledgement(std::uint64_t received) {
    if (window_ == 0 || received - last_ < window_) return std::nullopt;
    last_ = received;
    return control::acknowledgement(static_cast<std::uint32_t>(received));
  }

 private:
  std::uint32_t window_ = 0;
  std::uint64_t last_ = 0;
};

// The PingResponse a PingRequest asks for, if `payload` is one.
inline std::optional<Message> ping_reply(ByteView payload) {
  auto uc = control::parse_user_control(payload);
  if (!uc || uc->event != control::UserEvent::ping_request) return std::nullopt;
  return control::user_control({control::UserEvent::ping_response, uc->value, 0});
}

}  // namespace rtmp
