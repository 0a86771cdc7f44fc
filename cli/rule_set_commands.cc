// modalis rules publish | history | rollback: a running modalisd's published rule sets, the
// activations of the caller's clinic (the operator's: the platform's), and taking one back.
// The token decides whose: an admin's clinic, or the platform for the operator.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/remote.h"
#include "core/rules/compiler.h"
#include "modalis/v1/rules_admin.grpc.pb.h"

namespace modalis::cli {
namespace {

struct PublishArgs {
  RemoteArgs remote;
  std::string directory;
  std::string comment;
  bool activate = false;
};

struct RollbackArgs {
  RemoteArgs remote;
  std::string sha256;  // or an unambiguous prefix of at least 8 digits
  std::string comment;
};

std::string Short(const std::string& sha256) { return sha256.substr(0, 12); }

// The clinic's live hash for `condition` as its history records it ("" when none): what an
// activation must name as the one it replaces.
std::string LiveFromHistory(const v1::ListRuleSetsResponse& list, const std::string& condition) {
  for (const auto& a : list.activations()) {
    if (a.condition() == condition) return a.sha256();
  }
  return "";
}

bool List(const RemoteArgs& remote, v1::RulesAdmin::Stub& stub, v1::ListRuleSetsResponse* out) {
  grpc::Status rpc = stub.ListRuleSets(CallContext(remote).get(), {}, out);
  if (!rpc.ok()) PrintRpcError(remote, "list the rule sets", rpc);
  return rpc.ok();
}

int Activate(const RemoteArgs& remote, v1::RulesAdmin::Stub& stub, const v1::RuleSetRef& rules,
             const std::string& comment, const char* verb) {
  v1::ListRuleSetsResponse list;
  if (!List(remote, stub, &list)) return 1;
  const std::string live = LiveFromHistory(list, rules.id());
  if (live == rules.sha256()) {
    std::cout << rules.id() << " " << rules.version() << " (sha256 " << Short(rules.sha256())
              << "…) is already live; nothing changed\n";
    return 0;
  }
  v1::ActivateRuleSetRequest request;
  request.set_condition(rules.id());
  request.set_sha256(rules.sha256());
  request.set_expected_live_sha256(live);
  request.set_comment(comment);
  v1::ActivateRuleSetResponse reply;
  grpc::Status rpc = stub.ActivateRuleSet(CallContext(remote).get(), request, &reply);
  if (!rpc.ok()) {
    PrintRpcError(remote, std::string(verb) + " rule set " + Short(rules.sha256()), rpc);
    return 1;
  }
  const v1::RuleSetActivation& a = reply.activation();
  std::cout << verb << " " << rules.id() << " " << rules.version() << " (sha256 "
            << Short(a.sha256()) << "…) for clinic " << a.clinic_id() << ", condition "
            << a.condition() << "; it replaces "
            << (a.replaced_sha256().empty() ? std::string("none") : Short(a.replaced_sha256()))
            << "\n";
  return 0;
}

int Publish(const PublishArgs& a) {
  auto source = ReadRuleSource(a.directory);
  if (!source.ok()) {
    std::cerr << "modalis: " << source.status().message() << "\n";
    return 2;
  }
  auto channel = Connect(a.remote);
  if (channel == nullptr) return 2;
  auto stub = v1::RulesAdmin::NewStub(channel);
  v1::PublishRuleSetRequest request;
  request.mutable_rules()->set_name(source->rules.path);
  request.mutable_rules()->set_content(source->rules.text);
  request.mutable_vocabulary()->set_name(source->vocabulary.path);
  request.mutable_vocabulary()->set_content(source->vocabulary.text);
  for (const auto& c : source->cases) {
    v1::RuleFile* file = request.add_cases();
    file->set_name(c.path);
    file->set_content(c.text);
  }
  request.set_comment(a.comment);
  v1::PublishRuleSetResponse reply;
  grpc::Status rpc = stub->PublishRuleSet(CallContext(a.remote).get(), request, &reply);
  if (!rpc.ok()) {
    PrintRpcError(a.remote, "publish " + a.directory, rpc);
    if (rpc.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      // The status message is bounded; the server's own check of the same files lists every
      // problem, located, as `rules check` does.
      v1::ValidateRuleSetRequest validate;
      *validate.mutable_rules() = request.rules();
      *validate.mutable_vocabulary() = request.vocabulary();
      *validate.mutable_cases() = request.cases();
      v1::ValidateRuleSetResponse report;
      if (stub->ValidateRuleSet(CallContext(a.remote).get(), validate, &report).ok() &&
          !report.valid()) {
        std::cerr << "every problem, as modalisd found them:\n" << report.report();
      }
    }
    return 1;
  }
  if (!reply.report().empty()) std::cerr << reply.report();
  const v1::RuleSetRef& rules = reply.rule_set();
  std::cout << (reply.newly_published() ? "published " : "already published ") << rules.id() << " "
            << rules.version() << " (sha256 " << rules.sha256() << "), " << reply.cases_passed()
            << " golden cases passed\n";
  if (!a.activate) {
    std::cout << "not live yet: `modalis rules rollback " << Short(rules.sha256())
              << "` (or publish with --activate) puts it live\n";
    return 0;
  }
  return Activate(a.remote, *stub, rules, a.comment, "activated");
}

int History(const RemoteArgs& remote) {
  auto channel = Connect(remote);
  if (channel == nullptr) return 2;
  auto stub = v1::RulesAdmin::NewStub(channel);
  v1::ListRuleSetsResponse list;
  if (!List(remote, *stub, &list)) return 1;
  for (const auto& live : list.live()) {
    std::cout << "live       " << live.condition() << ": ";
    if (!live.error().empty()) {
      std::cout << "REFUSED, " << live.error() << "\n";
      continue;
    }
    std::cout << live.rule_set().version() << " (sha256 " << Short(live.rule_set().sha256()) << "…)"
              << (live.from_platform() ? ", the platform's" : "") << "\n";
  }
  std::cout << "activations, newest first:\n";
  if (list.activations().empty()) std::cout << "  none\n";
  for (const auto& a : list.activations()) {
    std::cout << "  " << Utc(a.activated_at_ms()) << "  " << a.condition() << "  "
              << Short(a.sha256()) << " replaces "
              << (a.replaced_sha256().empty() ? std::string("none        ")
                                              : Short(a.replaced_sha256()))
              << "  by " << a.author() << (a.comment().empty() ? "" : ": " + a.comment()) << "\n";
  }
  std::cout << "published, newest first:\n";
  for (const auto& p : list.published()) {
    std::cout << "  " << Utc(p.published_at_ms()) << "  " << p.rule_set().id() << " "
              << p.rule_set().version() << "  " << Short(p.rule_set().sha256()) << "  "
              << (p.platform() ? "platform" : "clinic") << ", by " << p.author()
              << (p.comment().empty() ? "" : ": " + p.comment()) << "\n";
  }
  return 0;
}

int Rollback(const RollbackArgs& a) {
  if (a.sha256.size() < 8 || a.sha256.size() > 64) {
    std::cerr << "modalis: name the rule set by its sha256 or its first 8 or more digits "
                 "(`modalis rules history` lists them)\n";
    return 2;
  }
  auto channel = Connect(a.remote);
  if (channel == nullptr) return 2;
  auto stub = v1::RulesAdmin::NewStub(channel);
  v1::ListRuleSetsResponse list;
  if (!List(a.remote, *stub, &list)) return 1;
  const v1::RuleSetRef* chosen = nullptr;
  for (const auto& p : list.published()) {
    if (p.rule_set().sha256().rfind(a.sha256, 0) != 0) continue;
    if (chosen != nullptr && chosen->sha256() != p.rule_set().sha256()) {
      std::cerr << "modalis: " << a.sha256 << " names more than one published rule set; give "
                << "more digits\n";
      return 2;
    }
    chosen = &p.rule_set();
  }
  if (chosen == nullptr) {
    std::cerr << "modalis: no published rule set of this clinic has a sha256 starting with "
              << a.sha256 << " (`modalis rules history` lists them)\n";
    return 1;
  }
  return Activate(a.remote, *stub, *chosen, a.comment.empty() ? "rollback" : a.comment,
                  "activated");
}

}  // namespace

void AddRuleSetCommands(CLI::App& app, Common*, Runner* run) {
  CLI::App* rules = app.get_subcommand("rules");
  const std::string whose = "an admin of the clinic (or the operator, for the platform's)";

  auto publish = std::make_shared<PublishArgs>();
  CLI::App* p = rules->add_subcommand(
      "publish",
      "send a rules directory to a running modalisd: compiled, its golden cases run and, if all "
      "pass, kept by content hash for the token's clinic (the operator's: for every clinic)");
  p->add_option("DIR", publish->directory, "rules directory (with modalis.json)")->required();
  p->add_flag("--activate", publish->activate, "also put it live for its condition");
  p->add_option("--comment", publish->comment, "why, for the history");
  AddRemoteOptions(p, &publish->remote, whose);
  p->callback([publish, run] { *run = [publish] { return Publish(*publish); }; });

  auto history = std::make_shared<RemoteArgs>();
  CLI::App* h = rules->add_subcommand(
      "history",
      "what a running modalisd serves the clinic, every activation and what was "
      "published");
  AddRemoteOptions(h, history.get(), whose);
  h->callback([history, run] { *run = [history] { return History(*history); }; });

  auto rollback = std::make_shared<RollbackArgs>();
  CLI::App* r = rules->add_subcommand(
      "rollback",
      "put an earlier published rule set live again (refused if someone activated "
      "another meanwhile)");
  r->add_option("HASH", rollback->sha256, "its sha256, or its first 8 or more digits")->required();
  r->add_option("--comment", rollback->comment, "why, for the history (default: rollback)");
  AddRemoteOptions(r, &rollback->remote, whose);
  r->callback([rollback, run] { *run = [rollback] { return Rollback(*rollback); }; });
}

}  // namespace modalis::cli
