// FLV framing for HTTP-FLV / WebSocket-FLV players (FLV spec v10.1 E.2-E.3): the file
// header and each tag's 11-byte header and 4-byte PreviousTagSize, built apart from the
// payload so a relay message's shared payload is written between them without a copy.
//
//   auto head = flv_tag_header(msg::video, payload.size(), ts);   // then payload, then
//   auto tail = flv_previous_tag_size(payload.size());            // this
//
// Pure functions; no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace rtmp::relay {

// "FLV", version 1, the audio/video flags, header size 9, then PreviousTagSize0 (0).
std::array<std::uint8_t, 13> flv_file_header(bool audio, bool video) noexcept;

// TagType (8 audio, 9 video, 18 script), DataSize (24 bits), Timestamp (lower 24 bits, then
// the upper 8 in TimestampExtended), StreamID 0. `size` must be below 2^24 (an RTMP message
// is too).
std::array<std::uint8_t, 11> flv_tag_header(std::uint8_t type, std::size_t size,
                                            std::uint32_t timestamp) noexcept;

// PreviousTagSize after a tag of `size` payload bytes: 11 + size.
std::array<std::uint8_t, 4> flv_previous_tag_size(std::size_t size) noexcept;

}  // namespace rtmp::relay
