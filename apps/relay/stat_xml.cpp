#include "relay/stat_xml.hpp"

#include "relay/stats_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace rtmp::relay {

namespace {

// Length of the valid UTF-8 sequence at s[i] (0: not valid there).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t n = c < 0x80         ? 1
                        : (c >> 5) == 6  ? 2
                        : (c >> 4) == 14 ? 3
                        : (c >> 3) == 30 ? 4
                                         : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return 0;
  return n;
}

std::uint64_t bps(double bits_per_second) {
  return bits_per_second > 0 ? static_cast<std::uint64_t>(std::llround(bits_per_second)) : 0;
}

std::uint64_t ms(double seconds) {
  return seconds > 0 ? static_cast<std::uint64_t>(std::llround(seconds * 1000)) : 0;
}

void element(std::string& out, std::string_view name, std::string_view value) {
  out += fmt::format("<{}>{}</{}>", name, xml_escape(value), name);
}

template <typename T>
void number(std::string& out, std::string_view name, T value) {
  out += fmt::format("<{}>{}</{}>", name, value, name);
}

void client(std::string& out, std::uint64_t id, std::string_view remote, double connected_s,
            std::uint64_t dropped, const std::string& avsync, std::uint32_t timestamp,
            bool publishing, bool active) {
  const auto [host, port] = split_remote(remote);
  out += "<client>";
  number(out, "id", id);
  element(out, "address", host);
  element(out, "port", port);
  number(out, "time", ms(connected_s));
  number(out, "dropped", dropped);
  element(out, "avsync", avsync);
  number(out, "timestamp", timestamp);
  if (publishing) out += "<publishing/>";
  if (active) out += "<active/>";
  out += "</client>\r\n";
}

void meta(std::string& out, const StreamStats& s) {
  const MediaStats& m = s.media;
  out += "<meta><video>";
  number(out, "width", s.width);
  number(out, "height", s.height);
  // The measured rate when onMetaData named none, rounded as nginx-rtmp's integer.
  const double fps = m.meta_frame_rate > 0 ? m.meta_frame_rate : s.fps;
  out += fmt::format("<frame_rate>{:.3f}</frame_rate>", fps);
  element(out, "codec", nginx_codec_name(s.video_codec));
  if (!m.video_profile.empty()) element(out, "profile", m.video_profile);
  if (m.video_level > 0) {
    number(out, "compat", m.video_compat);
    out += fmt::format("<level>{:.1f}</level>", m.video_level);
  }
  out += "</video><audio>";
  if (!s.audio_codec.empty()) element(out, "codec", nginx_codec_name(s.audio_codec));
  if (!m.audio_profile.empty()) element(out, "profile", m.audio_profile);
  if (s.audio_channels) number(out, "channels", s.audio_channels);
  if (s.audio_sample_rate) number(out, "sample_rate", s.audio_sample_rate);
  out += "</audio></meta>\r\n";
}

// The publisher and the players, without the relay's own (HLS output, pushes): nginx-rtmp
// counts every session of the stream, and those are not sessions.
std::size_t clients_of(const StreamStats& s) {
  std::size_t n = s.live ? 1 : 0;
  for (const auto& p : s.player_list)
    if (player_protocol(p.remote) != "internal") ++n;
  return n;
}

void stream(std::string& out, const StreamStats& s) {
  out += "<stream>\r\n";
  element(out, "name", s.key);
  number(out, "time", ms(s.uptime_s));
  number(out, "bw_in", bps(s.bitrate_in_kbps * 1000));
  number(out, "bytes_in", s.bytes_in);
  number(out, "bw_out", bps(s.bitrate_out_kbps * 1000));
  number(out, "bytes_out", s.bytes_out);
  number(out, "bw_audio", bps(s.media.audio_bps));
  number(out, "bw_video", bps(s.media.video_bps));
  out += "\r\n";
  const std::string avsync =
      s.media.has_audio && s.media.has_video ? std::to_string(s.media.avsync_ms) : "";
  if (s.live)
    client(out, s.publisher_session, s.publisher_remote, s.uptime_s, 0, avsync,
           s.media.last_timestamp, true, true);
  for (const auto& p : s.player_list)
    if (player_protocol(p.remote) != "internal")
      client(out, p.session_id, p.remote, p.connected_s, p.frames_dropped, "",
             s.media.last_timestamp, false, !p.waiting);
  if (s.live) meta(out, s);
  number(out, "nclients", clients_of(s));
  out += "\r\n";
  if (s.live) out += "<publishing/>\r\n<active/>\r\n";
  out += "</stream>\r\n";
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    const std::size_t n = utf8_length(text, i);
    if (n == 0 || (u < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
      out += '?';
      ++i;
      continue;
    }
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else if (c == '\'')
      out += "&apos;";
    else
      out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string nginx_codec_name(std::string_view codec) {
  static const std::map<std::string_view, std::string_view> names{
      {"h264", "H264"}, {"h265", "HEVC"}, {"av1", "AV1"},   {"vp9", "VP9"},
      {"vp8", "VP8"},   {"aac", "AAC"},   {"mp3", "MP3"},   {"opus", "Opus"},
      {"flac", "FLAC"}, {"ac3", "AC3"},   {"eac3", "EAC3"}, {"pcm", "Uncompressed"},
  };
  auto it = names.find(codec);
  return it == names.end() ? std::string(codec) : std::string(it->second);
}

std::string to_stat_xml(const std::vector<StreamStats>& streams, const StatXmlInfo& info) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n";
  if (!info.stylesheet.empty())
    out += "<?xml-stylesheet type=\"text/xsl\" href=\"" + xml_escape(info.stylesheet) + "\" ?>\r\n";
  out += "<rtmp>\r\n";
  element(out, "nginx_version", info.server_version);
  element(out, "nginx_rtmp_version", info.server_version);
  element(out, "compiler", "");
  element(out, "built", "");
  number(out, "pid", info.pid);
  number(out, "uptime", info.uptime_s);
  number(out, "naccepted", info.naccepted);
  double bw_in = 0, bw_out = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::map<std::string, std::vector<const StreamStats*>> apps;
  for (const auto& s : streams) {
    bw_in += s.bitrate_in_kbps * 1000;
    bw_out += s.bitrate_out_kbps * 1000;
    bytes_in += s.bytes_in;
    bytes_out += s.bytes_out;
    apps[s.app].push_back(&s);
  }
  number(out, "bw_in", bps(bw_in));
  number(out, "bytes_in", bytes_in);
  number(out, "bw_out", bps(bw_out));
  number(out, "bytes_out", bytes_out);
  out += "\r\n<server>\r\n";
  for (const auto& [app, list] : apps) {
    out += "<application>\r\n";
    element(out, "name", app);
    out += "\r\n<live>\r\n";
    std::size_t nclients = 0;
    for (const StreamStats* s : list) {
      stream(out, *s);
      nclients += clients_of(*s);
    }
    number(out, "nclients", nclients);
    out += "\r\n</live>\r\n</application>\r\n";
  }
  out += "</server>\r\n</rtmp>\r\n";
  return out;
}

}  // namespace rtmp::relay
