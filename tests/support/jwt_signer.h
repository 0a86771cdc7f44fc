// An electronic health record's signing key for tests of CDS Hooks: a fresh ES384 (P-384) or
// RS384 (RSA 2048) key pair made with OpenSSL, its public half as a JWK, and JWTs signed with it
// the way a CDS client signs them.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/escaping.h"

namespace modalis::testing {

inline std::string Base64UrlOf(const std::string& bytes) {
  std::string out;
  absl::WebSafeBase64Escape(absl::string_view(bytes.data(), bytes.size()), &out);
  return out;
}

class JwtSigner {
 public:
  enum class Alg { kEs384, kRs384 };

  JwtSigner(Alg alg, std::string kid) : alg_(alg), kid_(std::move(kid)) {
    key_.reset(alg == Alg::kEs384 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384")
                                  : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  }

  const char* alg() const { return alg_ == Alg::kEs384 ? "ES384" : "RS384"; }

  // The public key as a JWK (RFC 7517).
  nlohmann::json Jwk() const {
    if (alg_ == Alg::kEs384) {
      return {{"kty", "EC"},
              {"crv", "P-384"},
              {"kid", kid_},
              {"x", Base64UrlOf(Param(OSSL_PKEY_PARAM_EC_PUB_X, 48))},
              {"y", Base64UrlOf(Param(OSSL_PKEY_PARAM_EC_PUB_Y, 48))}};
    }
    return {{"kty", "RSA"},
            {"kid", kid_},
            {"n", Base64UrlOf(Param(OSSL_PKEY_PARAM_RSA_N, 0))},
            {"e", Base64UrlOf(Param(OSSL_PKEY_PARAM_RSA_E, 0))}};
  }

  // header.claims.signature, signed with this key whatever the header's alg says (so a test can
  // lie about it).
  std::string Sign(const nlohmann::json& header, const nlohmann::json& claims) const {
    const std::string signed_text = Base64UrlOf(header.dump()) + "." + Base64UrlOf(claims.dump());
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t length = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha384(), nullptr, key_.get());
    EVP_DigestSign(ctx, nullptr, &length,
                   reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size());
    std::string signature(length, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                   reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size());
    EVP_MD_CTX_free(ctx);
    signature.resize(length);
    if (alg_ == Alg::kEs384) signature = RawEcdsa(signature);
    return signed_text + "." + Base64UrlOf(signature);
  }

  // A token as a CDS client sends it: alg and kid in the header; iss, aud, exp, iat and jti.
  std::string Token(const std::string& iss, const std::string& aud, const std::string& jti,
                    int64_t now, int64_t lifetime = 300) const {
    return Sign({{"alg", alg()}, {"typ", "JWT"}, {"kid", kid_}},
                {{"iss", iss}, {"aud", aud}, {"exp", now + lifetime}, {"iat", now}, {"jti", jti}});
  }

 private:
  struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };

  std::string Param(const char* name, int pad) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_.get(), name, &bn);
    std::string out(pad > 0 ? static_cast<size_t>(pad) : static_cast<size_t>(BN_num_bytes(bn)),
                    '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_free(bn);
    return out;
  }

  // DER ECDSA-Sig-Value -> JWS's r || s, 48 bytes each.
  static std::string RawEcdsa(const std::string& der) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    std::string out(96, '\0');
    BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), 48);
    BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + 48, 48);
    ECDSA_SIG_free(sig);
    return out;
  }

  Alg alg_;
  std::string kid_;
  std::unique_ptr<EVP_PKEY, PkeyFree> key_;
};

}  // namespace modalis::testing
