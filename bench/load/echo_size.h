// Sizing echo payloads so an echo message is exactly as large on the wire as the SuggestPlan
// message it stands for.
#pragma once

#include <google/protobuf/io/coded_stream.h>

#include <cstddef>
#include <cstdint>

namespace modalis::load {

// Length of a `bytes` field (number 1..15, one tag byte) that brings a message whose other fields
// take `other` bytes to exactly `total` bytes. Where the length prefix's own size makes `total`
// unreachable, the next smaller size is used.
inline size_t FillerBytes(size_t total, size_t other) {
  if (total <= other + 1) return 0;
  const size_t room = total - other - 1;  // length prefix + filler
  for (size_t prefix = 1; prefix <= 5 && prefix < room; ++prefix) {
    const size_t n = room - prefix;
    if (google::protobuf::io::CodedOutputStream::VarintSize32(static_cast<uint32_t>(n)) == prefix) {
      return n;
    }
  }
  return room > 1 ? room - 2 : 0;
}

}  // namespace modalis::load
