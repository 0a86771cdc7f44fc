// modalis status: asks a running modalisd what it serves, over the same gRPC API the apps use, and
// says loudly when it serves the last good rule set because the files on disk are broken.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "modalis/v1/rules_admin.grpc.pb.h"

namespace modalis::cli {
namespace {

struct StatusArgs {
  std::string address;
  std::string token;
  std::string ca, cert, key;
  bool json = false;
  int timeout_ms = 5000;
};

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

std::shared_ptr<grpc::ChannelCredentials> Credentials(const StatusArgs& a, bool* ok) {
  *ok = true;
  if (a.ca.empty()) {
    if (!a.cert.empty() || !a.key.empty()) {
      std::cerr << "modalis: --cert and --key need --ca (the CA that signed the server's "
                   "certificate)\n";
      *ok = false;
    }
    return grpc::InsecureChannelCredentials();
  }
  if (a.cert.empty() != a.key.empty()) {
    std::cerr << "modalis: mutual TLS needs both --cert and --key\n";
    *ok = false;
    return nullptr;
  }
  grpc::SslCredentialsOptions tls;
  *ok = ReadWhole("--ca", a.ca, &tls.pem_root_certs) &&
        (a.cert.empty() || (ReadWhole("--cert", a.cert, &tls.pem_cert_chain) &&
                            ReadWhole("--key", a.key, &tls.pem_private_key)));
  return grpc::SslCredentials(tls);
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

void PrintReadable(const StatusArgs& a, const v1::GetStatusResponse& s) {
  const v1::RuleSetRef& rules = s.rule_set();
  std::cout << "modalisd at " << a.address << "\n"
            << "rules       " << rules.id() << " " << rules.version() << " (sha256 "
            << rules.sha256().substr(0, 12) << "…), live since " << Utc(s.activated_at_ms())
            << "\n";
  if (s.serving_last_good()) {
    std::cout << "WARNING     the rule files on disk are broken; serving the last good rule set "
                 "from the database until they are fixed:\n";
  }
  if (!s.last_reload_error().empty()) {
    std::cout << "last reload " << Utc(s.last_reload_at_ms()) << ", refused:\n"
              << s.last_reload_error();
    if (s.last_reload_error().back() != '\n') std::cout << "\n";
  } else {
    std::cout << "last reload " << Utc(s.last_reload_at_ms())
              << (s.last_reload_at_ms() > 0 ? ", succeeded" : "") << "\n";
  }
  if (s.store_writable()) {
    std::cout << "store       writable\n";
  } else {
    std::cout << "WARNING     the database cannot be written; health is NOT_SERVING until a write "
                 "succeeds: "
              << s.store_error() << "\n";
  }
  std::cout << "modalities  " << s.modalities_size() << " loaded";
  for (int i = 0; i < s.modalities_size(); ++i) {
    std::cout << (i == 0 ? ": " : ", ") << s.modalities(i).id() << " " << s.modalities(i).version();
  }
  std::cout << "\n";
  for (const v1::PluginRefusal& r : s.refused_plugins()) {
    std::cout << "refused     " << r.path() << ": " << r.reason() << "\n";
  }
}

int Status(const StatusArgs& a) {
  bool credentials_ok = false;
  auto credentials = Credentials(a, &credentials_ok);
  if (!credentials_ok) return 2;
  auto channel = grpc::CreateChannel(a.address, credentials);
  auto stub = v1::RulesAdmin::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(a.timeout_ms));
  if (!a.token.empty()) context.AddMetadata("authorization", "Bearer " + a.token);
  v1::GetStatusResponse reply;
  grpc::Status rpc = stub->GetStatus(&context, v1::GetStatusRequest(), &reply);
  if (!rpc.ok()) {
    std::cerr << "modalis: cannot get the status of modalisd at " << a.address << ": "
              << (rpc.error_code() == grpc::StatusCode::UNAVAILABLE ||
                          rpc.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                      ? "not reachable (is it running, and on this address?): "
                      : "")
              << rpc.error_message() << " (gRPC code " << rpc.error_code() << ")\n";
    return 1;
  }
  if (a.json) {
    std::string text;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    (void)google::protobuf::util::MessageToJsonString(reply, &text, options);
    std::cout << text << "\n";
  } else {
    PrintReadable(a, reply);
  }
  // A script can tell "cannot store plans" and "serving, but from the last good rule set" from
  // "all well".
  if (!reply.store_writable()) return 4;
  return reply.serving_last_good() ? 3 : 0;
}

std::string FromEnv(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

void AddStatusCommand(CLI::App& app, Common*, Runner* run) {
  auto args = std::make_shared<StatusArgs>();
  args->address = FromEnv("MODALIS_ADDRESS", "127.0.0.1:50051");
  args->token = FromEnv("MODALIS_TOKEN", "");
  CLI::App* sub = app.add_subcommand(
      "status",
      "what a running modalisd serves: rule set, whether it fell back to the last good one and "
      "why, whether it can store plans, plugins (exit 4 when the database cannot be written, 3 "
      "when serving the last good rule set)");
  sub->add_option("--address", args->address, "HOST:PORT of modalisd ($MODALIS_ADDRESS)")
      ->capture_default_str();
  sub->add_option("--token", args->token, "bearer token of an admin ($MODALIS_TOKEN)");
  sub->add_option("--ca", args->ca, "TLS: the CA that signed the server's certificate");
  sub->add_option("--cert", args->cert, "mutual TLS: this client's certificate");
  sub->add_option("--key", args->key, "mutual TLS: this client's key");
  sub->add_option("--timeout-ms", args->timeout_ms, "give up after this long")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  sub->add_flag("--json", args->json, "print GetStatus as the API returns it");
  sub->callback([args, run] { *run = [args] { return Status(*args); }; });
}

}  // namespace modalis::cli
