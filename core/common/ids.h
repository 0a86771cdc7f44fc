#pragma once

#include <string>

namespace modalis {

// A new random identifier: `prefix` followed by 32 hex digits (128 bits).
std::string NewId(const std::string& prefix);

}  // namespace modalis
