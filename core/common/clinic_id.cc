#include "core/common/clinic_id.h"

#include <string>

namespace modalis {

absl::Status CheckClinicId(std::string_view id) {
  auto allowed = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool ok = !id.empty() && id.size() <= 64 && allowed(id.front());
  for (char c : id) ok = ok && (allowed(c) || c == '-');
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError("clinic id '" + std::string(id.substr(0, 80)) +
                                    "' must be 1 to 64 lower-case letters, digits or '-', "
                                    "starting with a letter or a digit");
}

}  // namespace modalis
