#include "server/ehr_jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"

namespace modalis {

namespace {

// A CDS client's token should live minutes (the spec suggests 5); one that claims to live longer
// than this is refused, which also bounds how long a jti must be remembered.
constexpr int64_t kMaxLifetimeSeconds = 3600;
// Clocks of two hosts differ a little.
constexpr int64_t kLeewaySeconds = 60;
constexpr size_t kMaxRememberedJti = 200000;

std::optional<std::string> Base64Url(std::string_view text) {
  std::string out;
  if (!absl::WebSafeBase64Unescape(absl::string_view(text.data(), text.size()), &out)) {
    return std::nullopt;
  }
  return out;
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

absl::StatusOr<Pkey> FromParams(const char* type, OSSL_PARAM_BLD* build) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  const bool ok = params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
                  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (!ok) return absl::InvalidArgumentError("not a usable public key");
  return Pkey(key);
}

// One JWK: EC on P-384 (x, y) or RSA (n, e).
absl::StatusOr<Pkey> KeyOf(const nlohmann::json& jwk) {
  const std::string kty = jwk.value("kty", "");
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  absl::StatusOr<Pkey> key = absl::InvalidArgumentError("kty must be EC or RSA");
  if (kty == "EC") {
    const auto x = Base64Url(jwk.value("x", ""));
    const auto y = Base64Url(jwk.value("y", ""));
    if (jwk.value("crv", "") != "P-384") {
      key = absl::InvalidArgumentError("an EC key must be on crv P-384 (ES384)");
    } else if (!x || !y || x->size() != 48 || y->size() != 48) {
      key = absl::InvalidArgumentError("an EC key needs x and y of 48 bytes, base64url");
    } else {
      const std::string point = "\x04" + *x + *y;
      OSSL_PARAM_BLD_push_utf8_string(build, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0);
      OSSL_PARAM_BLD_push_octet_string(build, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
      key = FromParams("EC", build);
    }
  } else if (kty == "RSA") {
    const auto n = Base64Url(jwk.value("n", ""));
    const auto e = Base64Url(jwk.value("e", ""));
    if (!n || !e || n->size() < 256) {
      key = absl::InvalidArgumentError("an RSA key needs n (2048 bits or more) and e, base64url");
    } else {
      Bn bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                        static_cast<int>(n->size()), nullptr));
      Bn bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                        static_cast<int>(e->size()), nullptr));
      OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n.get());
      OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e.get());
      key = FromParams("RSA", build);
    }
  }
  OSSL_PARAM_BLD_free(build);
  return key;
}

