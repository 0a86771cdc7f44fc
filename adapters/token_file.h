// The token file: which bearer tokens may call modalisd, as whom and in which role. Only SHA-256
// hashes of tokens are stored; a token is shown once, when it is minted.
//
//   {"tokens": [{"name": "booking-app", "role": "booking", "sha256": "<hex>"}]}
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace modalis {

enum class Role { kBooking, kNotes, kAdmin };

std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);

struct TokenEntry {
  std::string name;  // the client, e.g. "booking-app"; recorded with each plan
  Role role = Role::kBooking;
  std::string sha256;  // hex
};

absl::StatusOr<std::vector<TokenEntry>> ReadTokenFile(const std::string& path);

// Appends a new token for `name` with `role` to the file (created 0600 if missing) and returns the
// token itself, which is not stored anywhere.
absl::StatusOr<std::string> AddToken(const std::string& path, const std::string& name, Role role);

// Removes every token of the client `name` (rewriting the file atomically); NOT_FOUND when it has
// none. A running modalisd keeps the tokens it read until it is restarted.
absl::Status RemoveTokens(const std::string& path, const std::string& name);

// The entry whose hash matches `token`, compared in constant time against every entry.
std::optional<TokenEntry> FindToken(const std::vector<TokenEntry>& entries, std::string_view token);

}  // namespace modalis
