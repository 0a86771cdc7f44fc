// Start-up checks of the files that guard modalisd: the TLS certificate, key and client CA, and the
// token file. Each problem names the flag and the file, so an operator never gets a silent
// plaintext start or a "cannot listen" that reads like a busy port.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace modalis {

struct TlsFiles {
  std::string cert_flag_value;  // --tls-cert
  std::string key_flag_value;   // --tls-key
  std::string ca_flag_value;    // --client-ca, "" without mutual TLS
};

// The PEM texts, after checking: --client-ca only with --tls-cert and --tls-key, both or neither of
// those, every file readable and holding what its flag needs, and the key the certificate's own.
struct TlsMaterial {
  std::string cert_pem;
  std::string key_pem;
  std::string ca_pem;
};
absl::StatusOr<TlsMaterial> LoadTlsFiles(const TlsFiles& files);

// A secret file (TLS key, token file) that other users may read: refused (FAILED_PRECONDITION,
// naming the flag, the file and its mode) when every user may read it, unless `allow_insecure`;
// a warning appended to `warnings` when only its group may.
absl::Status CheckSecretFileMode(const std::string& flag, const std::string& path,
                                 bool allow_insecure, std::vector<std::string>* warnings);

}  // namespace modalis