// ES384's JWS signature is r || s, 48 bytes each; OpenSSL verifies DER.
std::optional<std::string> EcdsaDer(const std::string& raw) {
  if (raw.size() != 96) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 48, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 48, 48, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

bool VerifySignature(EVP_PKEY* key, const std::string& signed_text, const std::string& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha384(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(signed_text.data()),
                       signed_text.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string ReadFile(const std::filesystem::path& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

struct EhrJwtVerifier::Key {
  std::string kid;
  std::string alg;  // "ES384" or "RS384": what this key may verify
  Pkey key;
};

struct EhrJwtVerifier::TrustedIssuer {
  std::string iss;
  std::string clinic;
  std::vector<Key> keys;
};

EhrJwtVerifier::~EhrJwtVerifier() = default;

absl::StatusOr<std::unique_ptr<EhrJwtVerifier>> EhrJwtVerifier::Load(const std::string& path) {
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError("--cds-issuers " + path + ": " + why);
  };
  bool ok = false;
  const std::string text = ReadFile(path, &ok);
  if (!ok) return bad("cannot be read");
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object()) return bad("is not a JSON object");
  std::unique_ptr<EhrJwtVerifier> verifier(new EhrJwtVerifier);
  verifier->base_url_ = doc.value("service_base_url", "");
  if (verifier->base_url_.rfind("http://", 0) != 0 &&
      verifier->base_url_.rfind("https://", 0) != 0) {
    return bad(
        "service_base_url must be the URL the EHRs call, e.g. https://modalis.example.org: each "
        "token's aud must be that URL followed by /cds-services/<id>");
  }
  while (!verifier->base_url_.empty() && verifier->base_url_.back() == '/') {
    verifier->base_url_.pop_back();
  }
  if (!doc.contains("issuers") || !doc["issuers"].is_array() || doc["issuers"].empty()) {
    return bad("issuers must be a list of {iss, clinic, jwks_file}");
  }
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (size_t i = 0; i < doc["issuers"].size(); ++i) {
    const nlohmann::json& entry = doc["issuers"][i];
    const std::string where = "issuers[" + std::to_string(i) + "]";
    if (!entry.is_object() || !entry.value("iss", nlohmann::json()).is_string() ||
        !entry.value("jwks_file", nlohmann::json()).is_string()) {
      return bad(where + " needs iss and jwks_file");
    }
    auto issuer = std::make_unique<TrustedIssuer>();
    issuer->iss = entry["iss"].get<std::string>();
    issuer->clinic = entry.value("clinic", "default");
    const std::filesystem::path jwks_path = dir / entry["jwks_file"].get<std::string>();
    const std::string jwks_text = ReadFile(jwks_path, &ok);
    if (!ok) return bad(where + ": " + jwks_path.string() + " cannot be read");
    const nlohmann::json jwks = nlohmann::json::parse(jwks_text, nullptr, false);
    if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
      return bad(where + ": " + jwks_path.string() +
                 " is not a JSON Web Key Set ({\"keys\": [...]})");
    }
    for (size_t k = 0; k < jwks["keys"].size(); ++k) {
      const nlohmann::json& jwk = jwks["keys"][k];
      if (!jwk.is_object()) return bad(where + ": keys[" + std::to_string(k) + "] is not a key");
      auto key = KeyOf(jwk);
      if (!key.ok()) {
        return bad(where + ": " + jwks_path.string() + " keys[" + std::to_string(k) +
                   "]: " + std::string(key.status().message()));
      }
      issuer->keys.push_back(Key{
          jwk.value("kid", ""), jwk.value("kty", "") == "EC" ? "ES384" : "RS384", *std::move(key)});
    }
    if (issuer->keys.empty()) return bad(where + ": its key set holds no key");
    verifier->issuers_.push_back(std::move(issuer));
  }
  return verifier;
}

std::vector<EhrJwtVerifier::Issuer> EhrJwtVerifier::issuers() const {
  std::vector<Issuer> out;
  for (const auto& i : issuers_) out.push_back({i->iss, i->clinic});
  return out;
}

absl::StatusOr<VerifiedCall> EhrJwtVerifier::Verify(std::string_view authorization,
                                                    const std::string& audience,
                                                    int64_t now_seconds) {
  auto refuse = [](const std::string& why) { return absl::UnauthenticatedError(why); };
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.substr(0, kBearer.size()) != kBearer) {
    return refuse("no bearer JWT (Authorization: Bearer <jwt>)");
  }
  const std::string_view jwt = authorization.substr(kBearer.size());
  const size_t dot1 = jwt.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos) {
    return refuse("the JWT is not three base64url parts");
  }
  const auto header_text = Base64Url(jwt.substr(0, dot1));
  const auto payload_text = Base64Url(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = Base64Url(jwt.substr(dot2 + 1));
  if (!header_text || !payload_text || !signature) return refuse("the JWT is not base64url");
  const nlohmann::json header = nlohmann::json::parse(*header_text, nullptr, false);
  const nlohmann::json claims = nlohmann::json::parse(*payload_text, nullptr, false);
  if (!header.is_object() || !claims.is_object()) return refuse("the JWT's parts are not JSON");

  const std::string alg = header.value("alg", nlohmann::json()).is_string()
                              ? header["alg"].get<std::string>()
                              : std::string();
  if (alg != "ES384" && alg != "RS384") {
    return refuse("alg '" + alg.substr(0, 16) + "' is refused; only ES384 and RS384 are accepted");
  }
  const std::string iss =
      claims.value("iss", nlohmann::json()).is_string() ? claims["iss"].get<std::string>() : "";
  const TrustedIssuer* issuer = nullptr;
  for (const auto& i : issuers_) {
    if (i->iss == iss) issuer = i.get();
  }
  if (issuer == nullptr) return refuse("iss '" + iss.substr(0, 200) + "' is not a trusted issuer");

  const std::string kid = header.value("kid", nlohmann::json()).is_string()
                              ? header["kid"].get<std::string>()
                              : std::string();
  const std::string signed_text(jwt.substr(0, dot2));
  std::optional<std::string> der;
  if (alg == "ES384") der = EcdsaDer(*signature);
  bool verified = false;
  for (const Key& key : issuer->keys) {
    if (key.alg != alg || (!kid.empty() && !key.kid.empty() && key.kid != kid)) continue;
    if (alg == "ES384" ? der && VerifySignature(key.key.get(), signed_text, *der)
                       : VerifySignature(key.key.get(), signed_text, *signature)) {
      verified = true;
      break;
    }
  }
  if (!verified) return refuse("the JWT's signature does not verify with " + iss + "'s keys");

  bool audience_ok = false;
  if (const auto aud = claims.find("aud"); aud != claims.end()) {
    if (aud->is_string()) audience_ok = *aud == audience;
    if (aud->is_array()) {
      for (const auto& a : *aud) audience_ok = audience_ok || (a.is_string() && a == audience);
    }
  }
  if (!audience_ok) return refuse("aud is not this service's URL, " + audience);
  if (!claims.value("exp", nlohmann::json()).is_number()) return refuse("exp is missing");
  const auto exp = static_cast<int64_t>(claims["exp"].get<double>());
  if (exp + kLeewaySeconds < now_seconds) return refuse("the JWT has expired");
  if (exp - now_seconds > kMaxLifetimeSeconds) {
    return refuse("exp is more than an hour away; CDS clients' tokens live minutes");
  }
  if (!claims.value("jti", nlohmann::json()).is_string() ||
      claims["jti"].get<std::string>().empty()) {
    return refuse("jti is missing");
  }
  const std::string jti = iss + "\n" + claims["jti"].get<std::string>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Forget, oldest expiry first, the jti whose tokens could no longer be accepted anyway.
    while (!jti_by_exp_.empty() && jti_by_exp_.begin()->first + kLeewaySeconds < now_seconds) {
      seen_jti_.erase(jti_by_exp_.begin()->second);
      jti_by_exp_.erase(jti_by_exp_.begin());
    }
    if (seen_jti_.count(jti) != 0) return refuse("this JWT's jti was used before (a replay)");
    if (seen_jti_.size() >= kMaxRememberedJti) {
      return absl::UnavailableError("too many CDS calls within an hour to check for replays");
    }
    seen_jti_.insert(jti);
    jti_by_exp_.emplace(exp, jti);
  }
  return VerifiedCall{iss, issuer->clinic};
}

}  // namespace modalis
