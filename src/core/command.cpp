#include "rtmp/core/command.hpp"

namespace rtmp {
namespace {

Result<std::vector<amf::Value>> decode_values(const Message& m, const Limits& limits) {
  if (m.type == msg::command_amf3) return amf::decode_command_amf3(m.data(), limits);
  if (m.type == msg::data_amf3) return amf::decode_data_amf3(m.data(), limits);
  return amf::decode_amf0_all(m.data(), limits);
}

}  // namespace

Result<Command> parse_command(const Message& m, const Limits& limits) {
  auto values = decode_values(m, limits);
  if (!values) return values.error();
  auto& v = *values;
  if (v.empty() || !v[0].is_string())
    return Error(errc::malformed, "command message does not start with a name string");
  Command c;
  c.name = v[0].as_string();
  if (v.size() > 1) {
    if (!v[1].is_number())
      return Error(errc::malformed, "command '" + c.name + "': transaction id is not a number");
    c.transaction_id = v[1].as_number();
  }
  if (v.size() > 2) c.object = std::move(v[2]);
  for (std::size_t i = 3; i < v.size(); ++i) c.args.push_back(std::move(v[i]));
  return c;
}

Result<std::vector<amf::Value>> parse_data(const Message& m, const Limits& limits) {
  return decode_values(m, limits);
}

Message make_command(std::uint32_t stream_id, std::string_view name, double transaction_id,
                     const amf::Value& object, const std::vector<amf::Value>& args,
                     std::uint32_t cs) {
  Bytes body;
  amf::encode_amf0(amf::Value(std::string(name)), body);
  amf::encode_amf0(amf::Value(transaction_id), body);
  amf::encode_amf0(object, body);
  for (const auto& a : args) amf::encode_amf0(a, body);
  Message m;
  m.csid = cs;
  m.type = msg::command_amf0;
  m.stream_id = stream_id;
  m.payload = make_shared_bytes(std::move(body));
  return m;
}

Message make_data(std::uint32_t stream_id, const std::vector<amf::Value>& values,
                  std::uint32_t timestamp, std::uint32_t cs) {
  Bytes body;
  for (const auto& v : values) amf::encode_amf0(v, body);
  Message m;
  m.csid = cs;
  m.type = msg::data_amf0;
  m.stream_id = stream_id;
  m.timestamp = timestamp;
  m.payload = make_shared_bytes(std::move(body));
  return m;
}

amf::Value status_object(std::string_view level, std::string_view code,
                         std::string_view description) {
  return amf::Value::object({{"level", amf::Value(std::string(level))},
                             {"code", amf::Value(std::string(code))},
                             {"description", amf::Value(std::string(description))}});
}

const amf::Value* find_metadata(const std::vector<amf::Value>& values) {
  std::size_t i = 0;
  if (i < values.size() && values[i].is_string() && values[i].as_string() == "@setDataFrame") ++i;
  if (i + 1 < values.size() && values[i].is_string() && values[i].as_string() == "onMetaData" &&
      values[i + 1].is_object())
    return &values[i + 1];
  return nullptr;
}

}  // namespace rtmp
