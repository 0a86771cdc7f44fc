#include "cli/remote.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

namespace modalis::cli {
namespace {

bool ReadWhole(const std::string& flag, const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in) {
    std::cerr << "modalis: " << flag << ": cannot read " << path << "\n";
    return false;
  }
  *out = text.str();
  return true;
}

std::string FromEnv(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

void AddRemoteOptions(CLI::App* sub, RemoteArgs* args, const std::string& who) {
  args->address = FromEnv("MODALIS_ADDRESS", "127.0.0.1:50051");
  args->token = FromEnv("MODALIS_TOKEN", "");
  sub->add_option("--server,--address", args->address, "HOST:PORT of modalisd ($MODALIS_ADDRESS)")
      ->capture_default_str();
  sub->add_option("--token", args->token, "bearer token of " + who + " ($MODALIS_TOKEN)");
  sub->add_option("--ca", args->ca, "TLS: the CA that signed the server's certificate");
  sub->add_option("--cert", args->cert, "mutual TLS: this client's certificate");
  sub->add_option("--key", args->key, "mutual TLS: this client's key");
  sub->add_option("--timeout-ms", args->timeout_ms, "give up after this long")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
}

std::shared_ptr<grpc::Channel> Connect(const RemoteArgs& a) {
  if (a.ca.empty()) {
    if (!a.cert.empty() || !a.key.empty()) {
      std::cerr << "modalis: --cert and --key need --ca (the CA that signed the server's "
                   "certificate)\n";
      return nullptr;
    }
    return grpc::CreateChannel(a.address, grpc::InsecureChannelCredentials());
  }
  if (a.cert.empty() != a.key.empty()) {
    std::cerr << "modalis: mutual TLS needs both --cert and --key\n";
    return nullptr;
  }
  grpc::SslCredentialsOptions tls;
  if (!ReadWhole("--ca", a.ca, &tls.pem_root_certs) ||
      (!a.cert.empty() && (!ReadWhole("--cert", a.cert, &tls.pem_cert_chain) ||
                           !ReadWhole("--key", a.key, &tls.pem_private_key)))) {
    return nullptr;
  }
  return grpc::CreateChannel(a.address, grpc::SslCredentials(tls));
}

std::unique_ptr<grpc::ClientContext> CallContext(const RemoteArgs& a) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(a.timeout_ms));
  if (!a.token.empty()) context->AddMetadata("authorization", "Bearer " + a.token);
  return context;
}

void PrintRpcError(const RemoteArgs& a, const std::string& doing, const grpc::Status& rpc) {
  std::cerr << "modalis: cannot " << doing << " at " << a.address << ": "
            << (rpc.error_code() == grpc::StatusCode::UNAVAILABLE ||
                        rpc.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                    ? "not reachable (is it running, and on this address?): "
                    : "")
            << rpc.error_message() << " (gRPC code " << rpc.error_code() << ")\n";
}

std::string Utc(int64_t ms) {
  if (ms <= 0) return "never";
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

}  // namespace modalis::cli
