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
#include "cli/remote.h"
#include "modalis/v1/rules_admin.grpc.pb.h"

namespace modalis::cli {
namespace {

struct StatusArgs {
  RemoteArgs remote;
  bool json = false;
};

void PrintReadable(const StatusArgs& a, const v1::GetStatusResponse& s) {
  const v1::RuleSetRef& rules = s.rule_set();
  std::cout << "modalisd at " << a.remote.address << "\n"
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
  for (const v1::LiveRuleSet& live : s.live()) {
    std::cout << "serving     clinic " << live.clinic_id() << ", " << live.condition() << ": ";
    if (!live.error().empty()) {
      std::cout << "REFUSED, " << live.error() << "\n";
      continue;
    }
    std::cout << live.rule_set().version() << " (sha256 " << live.rule_set().sha256().substr(0, 12)
              << "…)" << (live.from_platform() ? ", the platform's" : "") << "\n";
  }
  // With a shared store: which replica serves what, so a replica left behind stands out.
  for (const v1::ReplicaRuleSet& r : s.replicas()) {
    std::cout << "replica     " << r.replica_id() << ", clinic " << r.clinic_id() << ", "
              << r.condition() << ": ";
    if (r.sha256().empty()) {
      std::cout << "REFUSED, " << r.error();
    } else {
      std::cout << "sha256 " << r.sha256().substr(0, 12) << "…";
    }
    std::cout << " (reported " << Utc(r.reported_at_ms()) << ")\n";
  }
}

int Status(const StatusArgs& a) {
  auto channel = Connect(a.remote);
  if (channel == nullptr) return 2;
  auto stub = v1::RulesAdmin::NewStub(channel);
  v1::GetStatusResponse reply;
  grpc::Status rpc = stub->GetStatus(CallContext(a.remote).get(), v1::GetStatusRequest(), &reply);
  if (!rpc.ok()) {
    PrintRpcError(a.remote, "get the status of modalisd", rpc);
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

}  // namespace

void AddStatusCommand(CLI::App& app, Common*, Runner* run) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* sub = app.add_subcommand(
      "status",
      "what a running modalisd serves: rule set, whether it fell back to the last good one and "
      "why, whether it can store plans, plugins (exit 4 when the database cannot be written, 3 "
      "when serving the last good rule set)");
  AddRemoteOptions(sub, &args->remote, "an admin");
  sub->add_flag("--json", args->json, "print GetStatus as the API returns it");
  sub->callback([args, run] { *run = [args] { return Status(*args); }; });
}

}  // namespace modalis::cli
