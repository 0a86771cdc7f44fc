// The console's sign-in, kept in a cookie rather than on the server: the cookie names whose
// session it is (the SHA-256 of the token signed in with, as the token file stores it) and when it
// ends, signed with HMAC-SHA256 under a key of the server's. So any replica holding the same key
// accepts it, nothing is stored, and a cookie read off a disk or a log is no token: it ends on its
// own, and no one without the key can extend it or make another.
//
// Thread-safe: immutable after construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace modalis {

class ConsoleSessions {
 public:
  // `key`: at least 32 bytes of secret. `lifetime`: how long a session lasts from sign-in.
  ConsoleSessions(std::string key, std::chrono::seconds lifetime);

  // A new random key (sessions then end when the process does), or the first line of `path`
  // (shared by every replica behind one proxy): 64 or more hex digits. FAILED_PRECONDITION naming
  // the file when it cannot be read or is too short.
  static absl::StatusOr<std::string> RandomKey();
  static absl::StatusOr<std::string> ReadKey(const std::string& path);

  // The cookie value for `subject` (a token's SHA-256 in hex, or "local" in development mode),
  // valid until now + lifetime.
  std::string Issue(std::string_view subject, int64_t now_ms) const;
  // The subject of a cookie value this server issued and that has not ended; nullopt otherwise.
  std::optional<std::string> Verify(std::string_view value, int64_t now_ms) const;

  std::chrono::seconds lifetime() const { return lifetime_; }

 private:
  std::string Sign(std::string_view payload) const;

  std::string key_;
  std::chrono::seconds lifetime_;
};

}  // namespace modalis
