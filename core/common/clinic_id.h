// Clinics are tenants (platform.md §1): every stored row and every caller belongs to one. An id is
// what an operator types and what appears in paths and logs, so it is kept plain.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace modalis {

// The clinic of single-clinic installs, of databases written before clinics existed and of
// tokens minted without one.
inline constexpr std::string_view kDefaultClinic = "default";

// OK for 1 to 64 characters of lower-case letters, digits and '-', starting with a letter or a
// digit; otherwise INVALID_ARGUMENT saying what is allowed.
absl::Status CheckClinicId(std::string_view id);

}  // namespace modalis
