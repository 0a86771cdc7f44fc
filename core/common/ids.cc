#include "core/common/ids.h"

#include <openssl/rand.h>

namespace modalis {

absl::StatusOr<std::string> NewId(const std::string& prefix) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("cannot draw a random identifier from the system's generator");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = prefix;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace modalis
