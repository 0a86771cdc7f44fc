#include "server/file_checks.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace modalis {
namespace {

absl::StatusOr<std::string> ReadFlagFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(flag + ": cannot read '" + path +
                                         "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, BioFree> Bio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string Mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

absl::StatusOr<TlsMaterial> LoadTlsFiles(const TlsFiles& f) {
  TlsMaterial out;
  if (f.cert_flag_value.empty() && f.key_flag_value.empty()) {
    if (!f.ca_flag_value.empty()) {
      return absl::InvalidArgumentError(
          "--client-ca needs --tls-cert and --tls-key: mutual TLS is TLS in which clients also "
          "show certificates; without them modalisd would serve plaintext");
    }
    return out;
  }
  if (f.cert_flag_value.empty() || f.key_flag_value.empty()) {
    return absl::InvalidArgumentError(std::string("TLS needs both --tls-cert and --tls-key; ") +
                                      (f.cert_flag_value.empty() ? "--tls-cert" : "--tls-key") +
                                      " is missing");
  }
  auto cert_pem = ReadFlagFile("--tls-cert", f.cert_flag_value);
  if (!cert_pem.ok()) return cert_pem.status();
  auto key_pem = ReadFlagFile("--tls-key", f.key_flag_value);
  if (!key_pem.ok()) return key_pem.status();
  out.cert_pem = *std::move(cert_pem);
  out.key_pem = *std::move(key_pem);

  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(Bio(out.cert_pem).get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return absl::FailedPreconditionError("--tls-cert: '" + f.cert_flag_value +
                                         "' holds no PEM certificate");
  }
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(Bio(out.key_pem).get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::FailedPreconditionError("--tls-key: '" + f.key_flag_value +
                                         "' holds no PEM private key (or it is encrypted)");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::FailedPreconditionError("--tls-key: '" + f.key_flag_value +
                                         "' is not the private key of the certificate in "
                                         "--tls-cert '" +
                                         f.cert_flag_value + "'");
  }
  if (!f.ca_flag_value.empty()) {
    auto ca_pem = ReadFlagFile("--client-ca", f.ca_flag_value);
    if (!ca_pem.ok()) return ca_pem.status();
    out.ca_pem = *std::move(ca_pem);
    std::unique_ptr<X509, X509Free> ca(
        PEM_read_bio_X509(Bio(out.ca_pem).get(), nullptr, nullptr, nullptr));
    if (ca == nullptr) {
      return absl::FailedPreconditionError("--client-ca: '" + f.ca_flag_value +
                                           "' holds no PEM certificate");
    }
  }
  return out;
}

absl::Status CheckSecretFileMode(const std::string& flag, const std::string& path,
                                 bool allow_insecure, std::vector<std::string>* warnings) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(flag + ": cannot read '" + path +
                                         "': " + std::strerror(errno));
  }
  if ((st.st_mode & S_IROTH) != 0) {
    const std::string problem = flag + ": '" + path + "' is readable by every user (mode " +
                                Mode(st.st_mode) + "); chmod 600 it";
    if (!allow_insecure) {
      return absl::FailedPreconditionError(problem +
                                           ", or start with --allow-insecure-permissions");
    }
    warnings->push_back(problem + " (allowed by --allow-insecure-permissions)");
  } else if ((st.st_mode & S_IRGRP) != 0) {
    warnings->push_back(flag + ": '" + path + "' is readable by its group (mode " +
                        Mode(st.st_mode) + "); chmod 600 it unless that group is meant to");
  }
  return absl::OkStatus();
}

}  // namespace modalis
