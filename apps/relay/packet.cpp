#include "relay/packet.hpp"

#include "rtmp/core/chunk.hpp"

namespace rtmp::relay {

namespace {
SharedBytes encode(const Message& m, std::uint32_t chunk_size, std::uint32_t stream_id) {
  Message h = m;
  h.stream_id = stream_id;
  // Exact size: one buffer, no growth (12-byte first header, 1-byte type 3 headers, plus
  // the 4-byte extended timestamp on each chunk when the timestamp needs it).
  std::size_t chunks = m.size() == 0 ? 1 : (m.size() + chunk_size - 1) / chunk_size;
  std::size_t ext = m.timestamp >= 0xFFFFFF ? 4 : 0;
  Bytes out;
  out.reserve(m.size() + 12 + ext + (chunks - 1) * (1 + ext) + 8);
  ChunkEncoder::encode_standalone(h, chunk_size, out);
  return make_shared_bytes(std::move(out));
}
}  // namespace

const SharedBytes& Packet::wire(std::uint32_t chunk_size, std::uint32_t stream_id) {
  for (auto& w : wires_) {
    if (w.bytes && w.chunk_size == chunk_size && w.stream_id == stream_id) return w.bytes;
  }
  ++encodings_;
  for (auto& w : wires_) {
    if (!w.bytes) {
      w = {chunk_size, stream_id, encode(msg_, chunk_size, stream_id)};
      return w.bytes;
    }
  }
  spill_ = encode(msg_, chunk_size, stream_id);
  return spill_;
}

}  // namespace rtmp::relay
