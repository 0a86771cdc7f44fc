// An HTTP/1.1 listener (Boost.Beast, asynchronous, keep-alive) that hands each request to one
// handler and writes back whatever it answers. It knows nothing of what the requests mean; it
// enforces only what HTTP itself needs bounded: header and body size, how long a client may take
// to send a request, and how many connections are open at once.
//
// Thread-safe: the handler may answer from any thread, once per request.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace modalis {

struct HttpLimits {
  size_t max_body_bytes = 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  // To receive one whole request, and how long a kept-alive connection may sit idle.
  std::chrono::milliseconds read_timeout{30000};
  // A client that reads its reply this slowly is dropped.
  std::chrono::milliseconds write_timeout{30000};
  size_t max_connections = 512;
};

struct HttpRequest {
  std::string method;                          // "POST"
  std::string target;                          // "/modalis.v1.PlanService/SuggestPlan?x=1"
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  // The header's value, or "" when absent.
  const std::string& header(const std::string& lower_case_name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The listener's TLS: the same certificate and key as gRPC's (PEM text); with `client_ca_pem`, a
// client must present a certificate it signed (mTLS). An empty certificate: plaintext.
struct HttpTls {
  std::string cert_pem;
  std::string key_pem;
  std::string client_ca_pem;
};

using HttpResponder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest, HttpResponder)>;

class HttpListener {
 public:
  // Listens on `host`:`port` (port 0 picks a free one) and serves on a thread of its own, over
  // TLS when `tls` has a certificate. INVALID_ARGUMENT for an address that is not an IP address
  // or TLS material OpenSSL refuses, UNAVAILABLE when it cannot bind.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(const std::string& host, int port,
                                                             const HttpLimits& limits,
                                                             HttpHandler handler,
                                                             const HttpTls& tls = {});
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  int port() const;

  // Stops taking connections and closes the open ones; a reply still owed is dropped when it
  // comes. The thread keeps running (so such replies have somewhere to go) until destruction.
  void Close();

  class Impl;

 private:
  explicit HttpListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "host:port" split at its last colon; the host may be written "[::1]".
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& host_port);

}  // namespace modalis
