// AMF0 decoder: decode a whole command/data body; whatever decodes must re-encode to the
// same bytes and decode again to an equal value list. Also exercises the type 15/17 body
// reader and the AMF3 encoder on values that came through the AVM+ switch.
#include "rtmp/core/amf.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace rtmp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  (void)amf::decode_command_amf3(in);

  auto values = amf::decode_amf0_all(in);
  if (!values) return 0;
  Bytes out;
  amf::encode_amf0_all(*values, out);
  if (out.size() != size || !std::equal(out.begin(), out.end(), in.begin())) std::abort();
  auto again = amf::decode_amf0_all(out);
  if (!again || *again != *values) std::abort();

  for (const auto& v : *values) {
    (void)amf::to_string(v);
    // Without its original bytes an AVM+ value is re-encoded inline: same value back.
    if (v.is_avmplus()) {
      Bytes inline_out;
      amf::encode_amf0(amf::Value::avmplus(v), inline_out);
      ByteReader r(inline_out);
      auto back = amf::decode_amf0(r);
      if (!back || !r.empty() || !(*back == v)) std::abort();
    }
  }
  return 0;
}
