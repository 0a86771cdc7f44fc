// Which electronic health records may call the CDS Hooks services, and the check of the JWT each
// call carries (CDS Hooks 2.0, "Trusting CDS Clients"): signed with ES384 or RS384 by a key of an
// issuer on the allow-list (`none` and HMAC refused), `aud` equal to the service's URL, not
// expired, and its `jti` never seen before.
//
// The allow-list is a JSON file (--cds-issuers):
//   {"service_base_url": "https://modalis.example.org",
//    "issuers": [{"iss": "https://ehr.example.org", "clinic": "north", "jwks_file": "keys.json"}]}
// `jwks_file` is a JSON Web Key Set (RFC 7517) of EC P-384 or RSA public keys, relative to the
// allow-list's directory.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace modalis {

struct VerifiedCall {
  std::string iss;
  std::string clinic;
};

class EhrJwtVerifier {
 public:
  // INVALID_ARGUMENT naming the file and the entry for anything malformed.
  static absl::StatusOr<std::unique_ptr<EhrJwtVerifier>> Load(const std::string& path);
  ~EhrJwtVerifier();

  // The base the services' URLs start with; `aud` must be base + "/cds-services/<id>".
  const std::string& service_base_url() const { return base_url_; }

  struct Issuer {
    std::string iss;
    std::string clinic;
  };
  std::vector<Issuer> issuers() const;

  // UNAUTHENTICATED with the reason when `authorization` ("Bearer <jwt>") fails any check.
  absl::StatusOr<VerifiedCall> Verify(std::string_view authorization, const std::string& audience,
                                      int64_t now_seconds);

  struct Key;

 private:
  EhrJwtVerifier() = default;
  struct TrustedIssuer;

  std::string base_url_;
  std::vector<std::unique_ptr<TrustedIssuer>> issuers_;
  std::mutex mu_;
  // Guarded by mu_: every jti accepted and not yet expired, and the same ordered by expiry.
  std::unordered_set<std::string> seen_jti_;
  std::set<std::pair<int64_t, std::string>> jti_by_exp_;
};

}  // namespace modalis
