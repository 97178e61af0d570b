// AMF3 decoder: whatever decodes must re-encode (inline, no references) to bytes that decode
// to an equal value, and re-encoding that value must give the same bytes again.
#include "rtmp/core/amf.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace rtmp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader r(ByteView(data, size));
  auto v = amf::decode_amf3(r);
  if (!v) return 0;
  (void)amf::to_string(*v);

  Bytes out;
  amf::encode_amf3(*v, out);
  ByteReader r2(out);
  auto again = amf::decode_amf3(r2);
  if (!again || !r2.empty() || !(*again == *v)) std::abort();
  Bytes out2;
  amf::encode_amf3(*again, out2);
  if (out2 != out) std::abort();

  // The same value inside an AMF0 stream, behind the AVM+ switch.
  Bytes amf0;
  amf::encode_amf0(amf::Value::avmplus(*v), amf0);
  ByteReader r3(amf0);
  auto via0 = amf::decode_amf0(r3);
  if (!via0 || !r3.empty() || !(*via0 == *v)) std::abort();
  return 0;
}
