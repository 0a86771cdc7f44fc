// The token file: which bearer tokens may call modalisd, as whom, for which clinic and in which
// role. Only SHA-256 hashes of tokens are stored; a token is shown once, when it is minted.
//
//   {"tokens": [{"name": "booking-app", "role": "booking", "clinic": "default", "sha256": "<hex>"},
//               {"name": "fleet", "role": "operator", "sha256": "<hex>"}]}
//
// A token belongs to one clinic (platform.md §1), except the platform's operator's, which belongs
// to none. Files written before clinics existed have no "clinic": their tokens are the default
// clinic's, as everything else of a single-clinic install is.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace modalis {

// booking, notes and admin act within their clinic; operator runs the platform and reads no
// clinic's data.
enum class Role { kBooking, kNotes, kAdmin, kOperator };

std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);

struct TokenEntry {
  std::string name;  // the client, e.g. "booking-app"; recorded with each plan
  Role role = Role::kBooking;
  std::string sha256;  // hex
  // Empty exactly for the operator. Last, so that older brace-initialisations cannot put a hash
  // here by position.
  std::string clinic_id;
};

absl::StatusOr<std::vector<TokenEntry>> ReadTokenFile(const std::string& path);

// Appends a new token for `name` with `role` in `clinic_id` to the file (created 0600 if missing)
// and returns the token itself, which is not stored anywhere. An empty `clinic_id` is the default
// clinic for a clinic's role; the operator takes none (INVALID_ARGUMENT if given one).
absl::StatusOr<std::string> AddToken(const std::string& path, const std::string& name, Role role,
                                     const std::string& clinic_id);

// Removes every token of the client `name` (rewriting the file atomically); NOT_FOUND when it has
// none. A running modalisd keeps the tokens it read until it is restarted.
absl::Status RemoveTokens(const std::string& path, const std::string& name);

// The entry whose hash matches `token`, compared in constant time against every entry.
std::optional<TokenEntry> FindToken(const std::vector<TokenEntry>& entries, std::string_view token);

}  // namespace modalis
