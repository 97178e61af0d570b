#include "rtmp/core/server_session.hpp"

#include "rtmp/core/control.hpp"

#include <string>

namespace rtmp {
namespace {

std::string string_prop(const amf::Value& obj, std::string_view key) {
  const amf::Value* v = obj.is_object() ? obj.get(key) : nullptr;
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

ServerSession::ServerSession(const SessionOptions& options, ServerSessionHandler& handler)
    : options_(options),
      handler_(handler),
      handshake_(
          std::make_unique<ServerHandshake>(options.random ? options.random : system_random())),
      decoder_(options.limits) {}

Result<void> ServerSession::feed(ByteView in, TimePoint now) {
  if (state_ == State::closed) return {};
  if (!started_) started_ = now;
  last_input_ = now;
  if (state_ == State::handshake) {
    auto used = handshake_->feed(in);
    if (!used) {
      state_ = State::closed;
      return used.error();
    }
    if (auto pending = handshake_->output(); !pending.empty()) {
      out_.push_copy(pending);
      handshake_->consume_output(pending.size());
    }
    in = in.subspan(*used);
    if (!handshake_->done()) return {};
    // Its packets (~4.8 KB) are dead weight for the connection's life (idle players).
    digest_ = handshake_->digest();
    handshake_.reset();
    state_ = State::connecting;
  }
  const std::size_t before = out_.footprint();
  if (auto r = process(in); !r) return r;
  // Only input that queued replies counts: a player whose media backlog is large but who
  // sends nothing (or only acknowledgements) is the relay's slow-player policy, not ours.
  const std::size_t after = out_.footprint();
  if (after > before && after > options_.limits.max_output_bytes) {
    state_ = State::closed;
    return Error(errc::output_full, std::to_string(after) +
                                        " bytes of output unread while the peer keeps sending " +
                                        "requests (max_output_bytes " +
                                        std::to_string(options_.limits.max_output_bytes) + ")");
  }
  return {};
}

Result<void> ServerSession::process(ByteView in) {
  while (!in.empty() && state_ != State::closed) {
    if (pending_) {
      // Held until the deferred decision arrives; bounded like any message.
      if (held_.size() + in.size() > options_.limits.max_message_length) {
        state_ = State::closed;
        return Error(errc::message_too_large,
                     "more than " + std::to_string(options_.limits.max_message_length) +
                         " bytes received while a decision was pending");
      }
      held_.insert(held_.end(), in.begin(), in.end());
      break;
    }
    auto step = decoder_.decode(in);
    if (!step) {
      state_ = State::closed;
      return step.error();
    }
    in = in.subspan(step->consumed);
    if (step->message) {
      if (auto r = on_message(*step->message); !r) {
        state_ = State::closed;
        return r.error();
      }
    }
  }
  maybe_ack();
  return {};
}

Result<void> ServerSession::resolve(const Decision& d) {
  if (!pending_) return Error(errc::invalid_argument, "no decision is pending");
  if (d.deferred) return Error(errc::invalid_argument, "a decision cannot be deferred twice");
  Pending p = std::move(*pending_);
  pending_.reset();
  if (state_ == State::closed) return {};
  switch (p.kind) {
    case Pending::Kind::connect:
      finish_connect(p.txn, d);
      break;
    case Pending::Kind::publish:
      finish_publish(p.publish, d);
      break;
    case Pending::Kind::play:
      finish_play(p.play, d);
      break;
  }
  Bytes held = std::move(held_);
  held_.clear();
  return process(held);
}

std::optional<TimePoint> ServerSession::setup_deadline() const {
  // The connect command is due within the handshake timeout too (once it arrived, a
  // deferred decision may take its time): a peer trickling its connect one byte at a time
  // would reset the idle timer with each byte and hold the connection forever.
  if (!started_ || !(state_ == State::handshake || (state_ == State::connecting && !pending_)))
    return std::nullopt;
  return *started_ + std::chrono::milliseconds(options_.limits.handshake_timeout_ms);
}

std::optional<TimePoint> ServerSession::next_deadline() const {
  if (state_ == State::closed || !started_) return std::nullopt;
  std::optional<TimePoint> due = setup_deadline();
  if (state_ == State::handshake) return due;
  // Players legitimately send nothing for long periods; only idle publishers and
  // connections that never get to publish or play time out.
  bool idle_matters = !publishing_.empty() || playing_.empty();
  if (options_.limits.idle_timeout_ms > 0 && idle_matters && last_input_) {
    auto idle = *last_input_ + std::chrono::milliseconds(options_.limits.idle_timeout_ms);
    if (!due || idle < *due) due = idle;
  }
  return due;
}

Result<void> ServerSession::on_deadline(TimePoint now) {
  // An I/O layer that did not call start(): the handshake clock starts at its first timer
  // check, so a peer that never sends a byte still times out (one timer period late).
  if (!started_) {
    started_ = now;
    return {};
  }
  auto due = next_deadline();
  if (!due || now < *due) return {};
  bool in_handshake = state_ == State::handshake;
  auto setup = setup_deadline();
  state_ = State::closed;
  if (in_handshake)
    return Error(errc::timeout, "handshake not completed within " +
                                    std::to_string(options_.limits.handshake_timeout_ms) + " ms");
  if (setup && now >= *setup)
    return Error(errc::timeout, "no connect command within " +
                                    std::to_string(options_.limits.handshake_timeout_ms) +
                                    " ms of the connection's start");
  return Error(errc::timeout,
               "no data received for " + std::to_string(options_.limits.idle_timeout_ms) + " ms");
}

void ServerSession::queue(const Message& m) {
  Bytes wire;
  encoder_.encode(m, wire);
  out_.push(make_shared_bytes(std::move(wire)));
}

void ServerSession::send_message(const Message& m) {
  if (state_ == State::closed) return;
  queue(m);
}

void ServerSession::send_encoded(const SharedBytes& chunks, const Message& header) {
  if (state_ == State::closed) return;
  encoder_.note_sent(header);
  out_.push(chunks);
}

void ServerSession::send_status(std::uint32_t stream_id, std::string_view level,
                                std::string_view code, std::string_view description) {
  queue(make_command(stream_id, "onStatus", 0, amf::Value::null(),
                     {status_object(level, code, description)}, csid::data));
}

void ServerSession::send_reconnect_request(std::string_view tc_url, std::string_view description) {
  if (state_ != State::connected) return;
  // onStatus on the NetConnection (stream 0), transaction 0, null command object.
  auto info = status_object("status", "NetConnection.Connect.ReconnectRequest", description);
  if (!tc_url.empty()) info.set("tcUrl", amf::Value(tc_url));
  queue(make_command(0, "onStatus", 0, amf::Value::null(), {info}));
  reconnect_requested_ = true;
}

void ServerSession::send_user_control(const control::UserControl& uc) {
  queue(control::user_control(uc));
}

void ServerSession::refuse_call(const Command& c, std::string_view code,
                                std::string_view description) {
  // Transaction 0 asks for no answer.
  if (c.transaction_id == 0) return;
  queue(make_command(0, "_error", c.transaction_id, amf::Value::null(),
                     {status_object("error", code, description)}));
}

void ServerSession::refuse(const Message& m, const Command& c, std::string_view description) {
  if (c.name == "publish")
    send_status(m.stream_id, "error", "NetStream.Publish.BadName", description);
  else if (c.name == "play")
    send_status(m.stream_id, "error", "NetStream.Play.Failed", description);
  else
    refuse_call(c, "NetConnection.Call.Failed", description);
}

std::string ServerSession::stream_unusable(std::uint32_t sid) const {
  const std::string id = "Stream id " + std::to_string(sid);
  if (sid == 0 || sid >= next_stream_id_) return id + " was never created.";
  if (deleted_.count(sid)) return id + " was deleted.";
  if (publishing_.count(sid)) return id + " is already publishing.";
  if (playing_.count(sid)) return id + " is already playing.";
  return {};
}

void ServerSession::send_result(double txn, const amf::Value& object,
                                const std::vector<amf::Value>& args) {
  queue(make_command(0, "_result", txn, object, args));
}

void ServerSession::maybe_ack() {
  if (auto ack = ack_window_.acknowledgement(decoder_.bytes_received())) queue(*ack);
}

Result<void> ServerSession::on_message(const Message& m) {
  switch (m.type) {
    case msg::window_ack_size:
      return ack_window_.set_window(m.data());
    case msg::user_control:
      if (auto pong = ping_reply(m.data())) queue(*pong);
      return {};  // other events (and unknown ones, as the spec allows) need nothing
    case msg::audio:
    case msg::video:
      // Media for a stream that is not publishing (e.g. sent before a rejection arrived
      // at the client) is dropped.
      if (publishing_.count(m.stream_id)) handler_.on_media(m);
      return {};
    case msg::aggregate: {
      if (!publishing_.count(m.stream_id)) return {};
      auto parts = split_aggregate(m, options_.limits);
      if (!parts) return parts.error();
      for (const auto& part : *parts) {
        if (part.type == msg::aggregate) return Error(errc::malformed, "nested aggregate message");
        if (auto r = on_message(part); !r) return r;
      }
      return {};
    }
    case msg::data_amf0:
    case msg::data_amf3:
      return on_data_message(m);
    case msg::command_amf0:
    case msg::command_amf3:
      return on_command_message(m);
    default:
      return {};  // set chunk size / abort are applied by the decoder; others need nothing
  }
}

Result<void> ServerSession::on_data_message(const Message& m) {
  auto values = parse_data(m, options_.limits);
  if (!values) return values.error();
  if (const amf::Value* meta = find_metadata(*values)) {
    // As ExRTMP: on any stream, publishing or not (some encoders send it before publish).
    // Not before connect: the handler's contract starts with on_connect.
    if (state_ == State::connected) handler_.on_metadata(m.stream_id, *meta, m);
    return {};
  }
  handler_.on_data(m, *values);
  return {};
}

Result<void> ServerSession::on_command_message(const Message& m) {
  auto parsed = parse_command(m, options_.limits);
  if (!parsed) return parsed.error();
  const Command& c = *parsed;
  // Commands in the wrong state fail alone (an _error or onStatus, as FFmpeg and nginx-rtmp
  // answer them) and the connection stays open: the client may recover.
  if (c.name == "connect") {
    if (state_ != State::connecting) {
      refuse_call(c, "NetConnection.Connect.Rejected", "Already connected.");
      return {};
    }
    return handle_connect(c);
  }
  if (state_ != State::connected) {
    refuse(m, c, "'" + c.name + "' before connect.");
    return {};
  }

  if (c.name == "createStream") {
    if (streams_created_ >= kMaxStreams) {
      refuse_call(c, "NetConnection.Call.Failed",
                  "No more than " + std::to_string(kMaxStreams) + " streams per connection.");
      return {};
    }
    ++streams_created_;
    std::uint32_t id = next_stream_id_++;
    handler_.on_create_stream(id);
    send_result(c.transaction_id, amf::Value::null(), {amf::Value(static_cast<double>(id))});
    return {};
  }
  if (c.name == "publish") return handle_publish(m, c);
  if (c.name == "play") return handle_play(m, c);
  if (c.name == "deleteStream") {
    const amf::Value* id = c.arg(0);
    if (id && id->is_number()) {
      const auto sid = static_cast<std::uint32_t>(id->as_number());
      if (sid != 0 && sid < next_stream_id_) deleted_.insert(sid);
      handle_delete(sid);
    }
    return {};
  }
  if (c.name == "closeStream") {
    handle_delete(m.stream_id);
    return {};
  }
  if (c.name == "getStreamLength") {
    // Live streams have no length; FFmpeg expects a number here.
    if (c.transaction_id != 0) send_result(c.transaction_id, amf::Value::null(), {amf::Value(0.0)});
    return {};
  }
  if (c.name == "releaseStream" || c.name == "FCPublish" || c.name == "FCUnpublish" ||
      c.name == "_checkbw" || c.name == "checkBandwidth") {
    // Clients wait for nothing here, but some log a missing reply.
    if (c.transaction_id != 0)
      send_result(c.transaction_id, amf::Value::null(), {amf::Value::undefined()});
    return {};
  }
  if (c.name == "pause") {
    const amf::Value* flag = c.arg(0);
    const amf::Value* ms = c.arg(1);
    bool pause = flag && flag->is_boolean() && flag->as_bool();
    handler_.on_pause(m.stream_id, pause, ms && ms->is_number() ? ms->as_number() : 0);
    send_status(m.stream_id, "status",
                pause ? "NetStream.Pause.Notify" : "NetStream.Unpause.Notify",
                pause ? "Paused." : "Unpaused.");
    return {};
  }
  handler_.on_command(m.stream_id, c);
  return {};
}

Result<void> ServerSession::handle_connect(const Command& c) {
  if (!c.object.is_object()) return Error(errc::malformed, "connect: command object missing");
  connect_.command_object = c.object;
  connect_.args = c.args;
  connect_.app = string_prop(c.object, "app");
  connect_.tc_url = string_prop(c.object, "tcUrl");
  connect_.flash_ver = string_prop(c.object, "flashVer");
  connect_.swf_url = string_prop(c.object, "swfUrl");
  connect_.page_url = string_prop(c.object, "pageUrl");
  if (const amf::Value* enc = c.object.get("objectEncoding"); enc && enc->is_number())
    connect_.object_encoding = enc->as_number();
  static_cast<ConnectCaps&>(connect_) = parse_connect_caps(c.object);

  Decision d = handler_.on_connect(connect_);
  if (d.deferred) {
    pending_ = Pending{Pending::Kind::connect, c.transaction_id, {}, {}};
    return {};
  }
  finish_connect(c.transaction_id, d);
  return {};
}

void ServerSession::finish_connect(double txn, const Decision& d) {
  if (!d.accepted) {
    queue(make_command(
        0, "_error", txn, amf::Value::null(),
        {status_object("error", d.code.empty() ? "NetConnection.Connect.Rejected" : d.code,
                       d.description)}));
    state_ = State::closed;
    return;
  }
  queue(control::window_ack_size(options_.window_ack_size));
  queue(control::set_peer_bandwidth(options_.peer_bandwidth, 2));
  queue(control::set_chunk_size(options_.chunk_size));
  encoder_.set_chunk_size(options_.chunk_size);
  auto info = status_object("status", "NetConnection.Connect.Success", "Connection succeeded.");
  info.set("objectEncoding", amf::Value(connect_.object_encoding));
  auto props = amf::Value::object({{"fmsVer", amf::Value("FMS/3,0,1,123")},
                                   {"capabilities", amf::Value(31.0)},
                                   {"mode", amf::Value(1.0)}});
  // E-RTMP: "the server SHOULD state its support via attributes such as videoFourCcInfoMap,
  // capsEx" in the _result. Only to clients that spoke Enhanced RTMP themselves, so a
  // legacy client's exchange stays byte for byte what it always was.
  if (connect_.enhanced()) write_connect_caps(props, options_.enhanced_caps);
  send_result(txn, props, {info});
  state_ = State::connected;
  connect_.command_object = amf::Value();
  std::vector<amf::Value>().swap(connect_.args);
}

Result<void> ServerSession::handle_publish(const Message& m, const Command& c) {
  std::uint32_t sid = m.stream_id;
  if (auto why = stream_unusable(sid); !why.empty()) {
    refuse(m, c, why);
    return {};
  }
  const amf::Value* name = c.arg(0);
  if (!name || !name->is_string()) return Error(errc::malformed, "publish: stream name missing");
  PublishInfo info;
  info.stream_id = sid;
  info.key = std::string(name->as_string());
  const amf::Value* type = c.arg(1);
  info.type = type && type->is_string() ? std::string(type->as_string()) : "live";

  Decision d = handler_.on_publish(info);
  if (d.deferred) {
    pending_ = Pending{Pending::Kind::publish, 0, info, {}};
    return {};
  }
  finish_publish(info, d);
  return {};
}

void ServerSession::finish_publish(const PublishInfo& info, const Decision& d) {
  std::uint32_t sid = info.stream_id;
  if (!d.accepted) {
    send_status(sid, "error", d.code.empty() ? "NetStream.Publish.BadName" : d.code, d.description);
    return;
  }
  publishing_[sid] = info;
  queue(control::user_control({control::UserEvent::stream_begin, sid, 0}));
  send_status(sid, "status", "NetStream.Publish.Start", info.key + " is now published.");
}

Result<void> ServerSession::handle_play(const Message& m, const Command& c) {
  std::uint32_t sid = m.stream_id;
  if (auto why = stream_unusable(sid); !why.empty()) {
    refuse(m, c, why);
    return {};
  }
  const amf::Value* name = c.arg(0);
  if (!name || !name->is_string()) return Error(errc::malformed, "play: stream name missing");
  PlayInfo info;
  info.stream_id = sid;
  info.name = std::string(name->as_string());
  if (const amf::Value* v = c.arg(1); v && v->is_number()) info.start = v->as_number();
  if (const amf::Value* v = c.arg(2); v && v->is_number()) info.duration = v->as_number();
  if (const amf::Value* v = c.arg(3); v && v->is_boolean()) info.reset = v->as_bool();

  Decision d = handler_.on_play(info);
  if (d.deferred) {
    pending_ = Pending{Pending::Kind::play, 0, {}, info};
    return {};
  }
  finish_play(info, d);
  return {};
}

void ServerSession::finish_play(const PlayInfo& info, const Decision& d) {
  std::uint32_t sid = info.stream_id;
  if (!d.accepted) {
    send_status(sid, "error", d.code.empty() ? "NetStream.Play.StreamNotFound" : d.code,
                d.description);
    return;
  }
  playing_[sid] = info;
  queue(control::user_control({control::UserEvent::stream_begin, sid, 0}));
  if (info.reset)
    send_status(sid, "status", "NetStream.Play.Reset", "Playing and resetting " + info.name + ".");
  send_status(sid, "status", "NetStream.Play.Start", "Started playing " + info.name + ".");
  queue(make_data(sid, {amf::Value("|RtmpSampleAccess"), amf::Value(true), amf::Value(true)}));
}

void ServerSession::handle_delete(std::uint32_t stream_id) {
  bool known = publishing_.erase(stream_id) + playing_.erase(stream_id) > 0;
  if (!known) return;
  if (!handler_.on_delete_stream(stream_id)) state_ = State::closed;
}

}  // namespace rtmp
