#include "relay/http_metrics.hpp"

#include <fmt/format.h>

#include <functional>

namespace rtmp::relay {

std::string prometheus_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

namespace {

struct Metric {
  const char* name;
  const char* type;  // gauge or counter
  const char* help;
  std::function<double(const StreamStats&)> value;
};

}  // namespace

std::string to_prometheus(const std::vector<StreamStats>& streams, std::size_t connections) {
  std::string out;
  out += "# HELP rtmp_connections RTMP connections open now.\n# TYPE rtmp_connections gauge\n";
  out += fmt::format("rtmp_connections {}\n", connections);
  out += "# HELP rtmp_streams Streams known to the relay (live or with waiting players).\n";
  out += "# TYPE rtmp_streams gauge\n";
  out += fmt::format("rtmp_streams {}\n", streams.size());

  static const Metric metrics[] = {
      {"rtmp_stream_live", "gauge", "1 while a publisher is on.",
       [](const StreamStats& s) { return s.live ? 1.0 : 0.0; }},
      {"rtmp_stream_uptime_seconds", "gauge", "Seconds since the current publish started.",
       [](const StreamStats& s) { return s.uptime_s; }},
      {"rtmp_stream_players", "gauge", "Players now.",
       [](const StreamStats& s) { return double(s.players); }},
      {"rtmp_stream_fps", "gauge", "Video frames per second received (last second).",
       [](const StreamStats& s) { return s.fps; }},
      {"rtmp_stream_bitrate_in_bits_per_second", "gauge", "Bitrate received (last second).",
       [](const StreamStats& s) { return s.bitrate_in_kbps * 1000; }},
      {"rtmp_stream_bitrate_out_bits_per_second", "gauge",
       "Bitrate queued to all players (last second).",
       [](const StreamStats& s) { return s.bitrate_out_kbps * 1000; }},
      {"rtmp_stream_width", "gauge", "Video width (onMetaData).",
       [](const StreamStats& s) { return double(s.width); }},
      {"rtmp_stream_height", "gauge", "Video height (onMetaData).",
       [](const StreamStats& s) { return double(s.height); }},
      {"rtmp_stream_received_bytes_total", "counter", "Bytes received from publishers.",
       [](const StreamStats& s) { return double(s.bytes_in); }},
      {"rtmp_stream_sent_bytes_total", "counter", "Bytes queued to players.",
       [](const StreamStats& s) { return double(s.bytes_out); }},
      {"rtmp_stream_video_frames_total", "counter", "Video frames received.",
       [](const StreamStats& s) { return double(s.video_frames_in); }},
      {"rtmp_stream_audio_frames_total", "counter", "Audio frames received.",
       [](const StreamStats& s) { return double(s.audio_frames_in); }},
      {"rtmp_stream_dropped_frames_total", "counter",
       "Frames skipped for players that fell behind.",
       [](const StreamStats& s) { return double(s.frames_dropped); }},
      {"rtmp_stream_slow_player_disconnects_total", "counter",
       "Players disconnected for staying too far behind.",
       [](const StreamStats& s) { return double(s.players_dropped_slow); }},
      {"rtmp_stream_players_joined_total", "counter", "Players that ever joined.",
       [](const StreamStats& s) { return double(s.players_total); }},
  };
  std::vector<std::string> labels;
  labels.reserve(streams.size());
  for (const auto& s : streams)
    labels.push_back(
        fmt::format("app=\"{}\",key=\"{}\"", prometheus_label(s.app), prometheus_label(s.key)));
  // Codec names as labels of an info gauge (always 1), the Prometheus idiom for strings.
  out += "# HELP rtmp_stream_info Codecs of the stream (value always 1).\n";
  out += "# TYPE rtmp_stream_info gauge\n";
  for (std::size_t i = 0; i < streams.size(); ++i)
    out += fmt::format("rtmp_stream_info{{{},video_codec=\"{}\",audio_codec=\"{}\"}} 1\n",
                       labels[i], prometheus_label(streams[i].video_codec),
                       prometheus_label(streams[i].audio_codec));
  for (const auto& m : metrics) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", m.name, m.help, m.name, m.type);
    for (std::size_t i = 0; i < streams.size(); ++i)
      out += fmt::format("{}{{{}}} {}\n", m.name, labels[i], m.value(streams[i]));
  }
  return out;
}

}  // namespace rtmp::relay
