// publish_file: publishes an FLV file to an RTMP server with rtmp::BlockingClient, paced by
// the tags' timestamps (as `ffmpeg -re` does).
//
//   publish_file IN.flv rtmp://127.0.0.1/live/key
#include <rtmp/client.hpp>
#include <rtmp/core/command.hpp>
#include <rtmp/media/flv_file.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

namespace {

int fail(const char* what, const rtmp::Error& e) {
  std::fprintf(stderr, "publish_file: %s: %s\n", what, e.message().c_str());
  return 1;
}

// Sends one tag. The client's queue is bounded: on output_full, wait for it to drain.
rtmp::Result<void> send_tag(rtmp::BlockingClient& client, const rtmp::Message& tag) {
  for (;;) {
    rtmp::Result<void> sent;
    if (tag.type == rtmp::msg::data_amf0) {
      // FLV keeps onMetaData; servers expect it as @setDataFrame, which send_metadata adds.
      auto values = rtmp::parse_data(tag);
      const auto* meta = values ? rtmp::find_metadata(*values) : nullptr;
      if (!meta) return {};
      sent = client.send_metadata(*meta);
    } else {
      sent = client.send_message(tag);  // audio/video as in the file, stream id = ours
    }
    if (sent || sent.error().code != rtmp::errc::output_full) return sent;
    if (auto r = client.drain(1024 * 1024); !r) return r;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: publish_file IN.flv rtmp://HOST[:PORT]/APP/KEY\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  rtmp::Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rtmp::FlvReaderOptions reader_options;
  reader_options.stream_id = 0;  // 0 = the stream we publish
  rtmp::FlvReader reader(reader_options);
  std::vector<rtmp::Message> tags;
  if (auto r = reader.feed(file, tags); !r) return fail(argv[1], r.error());
  if (auto r = reader.finish(); !r) return fail(argv[1], r.error());

  rtmp::BlockingClient client;
  if (auto r = client.connect(argv[2]); !r) return fail("connect", r.error());
  if (auto r = client.publish(); !r) return fail("publish", r.error());

  const auto start = std::chrono::steady_clock::now();
  const std::uint32_t first_ts = tags.empty() ? 0 : tags.front().timestamp;
  for (auto& tag : tags) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(tag.timestamp - first_ts));
    if (auto r = send_tag(client, tag); !r) return fail("send", r.error());
  }
  if (auto r = client.drain(); !r) return fail("drain", r.error());
  client.close();  // FCUnpublish + deleteStream, then close
  std::printf("{\"event\":\"published\",\"tags\":%zu}\n", tags.size());
}
