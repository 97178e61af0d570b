// The relay's stats in nginx-rtmp's /stat XML format, so tools written for nginx-rtmp (NOALBS,
// stat.xsl pages, monitoring scripts) read rtmp-server unchanged.
//
//   <rtmp> <nginx_version/> ... <uptime/> <naccepted/> <bw_in/> <bytes_in/> <bw_out/> <bytes_out/>
//     <server> <application> <name>APP</name> <live>
//       <stream> <name>KEY</name> <time>ms</time> <bw_in/> <bytes_in/> <bw_out/> <bytes_out/>
//         <bw_audio/> <bw_video/>
//         <client> <id/> <address/> <port/> <time>ms</time> <dropped/> <avsync/> <timestamp/>
//           [<publishing/>] [<active/>] </client> ...
//         <meta> <video> <width/> <height/> <frame_rate/> <codec/> [<profile/>] [<compat/>]
//           [<level/>] </video> <audio> [<codec/>] [<profile/>] [<channels/>] [<sample_rate/>]
//           </audio> </meta>
//         <nclients/> [<publishing/>] [<active/>] </stream> ...
//       <nclients/> </live> </application> ... </server> </rtmp>
//
// Units as nginx-rtmp: bw_* in bits per second (integers), bytes_* in bytes, time in ms,
// uptime in seconds. Codec names are nginx-rtmp's ("H264", "AAC", ...). nclients counts the
// publisher with the players, as nginx-rtmp does. Stream and app names are XML-escaped;
// bytes XML 1.0 cannot carry (control characters, broken UTF-8) become '?'.
#pragma once

#include "relay/stats.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::relay {

struct StatXmlInfo {
  std::string server_version;  // goes in <nginx_version> and <nginx_rtmp_version>
  std::uint64_t pid = 0;
  std::uint64_t uptime_s = 0;
  std::uint64_t naccepted = 0;  // nginx: connections accepted; rtmp-server: RTMP ones open now
  std::string stylesheet;       // href of an <?xml-stylesheet?>; empty: none
};

std::string to_stat_xml(const std::vector<StreamStats>& streams, const StatXmlInfo& info);

// Text made safe for XML 1.0 element content and attribute values.
std::string xml_escape(std::string_view text);
// nginx-rtmp's codec names: "h264" -> "H264", "aac" -> "AAC", "h265" -> "HEVC", ...
std::string nginx_codec_name(std::string_view codec);

}  // namespace rtmp::relay
