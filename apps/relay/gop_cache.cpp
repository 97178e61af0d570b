#include "relay/gop_cache.hpp"

namespace rtmp::relay {

void GopCache::add(const PacketPtr& p) {
  const FrameInfo info = p->info();
  const std::uint8_t type = p->message().type;
  if (type == msg::video) has_video_ = true;
  if (info.is_config()) {
    for (auto& c : configs_) {
      if (c.type == type && c.track == info.track) {
        c.packet = p;
        return;
      }
    }
    configs_.push_back({type, info.track, p});
    return;
  }
  // A GOP starts at a keyframe of the default track (0): a multitrack publisher sends each
  // track's keyframe as its own message, and one-track and legacy players get track 0 only,
  // so a GOP starting at another track's keyframe would give them no keyframe at all.
  if (info.kind == FrameKind::video_key && info.track == 0) {
    gop_.clear();
    gop_bytes_ = 0;
    if (!limits_.enabled) return;
  } else if (gop_.empty() || info.kind == FrameKind::data) {
    // Nothing before the first keyframe is useful; data messages (captions, cue points) are
    // moments, not state.
    return;
  } else {
    std::uint32_t span = p->timestamp() - gop_.front()->timestamp();  // wraps like RTMP time
    bool too_long = span < 0x80000000u && span > limits_.max_ms;
    if (gop_bytes_ + p->payload_size() > limits_.max_bytes || too_long) {
      // Too long a GOP to replay: forget it; joiners wait for the next keyframe.
      gop_.clear();
      gop_bytes_ = 0;
      return;
    }
  }
  gop_.push_back(p);
  gop_bytes_ += p->payload_size();
}

void GopCache::clear() {
  metadata_.reset();
  configs_.clear();
  gop_.clear();
  gop_bytes_ = 0;
  has_video_ = false;
}

void GopCache::start_packets(std::vector<PacketPtr>& out) const {
  if (metadata_) out.push_back(metadata_);
  for (const auto& c : configs_) out.push_back(c.packet);
  out.insert(out.end(), gop_.begin(), gop_.end());
}

}  // namespace rtmp::relay
