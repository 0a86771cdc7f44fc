#include "adapters/token_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/common/clinic_id.h"
#include "core/common/sha256.h"

namespace modalis {
namespace {

constexpr size_t kTokenBytes = 32;

bool IsHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "booking") return Role::kBooking;
  if (name == "notes") return Role::kNotes;
  if (name == "admin") return Role::kAdmin;
  if (name == "operator") return Role::kOperator;
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kBooking:
      return "booking";
    case Role::kNotes:
      return "notes";
    case Role::kAdmin:
      return "admin";
    case Role::kOperator:
      return "operator";
  }
  return "?";
}

absl::StatusOr<std::vector<TokenEntry>> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read the token file '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object() || !j.contains("tokens") || !j["tokens"].is_array()) {
    return absl::InvalidArgumentError("the token file '" + path +
                                      "' must be {\"tokens\": [{\"name\", \"role\", \"clinic\", "
                                      "\"sha256\"}]}");
  }
  std::vector<TokenEntry> out;
  for (size_t i = 0; i < j["tokens"].size(); ++i) {
    const auto& t = j["tokens"][i];
    const std::string where = path + ": tokens[" + std::to_string(i) + "]";
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string() || !t.contains("role") ||
        !t["role"].is_string() || !t.contains("sha256") || !t["sha256"].is_string()) {
      return absl::InvalidArgumentError(where + " needs a name, a role and a sha256");
    }
    const std::string name = t["name"].get<std::string>();
    const std::string entry = where + " ('" + name.substr(0, 64) + "')";
    auto role = ParseRole(t["role"].get<std::string>());
    if (!role) {
      return absl::InvalidArgumentError(entry + ": role must be booking, notes, admin or operator");
    }
    const std::string hash = t["sha256"].get<std::string>();
    if (!IsHex64(hash)) return absl::InvalidArgumentError(entry + ": sha256 must be 64 hex digits");
    std::string clinic;
    if (*role == Role::kOperator) {
      // The operator reads no clinic's data; a clinic here would suggest that it does.
      if (t.contains("clinic")) {
        return absl::InvalidArgumentError(entry +
                                          ": an operator token belongs to no clinic; "
                                          "remove its \"clinic\"");
      }
    } else if (!t.contains("clinic")) {
      clinic = kDefaultClinic;  // written before clinics existed
    } else if (!t["clinic"].is_string()) {
      return absl::InvalidArgumentError(entry + ": clinic must be a string");
    } else {
      clinic = t["clinic"].get<std::string>();
      if (absl::Status s = CheckClinicId(clinic); !s.ok()) {
        return absl::InvalidArgumentError(entry + ": " + std::string(s.message()));
      }
    }
    out.push_back({name, *role, hash, clinic});
  }
  return out;
}

namespace {

// Writes beside the file, then renames: a reader never sees half a file.
absl::Status WriteTokenFile(const std::string& path, const std::vector<TokenEntry>& entries) {
  nlohmann::ordered_json doc = {{"tokens", nlohmann::ordered_json::array()}};
  for (const TokenEntry& e : entries) {
    nlohmann::ordered_json entry = {{"name", e.name}, {"role", RoleName(e.role)}};
    if (e.role != Role::kOperator) entry["clinic"] = e.clinic_id;
    entry["sha256"] = e.sha256;
    doc["tokens"].push_back(std::move(entry));
  }
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::FailedPreconditionError("cannot write '" + tmp + "'");
  const std::string text = doc.dump(2) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError("cannot write the token file '" + path + "'");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RemoveTokens(const std::string& path, const std::string& name) {
  auto entries = ReadTokenFile(path);
  if (!entries.ok()) return entries.status();
  const size_t before = entries->size();
  std::erase_if(*entries, [&](const TokenEntry& e) { return e.name == name; });
  if (entries->size() == before) {
    return absl::NotFoundError("no token for a client named '" + name + "' in '" + path + "'");
  }
  return WriteTokenFile(path, *entries);
}

absl::StatusOr<std::string> AddToken(const std::string& path, const std::string& name, Role role,
                                     const std::string& clinic_id) {
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError("the client name must be 1 to 64 characters");
  }
  std::string clinic = clinic_id;
  if (role == Role::kOperator) {
    if (!clinic.empty()) {
      return absl::InvalidArgumentError("an operator token belongs to no clinic, not to '" +
                                        clinic.substr(0, 80) + "'");
    }
  } else if (clinic.empty()) {
    clinic = kDefaultClinic;
  } else if (absl::Status s = CheckClinicId(clinic); !s.ok()) {
    return s;
  }
  std::vector<TokenEntry> entries;
  if (::access(path.c_str(), F_OK) == 0) {
    auto existing = ReadTokenFile(path);
    if (!existing.ok()) return existing.status();
    entries = *std::move(existing);
  }
  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return absl::InternalError("no randomness available");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token = "mt_";
  for (unsigned char b : bytes) {
    token.push_back(kHex[b >> 4]);
    token.push_back(kHex[b & 0xf]);
  }
  entries.push_back(TokenEntry{name, role, Sha256Hex(token), clinic});
  if (absl::Status s = WriteTokenFile(path, entries); !s.ok()) return s;
  return token;
}

std::optional<TokenEntry> FindToken(const std::vector<TokenEntry>& entries,
                                    std::string_view token) {
  const std::string hash = Sha256Hex(token);
  std::optional<TokenEntry> found;
  // Visit every entry and compare whole hashes, so timing reveals nothing about which matched.
  for (const TokenEntry& e : entries) {
    if (CRYPTO_memcmp(e.sha256.data(), hash.data(), hash.size()) == 0) found = e;
  }
  return found;
}

}  // namespace modalis
