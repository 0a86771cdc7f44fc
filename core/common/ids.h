#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace modalis {

// A new random identifier: `prefix` followed by 32 hex digits, 128 bits from the operating
// system's generator (OpenSSL RAND_bytes): unguessable, and with no shared seed two threads or
// processes cannot repeat each other. INTERNAL when the generator cannot deliver; never a weaker
// id instead.
absl::StatusOr<std::string> NewId(const std::string& prefix);

}  // namespace modalis
