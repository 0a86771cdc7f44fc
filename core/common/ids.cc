#include "core/common/ids.h"

#include <random>

namespace modalis {

std::string NewId(const std::string& prefix) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = prefix;
  for (int word = 0; word < 2; ++word) {
    uint64_t bits = generator();
    for (int i = 0; i < 16; ++i) {
      out.push_back(kHex[bits & 0xf]);
      bits >>= 4;
    }
  }
  return out;
}

}  // namespace modalis
