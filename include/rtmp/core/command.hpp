// AMF command messages (connect, createStream, publish, play, onStatus, ...) and data
// messages (@setDataFrame/onMetaData): parsing from and building to rtmp::Message.
#pragma once

#include "rtmp/core/amf.hpp"
#include "rtmp/core/limits.hpp"
#include "rtmp/core/message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace rtmp {

struct Command {
  std::string name;
  double transaction_id = 0;
  amf::Value object;             // command object (null for most stream commands)
  std::vector<amf::Value> args;  // optional arguments after the command object
  // The n-th optional argument, or nullptr.
  const amf::Value* arg(std::size_t n) const { return n < args.size() ? &args[n] : nullptr; }
};

// Parses a type 20 (AMF0) or type 17 (AMF3) command message.
Result<Command> parse_command(const Message& m, const Limits& limits = {});
// Parses a type 18 (AMF0) or type 15 (AMF3) data message into its values.
Result<std::vector<amf::Value>> parse_data(const Message& m, const Limits& limits = {});

// An AMF0 command message (type 20): name, transaction id, command object, arguments.
Message make_command(std::uint32_t stream_id, std::string_view name, double transaction_id,
                     const amf::Value& object, const std::vector<amf::Value>& args = {},
                     std::uint32_t csid = csid::command);
// An AMF0 data message (type 18) holding `values` in order.
Message make_data(std::uint32_t stream_id, const std::vector<amf::Value>& values,
                  std::uint32_t timestamp = 0, std::uint32_t csid = csid::data);

// The info object of onStatus/_error: {level, code, description}.
amf::Value status_object(std::string_view level, std::string_view code,
                         std::string_view description);

// Metadata carried by a data message, if it is one: "@setDataFrame","onMetaData",{...} or
// "onMetaData",{...}. Returns the metadata object (object or ECMA array) or nullptr.
const amf::Value* find_metadata(const std::vector<amf::Value>& values);

}  // namespace rtmp
