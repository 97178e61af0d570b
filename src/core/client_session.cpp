#include "rtmp/core/client_session.hpp"

namespace rtmp {

std::string resolve_tc_url(std::string_view base, std::string_view ref) {
  // RFC 3986 §5.2 for the forms the spec lists: absolute ("rtmp://h/app"), network-path
  // ("//h/app"), absolute-path ("/app") and relative-path ("app2": replaces the last segment).
  auto scheme_end = base.find("://");
  if (ref.empty()) return std::string(base);
  auto colon = ref.find(':');
  auto slash = ref.find('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash))
    return std::string(ref);  // has a scheme
  if (scheme_end == std::string_view::npos) return std::string(ref);
  std::string_view scheme = base.substr(0, scheme_end + 1);  // "rtmp:"
  if (ref.starts_with("//")) return std::string(scheme) + std::string(ref);
  auto path_start = base.find('/', scheme_end + 3);
  std::string_view authority_part =
      path_start == std::string_view::npos ? base : base.substr(0, path_start);
  if (ref.starts_with("/")) return std::string(authority_part) + std::string(ref);
  std::string_view path =
      path_start == std::string_view::npos ? std::string_view("/") : base.substr(path_start);
  // Drop query/fragment of the base path before merging.
  path = path.substr(0, path.find_first_of("?#"));
  return std::string(authority_part) + std::string(path.substr(0, path.rfind('/') + 1)) +
         std::string(ref);
}

ClientSession::ClientSession(const SessionOptions& options, ClientSessionHandler& handler)
    : options_(options),
      handler_(handler),
      handshake_(options.random ? options.random : system_random(), options.digest_handshake),
      decoder_(options.limits) {}

void ClientSession::start(TimePoint now) {
  started_ = now;
  if (auto c0c1 = handshake_.output(); !c0c1.empty()) {
    out_.push_copy(c0c1);
    handshake_.consume_output(c0c1.size());
  }
}

Result<void> ClientSession::feed(ByteView in, TimePoint now) {
  if (!started_) started_ = now;
  if (!handshake_.done()) {
    auto used = handshake_.feed(in);
    if (!used) return used.error();
    if (auto c2 = handshake_.output(); !c2.empty()) {
      out_.push_copy(c2);
      handshake_.consume_output(c2.size());
    }
    in = in.subspan(*used);
    if (!handshake_.done()) return {};
    for (const auto& m : pending_) queue(m);
    pending_.clear();
  }
  while (!in.empty()) {
    auto step = decoder_.decode(in);
    if (!step) return step.error();
    in = in.subspan(step->consumed);
    if (step->message)
      if (auto r = on_message(*step->message); !r) return r;
  }
  maybe_ack();
  return {};
}

std::optional<TimePoint> ClientSession::next_deadline() const {
  if (!started_ || handshake_.done()) return std::nullopt;
  return *started_ + std::chrono::milliseconds(options_.limits.handshake_timeout_ms);
}

Result<void> ClientSession::on_deadline(TimePoint now) {
  auto due = next_deadline();
  if (!due || now < *due) return {};
  return Error(errc::timeout, "handshake not completed within " +
                                  std::to_string(options_.limits.handshake_timeout_ms) + " ms");
}

void ClientSession::queue(const Message& m) {
  if (!handshake_.done()) {
    pending_.push_back(m);
    return;
  }
  Bytes wire;
  encoder_.encode(m, wire);
  out_.push(make_shared_bytes(std::move(wire)));
  if (m.type == msg::set_chunk_size && m.size() == 4) {
    auto size = control::parse_u32(m.data());
    if (size) encoder_.set_chunk_size(*size);
  }
}

void ClientSession::command(std::uint32_t stream_id, std::string_view name,
                            const amf::Value& object, const std::vector<amf::Value>& args,
                            bool expect_reply) {
  double txn = 0;
  if (expect_reply) {
    txn = next_txn_++;
    transactions_[txn] = std::string(name);
  }
  queue(make_command(stream_id, name, txn, object, args,
                     stream_id == 0 ? csid::command : csid::data));
}

void ClientSession::connect(const ConnectParams& p) {
  set_chunk_size(options_.chunk_size);
  auto obj = amf::Value::object({{"app", amf::Value(p.app)}});
  if (!p.flash_ver.empty()) obj.set("flashVer", amf::Value(p.flash_ver));
  if (!p.swf_url.empty()) obj.set("swfUrl", amf::Value(p.swf_url));
  obj.set("tcUrl", amf::Value(p.tc_url));
  if (p.player) {
    obj.set("fpad", amf::Value(false));
    obj.set("capabilities", amf::Value(15.0));
    obj.set("audioCodecs", amf::Value(4071.0));
    obj.set("videoCodecs", amf::Value(252.0));
    obj.set("videoFunction", amf::Value(1.0));
  } else {
    obj.set("type", amf::Value("nonprivate"));
  }
  if (!p.page_url.empty()) obj.set("pageUrl", amf::Value(p.page_url));
  write_connect_caps(obj, p);
  if (p.object_encoding != 0) obj.set("objectEncoding", amf::Value(p.object_encoding));
  tc_url_ = p.tc_url;
  server_caps_ = {};
  command(0, "connect", obj, p.args, true);
}

void ClientSession::create_stream() {
  command(0, "createStream", amf::Value::null(), {}, true);
}

void ClientSession::release_stream(std::string_view key) {
  command(0, "releaseStream", amf::Value::null(), {amf::Value(std::string(key))}, true);
}

void ClientSession::fc_publish(std::string_view key) {
  command(0, "FCPublish", amf::Value::null(), {amf::Value(std::string(key))}, true);
}

void ClientSession::fc_unpublish(std::string_view key) {
  command(0, "FCUnpublish", amf::Value::null(), {amf::Value(std::string(key))}, true);
}

void ClientSession::publish(std::uint32_t stream_id, std::string_view key, std::string_view type) {
  command(stream_id, "publish", amf::Value::null(),
          {amf::Value(std::string(key)), amf::Value(std::string(type))}, false);
}

void ClientSession::play(std::uint32_t stream_id, std::string_view name, double start,
                         double duration, bool reset) {
  command(
      stream_id, "play", amf::Value::null(),
      {amf::Value(std::string(name)), amf::Value(start), amf::Value(duration), amf::Value(reset)},
      false);
  set_buffer_length(stream_id, 3000);
}

void ClientSession::delete_stream(std::uint32_t stream_id) {
  command(0, "deleteStream", amf::Value::null(), {amf::Value(static_cast<double>(stream_id))},
          false);
}

void ClientSession::set_buffer_length(std::uint32_t stream_id, std::uint32_t ms) {
  queue(control::user_control({control::UserEvent::set_buffer_length, stream_id, ms}));
}

void ClientSession::send_message(const Message& m) {
  queue(m);
}

void ClientSession::set_chunk_size(std::uint32_t size) {
  queue(control::set_chunk_size(size));
}

void ClientSession::maybe_ack() {
  if (auto ack = ack_window_.acknowledgement(decoder_.bytes_received())) queue(*ack);
}

Result<void> ClientSession::on_message(const Message& m) {
  switch (m.type) {
    case msg::window_ack_size:
      return ack_window_.set_window(m.data());
    case msg::user_control: {
      if (auto pong = ping_reply(m.data())) queue(*pong);
      auto uc = control::parse_user_control(m.data());
      if (!uc) return {};
      handler_.on_user_control(*uc);
      return {};
    }
    case msg::audio:
    case msg::video:
      handler_.on_media(m);
      return {};
    case msg::aggregate: {
      auto parts = split_aggregate(m, options_.limits);
      if (!parts) return parts.error();
      for (const auto& part : *parts)
        if (part.type != msg::aggregate)
          if (auto r = on_message(part); !r) return r;
      return {};
    }
    case msg::data_amf0:
    case msg::data_amf3: {
      auto values = parse_data(m, options_.limits);
      if (!values) return values.error();
      if (const amf::Value* meta = find_metadata(*values))
        handler_.on_metadata(m.stream_id, *meta, m);
      else
        handler_.on_data(m, *values);
      return {};
    }
    case msg::command_amf0:
    case msg::command_amf3:
      return on_command_message(m);
    default:
      return {};
  }
}

Result<void> ClientSession::on_command_message(const Message& m) {
  auto parsed = parse_command(m, options_.limits);
  if (!parsed) return parsed.error();
  const Command& c = *parsed;
  if (c.name == "_result" || c.name == "_error") {
    auto it = transactions_.find(c.transaction_id);
    if (it == transactions_.end()) return {};
    std::string name = std::move(it->second);
    transactions_.erase(it);
    const amf::Value* info = c.arg(0);
    static const amf::Value null = amf::Value::null();
    if (c.name == "_error") {
      handler_.on_command_error(name, info ? *info : null);
    } else if (name == "connect") {
      // The spec has the server state its capabilities in "an object" of the _result:
      // the properties object (where we put ours), else the information object.
      server_caps_ = parse_connect_caps(c.object);
      if (!server_caps_.enhanced() && info) server_caps_ = parse_connect_caps(*info);
      handler_.on_connected(info ? *info : null);
    } else if (name == "createStream") {
      if (!info || !info->is_number())
        return Error(errc::malformed, "createStream result carries no stream id");
      // Message stream ids are 32-bit (§5.3.1.2.1); casting anything else is undefined.
      double id = info->as_number();
      if (!(id >= 0 && id <= 4294967295.0))
        return Error(errc::malformed, "createStream result: stream id " + std::to_string(id) +
                                          " is not a 32-bit value");
      handler_.on_stream_created(static_cast<std::uint32_t>(id));
    }
    return {};
  }
  if (c.name == "onStatus") {
    const amf::Value* info = c.arg(0);
    static const amf::Value null = amf::Value::null();
    if (m.stream_id == 0 && info && info->is_object()) {
      const amf::Value* code = info->get("code");
      if (code && code->is_string() &&
          code->as_string() == "NetConnection.Connect.ReconnectRequest") {
        const amf::Value* url = info->get("tcUrl");
        std::string target =
            url && url->is_string() ? resolve_tc_url(tc_url_, url->as_string()) : tc_url_;
        handler_.on_reconnect_request(target, *info);
        return {};
      }
    }
    handler_.on_status(m.stream_id, info ? *info : null);
    return {};
  }
  handler_.on_command(m.stream_id, c);
  return {};
}

}  // namespace rtmp
