#include "server/console_session.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cctype>
#include <charconv>
#include <fstream>

namespace modalis {
namespace {

constexpr std::string_view kVersion = "v1";
constexpr size_t kKeyBytes = 32;

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

// A subject is a SHA-256 in hex or "local": nothing that could hold the separator.
bool ValidSubject(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

ConsoleSessions::ConsoleSessions(std::string key, std::chrono::seconds lifetime)
    : key_(std::move(key)), lifetime_(lifetime) {}

absl::StatusOr<std::string> ConsoleSessions::RandomKey() {
  unsigned char bytes[kKeyBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("no random bytes for the console's session key");
  }
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

absl::StatusOr<std::string> ConsoleSessions::ReadKey(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return absl::FailedPreconditionError("cannot read the console session key file " + path);
  }
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  std::string key;
  for (size_t i = 0; i + 1 < line.size(); i += 2) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(line.data() + i, line.data() + i + 2, value, 16);
    if (ec != std::errc() || end != line.data() + i + 2) {
      key.clear();
      break;
    }
    key.push_back(static_cast<char>(value));
  }
  if (line.size() % 2 != 0 || key.size() < kKeyBytes) {
    return absl::FailedPreconditionError(
        "the console session key file " + path +
        " must hold at least 64 hex digits on its first line (e.g. from `openssl rand -hex 32`)");
  }
  return key;
}

std::string ConsoleSessions::Sign(std::string_view payload) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &length);
  return Hex(mac, length);
}

std::string ConsoleSessions::Issue(std::string_view subject, int64_t now_ms) const {
  const int64_t ends_ms = now_ms + std::chrono::milliseconds(lifetime_).count();
  std::string payload =
      std::string(kVersion) + "." + std::string(subject) + "." + std::to_string(ends_ms);
  return payload + "." + Sign(payload);
}

std::optional<std::string> ConsoleSessions::Verify(std::string_view value, int64_t now_ms) const {
  const size_t mac_at = value.rfind('.');
  if (mac_at == std::string_view::npos) return std::nullopt;
  const std::string_view payload = value.substr(0, mac_at);
  const std::string_view mac = value.substr(mac_at + 1);
  const std::string expected = Sign(payload);
  if (mac.size() != expected.size() ||
      CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  // Signed by this key, so the payload is one Issue wrote; still, read it defensively.
  if (payload.substr(0, kVersion.size() + 1) != std::string(kVersion) + ".") return std::nullopt;
  const std::string_view rest = payload.substr(kVersion.size() + 1);
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view subject = rest.substr(0, dot);
  const std::string_view ends = rest.substr(dot + 1);
  int64_t ends_ms = 0;
  auto [end, ec] = std::from_chars(ends.data(), ends.data() + ends.size(), ends_ms);
  if (ec != std::errc() || end != ends.data() + ends.size() || !ValidSubject(subject)) {
    return std::nullopt;
  }
  if (now_ms >= ends_ms) return std::nullopt;
  return std::string(subject);
}

}  // namespace modalis
