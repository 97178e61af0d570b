#include "media/mp4_reader.hpp"

#include <algorithm>
#include <cstring>

namespace rtmp {
namespace {

// A bounded big-endian cursor with a sticky failure flag: the box parsers read a run of
// fields and check once.
struct Cursor {
  ByteView d;
  std::size_t pos = 0;
  bool bad = false;

  std::size_t left() const { return pos <= d.size() ? d.size() - pos : 0; }
  bool take(std::size_t n) {
    if (bad || left() < n) {
      bad = true;
      return false;
    }
    pos += n;
    return true;
  }
  std::uint64_t be(std::size_t n) {
    std::size_t at = pos;
    if (!take(n)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | d[at + i];
    return v;
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(be(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(be(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(be(4)); }
  std::uint64_t u64() { return be(8); }
  ByteView bytes(std::size_t n) {
    std::size_t at = pos;
    if (!take(n)) return {};
    return d.subspan(at, n);
  }
  ByteView rest() { return bytes(left()); }
};

struct Box {
  std::string type;
  ByteView body;  // after the header
};

// The boxes directly inside `in` (ISO/IEC 14496-12 §4.2: size 1 = 64-bit largesize,
// size 0 = to the end).
Result<std::vector<Box>> children(ByteView in, const char* where) {
  std::vector<Box> out;
  Cursor c{in};
  while (c.left() > 0) {
    if (c.left() < 8)
      return Error(errc::truncated, std::string(where) + ": " + std::to_string(c.left()) +
                                        " trailing bytes, not a box header");
    std::size_t start = c.pos;
    std::uint64_t size = c.u32();
    ByteView type = c.bytes(4);
    if (size == 1) size = c.u64();
    if (size == 0) size = in.size() - start;
    std::size_t header = c.pos - start;
    if (c.bad || size < header || size > in.size() - start)
      return Error(errc::malformed, std::string(where) + ": box at offset " +
                                        std::to_string(start) + " of size " + std::to_string(size) +
                                        " overruns its parent");
    out.push_back({std::string(reinterpret_cast<const char*>(type.data()), 4),
                   in.subspan(c.pos, static_cast<std::size_t>(size) - header)});
    c.pos = start + static_cast<std::size_t>(size);
  }
  return out;
}

const Box* find(const std::vector<Box>& boxes, std::string_view type) {
  for (const auto& b : boxes)
    if (b.type == type) return &b;
  return nullptr;
}

Error bad(const Mp4Track& t, std::string what) {
  return Error(errc::malformed, "track " + std::to_string(t.id) + ": " + std::move(what));
}

// esds (ISO/IEC 14496-1 §7.2.6): ES_Descriptor → DecoderConfigDescriptor (objectType) →
// DecoderSpecificInfo. Descriptor sizes use the expandable 7-bit form.
void read_esds(ByteView body, Mp4Track& t) {
  Cursor c{body};
  c.take(4);  // version + flags
  auto descriptor = [&](std::uint8_t& tag) -> std::size_t {
    tag = c.u8();
    std::size_t size = 0;
    for (int i = 0; i < 4; ++i) {
      std::uint8_t b = c.u8();
      size = size << 7 | (b & 0x7F);
      if (!(b & 0x80)) break;
    }
    return size;
  };
  std::uint8_t tag = 0;
  descriptor(tag);
  if (tag != 3) return;
  c.take(2);  // ES_ID
  std::uint8_t flags = c.u8();
  if (flags & 0x80) c.take(2);       // dependsOn_ES_ID
  if (flags & 0x40) c.take(c.u8());  // URL
  if (flags & 0x20) c.take(2);       // OCR_ES_Id
  descriptor(tag);
  if (tag != 4) return;
  t.object_type = c.u8();
  c.take(12);  // streamType.., bufferSizeDB, maxBitrate, avgBitrate
  std::size_t size = descriptor(tag);
  if (tag != 5 || c.bad) return;
  t.config = c.bytes(std::min(size, c.left()));
}

Result<void> read_sample_entry(ByteView stsd, Mp4Track& t) {
  Cursor c{stsd};
  c.take(4);  // version + flags
  std::uint32_t count = c.u32();
  if (c.bad || count == 0) return bad(t, "stsd has no sample entry");
  if (count > 1)
    return Error(errc::unsupported, "track " + std::to_string(t.id) + ": " + std::to_string(count) +
                                        " sample descriptions (only one supported)");
  auto entries = children(c.rest(), "stsd");
  if (!entries) return entries.error();
  if (entries->empty()) return bad(t, "stsd has no sample entry");
  const Box& e = entries->front();
  t.entry = e.type;
  Cursor s{e.body};
  s.take(8);  // reserved + data_reference_index
  if (t.video) {
    // VisualSampleEntry (§12.1.3)
    s.take(16);
    t.width = s.u16();
    t.height = s.u16();
    s.take(50);
  } else {
    // AudioSampleEntry (§12.2.3); QuickTime versions 1 and 2 carry more fields.
    std::uint16_t version = s.u16();
    s.take(6);
    t.channels = s.u16();
    s.take(6);
    t.sample_rate = s.u32() >> 16;
    if (version == 1) s.take(16);
    if (version == 2) s.take(36);
  }
  if (s.bad) return bad(t, "sample entry '" + t.entry + "' truncated");
  auto boxes = children(s.rest(), "sample entry");
  if (!boxes) return boxes.error();
  for (const auto& b : *boxes) {
    if (b.type == "avcC" || b.type == "hvcC" || b.type == "av1C" || b.type == "dOps" ||
        b.type == "dac3" || b.type == "dec3") {
      t.config = b.body;
    } else if (b.type == "vpcC" || b.type == "dfLa") {
      t.config = b.body;  // full boxes: kept with version + flags (see Mp4Track::config)
    } else if (b.type == "esds") {
      read_esds(b.body, t);
    } else if (b.type == "colr" && b.body.size() >= 11 &&
               std::memcmp(b.body.data(), "nclx", 4) == 0) {
      Cursor k{b.body};
      k.take(4);
      Mp4Colour col;
      col.primaries = k.u16();
      col.transfer = k.u16();
      col.matrix = k.u16();
      col.full_range = (k.u8() & 0x80) != 0;
      t.colour = col;
    }
  }
  // AC-3 / E-AC-3 sample entries say 2 channels; the real layout is in dac3 / dec3
  // (ETSI TS 102 366 F.4, F.6): acmod and lfeon of the (first independent) stream.
  if ((t.entry == "ac-3" && t.config.size() >= 3) || (t.entry == "ec-3" && t.config.size() >= 5)) {
    const std::uint32_t bits =
        t.entry == "ac-3" ? std::uint32_t(t.config[0]) << 16 | t.config[1] << 8 | t.config[2]
                          : std::uint32_t(t.config[2]) << 16 | t.config[3] << 8 | t.config[4];
    // dac3: fscod(2) bsid(5) bsmod(3) acmod(3) lfeon(1); dec3 substream: fscod(2) bsid(5)
    // reserved(1) asvc(1) bsmod(3) acmod(3) lfeon(1).
    const int shift = t.entry == "ac-3" ? 11 : 9;
    static constexpr std::uint16_t kChannels[8] = {2, 1, 2, 3, 3, 4, 4, 5};
    t.channels =
        static_cast<std::uint16_t>(kChannels[(bits >> shift) & 7] + ((bits >> (shift - 1)) & 1));
  }
  return {};
}

// stbl → samples (§8.6, §8.7): sizes, chunk offsets, decode times, composition offsets,
// sync samples.
Result<void> read_samples(const std::vector<Box>& stbl, Mp4Track& t, std::size_t file_size) {
  const Box* stsz = find(stbl, "stsz");
  const Box* stts = find(stbl, "stts");
  const Box* stsc = find(stbl, "stsc");
  const Box* stco = find(stbl, "stco");
  const Box* co64 = find(stbl, "co64");
  if (find(stbl, "stz2"))
    return Error(errc::unsupported, "track " + std::to_string(t.id) + ": stz2");
  if (!stsz || !stts || !stsc || (!stco && !co64))
    return bad(t, "sample table lacks stsz, stts, stsc or stco/co64");

  Cursor sz{stsz->body};
  sz.take(4);
  std::uint32_t fixed = sz.u32();
  std::uint32_t n = sz.u32();
  if (sz.bad || (fixed == 0 && sz.left() / 4 < n)) return bad(t, "stsz truncated");
  // Every sample lies in the file: checked here before allocating for n of them.
  if (fixed != 0 && n > file_size / fixed)
    return bad(t, "stsz: " + std::to_string(n) + " samples of " + std::to_string(fixed) +
                      " bytes exceed the file");
  t.samples.resize(n);
  for (auto& s : t.samples) s.size = fixed ? fixed : sz.u32();

  // Chunk offsets, then samples per chunk from stsc runs.
  std::vector<std::uint64_t> chunks;
  Cursor co{stco ? stco->body : co64->body};
  co.take(4);
  std::uint32_t nchunks = co.u32();
  if (co.bad || co.left() / (stco ? 4 : 8) < nchunks) return bad(t, "stco/co64 truncated");
  chunks.resize(nchunks);
  for (auto& o : chunks) o = stco ? co.u32() : co.u64();

  Cursor sc{stsc->body};
  sc.take(4);
  std::uint32_t runs = sc.u32();
  if (sc.bad || sc.left() / 12 < runs) return bad(t, "stsc truncated");
  struct Run {
    std::uint32_t first, per_chunk;
  };
  std::vector<Run> rv(runs);
  for (auto& r : rv) {
    r.first = sc.u32();
    r.per_chunk = sc.u32();
    sc.take(4);
  }
  std::size_t sample = 0;
  for (std::size_t r = 0; r < rv.size(); ++r) {
    if (rv[r].first == 0 || rv[r].first > nchunks) return bad(t, "stsc first_chunk out of range");
    // The next run's start bounds this one; a bad next start is reported on its own turn.
    std::size_t end = r + 1 < rv.size() && rv[r + 1].first >= 1
                          ? std::min<std::size_t>(rv[r + 1].first - 1, nchunks)
                          : nchunks;
    if (end < rv[r].first - 1) return bad(t, "stsc runs out of order");
    for (std::size_t ch = rv[r].first - 1; ch < end; ++ch) {
      std::uint64_t off = chunks[ch];
      for (std::uint32_t i = 0; i < rv[r].per_chunk && sample < n; ++i, ++sample) {
        t.samples[sample].offset = off;
        off += t.samples[sample].size;
      }
    }
  }
  if (sample != n)
    return bad(t,
               "stsc/stco map " + std::to_string(sample) + " of " + std::to_string(n) + " samples");
  for (std::size_t i = 0; i < n; ++i)
    if (t.samples[i].offset > file_size || t.samples[i].size > file_size - t.samples[i].offset)
      return bad(t, "sample " + std::to_string(i) + " lies outside the file");

  Cursor ts{stts->body};
  ts.take(4);
  std::uint32_t entries = ts.u32();
  if (ts.bad || ts.left() / 8 < entries) return bad(t, "stts truncated");
  std::int64_t dts = 0;
  sample = 0;
  for (std::uint32_t e = 0; e < entries; ++e) {
    std::uint32_t count = ts.u32(), delta = ts.u32();
    for (std::uint32_t i = 0; i < count && sample < n; ++i, ++sample) {
      t.samples[sample].dts = dts;
      dts += delta;
    }
  }
  if (sample != n)
    return bad(t,
               "stts covers " + std::to_string(sample) + " of " + std::to_string(n) + " samples");
  for (auto& s : t.samples) s.pts = s.dts;

  if (const Box* ctts = find(stbl, "ctts")) {
    // Version 0 offsets are unsigned on paper; FFmpeg reads both versions as signed.
    Cursor ct{ctts->body};
    ct.take(4);
    std::uint32_t m = ct.u32();
    if (ct.bad || ct.left() / 8 < m) return bad(t, "ctts truncated");
    sample = 0;
    for (std::uint32_t e = 0; e < m; ++e) {
      std::uint32_t count = ct.u32();
      auto offset = static_cast<std::int32_t>(ct.u32());
      for (std::uint32_t i = 0; i < count && sample < n; ++i, ++sample)
        t.samples[sample].pts = t.samples[sample].dts + offset;
    }
  }
  if (const Box* stss = find(stbl, "stss")) {
    Cursor ss{stss->body};
    ss.take(4);
    std::uint32_t m = ss.u32();
    if (ss.bad || ss.left() / 4 < m) return bad(t, "stss truncated");
    for (std::uint32_t e = 0; e < m; ++e) {
      std::uint32_t k = ss.u32();
      if (k >= 1 && k <= n) t.samples[k - 1].sync = true;
    }
  } else {
    for (auto& s : t.samples) s.sync = true;
  }
  return {};
}

// elst (§8.6.6): leading empty edits delay the track; the first media edit's media_time is
// subtracted, as FFmpeg's mov demuxer presents the samples (all kept, the first ones with
// negative times).
Result<void> apply_edits(const Box* edts, Mp4Track& t, std::uint32_t movie_timescale) {
  if (!edts) return {};
  auto inner = children(edts->body, "edts");
  if (!inner) return inner.error();
  const Box* elst = find(*inner, "elst");
  if (!elst) return {};
  Cursor c{elst->body};
  std::uint8_t version = c.u8();
  c.take(3);
  std::uint32_t n = c.u32();
  std::int64_t delay = 0, shift = 0;
  int media_edits = 0;
  for (std::uint32_t i = 0; i < n && !c.bad; ++i) {
    std::uint64_t duration = version == 1 ? c.u64() : c.u32();
    std::int64_t media_time =
        version == 1 ? static_cast<std::int64_t>(c.u64()) : static_cast<std::int32_t>(c.u32());
    c.take(4);  // media_rate
    if (media_time == -1) {
      if (media_edits == 0 && movie_timescale)
        delay += static_cast<std::int64_t>(duration * t.timescale / movie_timescale);
      continue;
    }
    if (++media_edits == 1) shift = media_time;
  }
  if (c.bad) return bad(t, "elst truncated");
  if (media_edits > 1)
    return Error(errc::unsupported, "track " + std::to_string(t.id) + ": edit list with " +
                                        std::to_string(media_edits) + " media segments");
  for (auto& s : t.samples) {
    s.dts += delay - shift;
    s.pts += delay - shift;
  }
  return {};
}

}  // namespace

Result<Mp4File> read_mp4(const SharedBytes& file) {
  Mp4File out;
  out.data = file;
  ByteView all(*file);
  auto top = children(all, "file");
  if (!top) return top.error();
  const Box* moov = find(*top, "moov");
  if (!moov) return Error(errc::malformed, "no moov box (not an MP4 file?)");
  auto mv = children(moov->body, "moov");
  if (!mv) return mv.error();
  if (find(*mv, "mvex")) return Error(errc::unsupported, "fragmented MP4 (mvex)");
  if (const Box* mvhd = find(*mv, "mvhd")) {
    Cursor c{mvhd->body};
    std::uint8_t version = c.u8();
    c.take(3 + (version == 1 ? 16 : 8));
    out.movie_timescale = c.u32();
  }
  for (const auto& trak : *mv) {
    if (trak.type != "trak") continue;
    auto tb = children(trak.body, "trak");
    if (!tb) return tb.error();
    Mp4Track t;
    if (const Box* tkhd = find(*tb, "tkhd")) {
      Cursor c{tkhd->body};
      std::uint8_t version = c.u8();
      c.take(3 + (version == 1 ? 16 : 8));
      t.id = c.u32();
    }
    const Box* mdia = find(*tb, "mdia");
    if (!mdia) return Error(errc::malformed, "trak without mdia");
    auto md = children(mdia->body, "mdia");
    if (!md) return md.error();
    const Box* hdlr = find(*md, "hdlr");
    if (!hdlr || hdlr->body.size() < 12) return bad(t, "no hdlr");
    std::string handler(reinterpret_cast<const char*>(hdlr->body.data()) + 8, 4);
    if (handler != "vide" && handler != "soun") continue;  // text, hint, ... tracks
    t.video = handler == "vide";
    if (const Box* mdhd = find(*md, "mdhd")) {
      Cursor c{mdhd->body};
      std::uint8_t version = c.u8();
      c.take(3 + (version == 1 ? 16 : 8));
      t.timescale = c.u32();
    }
    if (t.timescale == 0) return bad(t, "mdhd timescale 0");
    const Box* minf = find(*md, "minf");
    if (!minf) return bad(t, "no minf");
    auto mi = children(minf->body, "minf");
    if (!mi) return mi.error();
    const Box* stbl = find(*mi, "stbl");
    if (!stbl) return bad(t, "no stbl");
    auto st = children(stbl->body, "stbl");
    if (!st) return st.error();
    const Box* stsd = find(*st, "stsd");
    if (!stsd) return bad(t, "no stsd");
    if (auto r = read_sample_entry(stsd->body, t); !r) return r.error();
    if (auto r = read_samples(*st, t, all.size()); !r) return r.error();
    if (auto r = apply_edits(find(*tb, "edts"), t, out.movie_timescale); !r) return r.error();
    out.tracks.push_back(std::move(t));
  }
  return out;
}

}  // namespace rtmp
