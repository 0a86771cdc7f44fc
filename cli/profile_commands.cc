// modalis clinic profile show | set: the token's clinic's profile on a running modalisd (the
// operator's and the default clinic's admin's: the platform clinic's).
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "cli/remote.h"
#include "modalis/v1/rules_admin.grpc.pb.h"

namespace modalis::cli {
namespace {

struct ProfileArgs {
  RemoteArgs remote;
  std::string file;
  std::string comment;
  bool history = false;
};

void PrintVersion(const v1::ClinicProfileVersion& v) {
  std::cout << "version " << v.version() << ", set " << Utc(v.set_at_ms()) << " by " << v.author()
            << (v.comment().empty() ? "" : ": " + v.comment()) << "\n"
            << v.profile_json() << "\n";
}

int Show(const ProfileArgs& a) {
  auto channel = Connect(a.remote);
  if (channel == nullptr) return 2;
  auto stub = v1::RulesAdmin::NewStub(channel);
  v1::GetClinicProfileRequest request;
  request.set_history(a.history);
  v1::GetClinicProfileResponse reply;
  grpc::Status rpc = stub->GetClinicProfile(CallContext(a.remote).get(), request, &reply);
  if (!rpc.ok()) {
    PrintRpcError(a.remote, "read the clinic profile", rpc);
    return 1;
  }
  if (!reply.has_live()) {
    std::cout << "no profile: the rule sets' own settings apply\n";
    return 0;
  }
  if (!a.history) {
    PrintVersion(reply.live());
    return 0;
  }
  for (const auto& v : reply.history()) PrintVersion(v);
  return 0;
}

int Set(const ProfileArgs& a) {
  std::ifstream in(a.file, std::ios::binary);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in) {
    std::cerr << "modalis: cannot read " << a.file << "\n";
    return 2;
  }
  auto channel = Connect(a.remote);
  if (channel == nullptr) return 2;
  auto stub = v1::RulesAdmin::NewStub(channel);
  v1::GetClinicProfileResponse live;
  grpc::Status rpc = stub->GetClinicProfile(CallContext(a.remote).get(), {}, &live);
  if (!rpc.ok()) {
    PrintRpcError(a.remote, "read the clinic profile", rpc);
    return 1;
  }
  v1::SetClinicProfileRequest request;
  request.set_profile_json(text.str());
  request.set_expected_version(live.has_live() ? live.live().version() : 0);
  request.set_comment(a.comment);
  v1::SetClinicProfileResponse reply;
  rpc = stub->SetClinicProfile(CallContext(a.remote).get(), request, &reply);
  if (!rpc.ok()) {
    PrintRpcError(a.remote, "set the clinic profile from " + a.file, rpc);
    return 1;
  }
  std::cout << "clinic profile version " << reply.profile().version() << " set and applied\n";
  return 0;
}

}  // namespace

void AddProfileCommands(CLI::App& app, Common*, Runner* run) {
  CLI::App* clinic = app.get_subcommand("clinic");
  CLI::App* profile = clinic->add_subcommand(
      "profile",
      "the settings a clinic overrides in every rule set that serves it, on a running "
      "modalisd (rules/schema/clinic-profile.schema.json)");
  profile->require_subcommand(1);
  const std::string whose = "an admin of the clinic";

  auto show = std::make_shared<ProfileArgs>();
  CLI::App* s = profile->add_subcommand("show", "the clinic's live profile");
  s->add_flag("--history", show->history, "every version, newest first");
  AddRemoteOptions(s, &show->remote, whose);
  s->callback([show, run] { *run = [show] { return Show(*show); }; });

  auto set = std::make_shared<ProfileArgs>();
  CLI::App* t = profile->add_subcommand(
      "set",
      "check a profile file and make it the clinic's next version (refused if someone "
      "changed the profile meanwhile); to go back, set an earlier version's content");
  t->add_option("FILE", set->file, "the profile, a JSON file")->required();
  t->add_option("--comment", set->comment, "why, for the history");
  AddRemoteOptions(t, &set->remote, whose);
  t->callback([set, run] { *run = [set] { return Set(*set); }; });
}

}  // namespace modalis::cli
