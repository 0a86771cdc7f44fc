#include "core/publishing/rule_set_publisher.h"

#include <map>
#include <utility>

#include <chrono>
#include <future>

#include "core/common/clinic_id.h"
#include "core/common/sha256.h"
#include "core/common/status_macros.h"

namespace modalis {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Shares the compiled set's canonical text instead of copying it.
RuleSetRecord RecordOf(const std::shared_ptr<const CompiledRuleSet>& rules) {
  return RuleSetRecord{rules->sha256, rules->id, rules->version,
                       std::shared_ptr<const std::string>(rules, &rules->canonical_source)};
}

}  // namespace

absl::StatusOr<PublishOutcome> RuleSetPublisher::Publish(const std::string& owner,
                                                         const std::string& author,
                                                         const std::string& comment,
                                                         const RuleSource& source) {
  RuleSetCandidate candidate = engine_.Validate(source);
  if (!candidate.ok()) {
    return absl::FailedPreconditionError(
        "the rule set was not published (ValidateRuleSet, or `modalis rules check`, reports every "
        "problem):\n" +
        candidate.Describe());
  }
  PublishOutcome outcome;
  outcome.rules = candidate.rules;
  outcome.cases_passed = candidate.golden.passed();
  outcome.warnings = FormatDiagnostics(candidate.diagnostics);
  ASSIGN_OR_RETURN(outcome.newly_published,
                   store_.PublishRuleSet(PublishedRuleSet{RecordOf(candidate.rules), owner, author,
                                                          comment, NowMs()}));
  return outcome;
}

absl::StatusOr<RuleSetActivation> RuleSetPublisher::Activate(RuleSetActivation activation) {
  ASSIGN_OR_RETURN(RuleSetRecord record,
                   store_.GetPublishedRuleSet(activation.clinic_id, activation.sha256));
  if (activation.condition.empty()) activation.condition = record.id;
  if (activation.condition != record.id) {
    return absl::InvalidArgumentError("rule set " + record.sha256 + " is for the condition '" +
                                      record.id + "', not '" + activation.condition + "'");
  }
  ASSIGN_OR_RETURN(
      RuleSource source,
      RuleSourceFromCanonical(*record.canonical_source, "rule set " + record.sha256.substr(0, 12)));
  ASSIGN_OR_RETURN(auto rules, engine_.CompilePublished(record.sha256, source));
  if (activation.activated_at_ms == 0) activation.activated_at_ms = NowMs();
  // Put live in the store's commit order (its callbacks run in that order on its writer
  // thread), so two activations racing for one clinic end with the later commit serving.
  // The promise is shared with the callback, so the waiter's return cannot destroy it while the
  // writer thread is still inside set_value.
  auto promise = std::make_shared<std::promise<absl::StatusOr<RuleSetActivation>>>();
  auto result = promise->get_future();
  LiveRuleSets& live = engine_.live();
  store_.ActivateRuleSetAsync(std::move(activation),
                              [promise, &live, rules](absl::StatusOr<RuleSetActivation> stored) {
                                if (stored.ok()) live.Put(stored->clinic_id, rules);
                                promise->set_value(std::move(stored));
                              });
  return result.get();
}

absl::StatusOr<ClinicProfileRecord> RuleSetPublisher::SetProfile(const std::string& clinic_id,
                                                                 std::string_view text,
                                                                 int64_t expected_version,
                                                                 const std::string& author,
                                                                 const std::string& comment) {
  const std::string file = "clinic profile";
  std::vector<Diagnostic> diagnostics;
  std::optional<ClinicProfile> parsed = ParseClinicProfile(text, file, &diagnostics);
  if (parsed)
    diagnostics = CheckProfileAgainst(*parsed, file, engine_.live().Unprofiled(clinic_id));
  if (!parsed || HasErrors(diagnostics)) {
    return absl::InvalidArgumentError("the clinic profile was not set:\n" +
                                      FormatDiagnostics(diagnostics));
  }
  ClinicProfileRecord record;
  record.clinic_id = clinic_id;
  record.profile_json = parsed->canonical;
  record.sha256 = Sha256Hex(parsed->canonical);
  record.author = author;
  record.comment = comment;
  record.set_at_ms = NowMs();
  record.expected_version = expected_version;
  // Applied from the commit callback, in commit order, as activations are.
  auto promise = std::make_shared<std::promise<absl::StatusOr<ClinicProfileRecord>>>();
  auto result = promise->get_future();
  LiveRuleSets& live = engine_.live();
  store_.SetClinicProfileAsync(std::move(record),
                               [promise, &live, profile = std::make_shared<ClinicProfile>(*parsed)](
                                   absl::StatusOr<ClinicProfileRecord> stored) {
                                 if (stored.ok()) {
                                   profile->version = stored->version;
                                   live.SetProfile(stored->clinic_id, profile);
                                 }
                                 promise->set_value(std::move(stored));
                               });
  return result.get();
}

void RuleSetPublisher::RecordDirectorySet(std::shared_ptr<const CompiledRuleSet> rules,
                                          std::function<void(absl::Status)> done) {
  const int64_t now = NowMs();
  RuleSetActivation activation;
  activation.clinic_id = std::string(kDefaultClinic);
  activation.condition = rules->id;
  activation.sha256 = rules->sha256;
  activation.author = std::string(kRulesDirectoryAuthor);
  activation.comment = engine_.config().rules_dir;
  activation.activated_at_ms = now;
  // The activation is queued once the publication has committed (from the store's writer thread,
  // where queueing is allowed and waiting is not), so the two never compete for the queue.
  Store& store = store_;
  store_.PublishRuleSetAsync(
      PublishedRuleSet{RecordOf(rules), std::string(kPlatformOwner),
                       std::string(kRulesDirectoryAuthor), engine_.config().rules_dir, now},
      [&store, activation = std::move(activation),
       done = std::move(done)](absl::StatusOr<bool> published) mutable {
        if (!published.ok()) {
          done(published.status());
          return;
        }
        store.ActivateRuleSetAsync(
            std::move(activation),
            [done = std::move(done)](absl::StatusOr<RuleSetActivation> stored) {
              done(stored.status());
            });
      });
}

absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> RuleSetPublisher::CompileStored(
    const std::string& clinic_id, const std::string& sha256) {
  ASSIGN_OR_RETURN(RuleSetRecord record, store_.GetPublishedRuleSet(clinic_id, sha256));
  ASSIGN_OR_RETURN(RuleSource source, RuleSourceFromCanonical(*record.canonical_source,
                                                              "rule set " + sha256.substr(0, 12)));
  return engine_.CompilePublished(sha256, source);
}

absl::StatusOr<std::vector<std::string>> RuleSetPublisher::StartServing() {
  std::vector<std::string> problems;
  const std::string platform(kDefaultClinic);
  const EngineStatus status = engine_.status();
  if (!status.serving_last_good) {
    // The files went live when they differ from what the directory last activated; otherwise
    // what is live in the store stands (an activation or rollback made since survives a restart).
    ASSIGN_OR_RETURN(auto history, store_.ListActivations(platform));
    const RuleSetActivation* last_from_files = nullptr;
    for (const auto& a : history) {
      if (a.author == kRulesDirectoryAuthor && a.condition == status.rules->id) {
        last_from_files = &a;
        break;
      }
    }
    if (last_from_files == nullptr || last_from_files->sha256 != status.rules->sha256) {
      auto recorded = std::make_shared<std::promise<absl::Status>>();
      auto result = recorded->get_future();
      RecordDirectorySet(status.rules,
                         [recorded](absl::Status s) { recorded->set_value(std::move(s)); });
      if (absl::Status s = result.get(); !s.ok()) return s;
    }
  }
  RETURN_IF_ERROR(PutStoreLive(/*only_changes=*/false, &problems));
  return problems;
}

absl::Status RuleSetPublisher::PutStoreLive(bool only_changes, std::vector<std::string>* lines) {
  absl::MutexLock lock(&follow_mu_);
  std::vector<std::string>& problems = *lines;
  const std::string platform(kDefaultClinic);
  const EngineStatus status = engine_.status();
  ASSIGN_OR_RETURN(auto profiles, store_.LiveClinicProfiles());
  for (const ClinicProfileRecord& record : profiles) {
    const std::string version = std::to_string(record.version);
    if (only_changes) {
      auto serving = engine_.live().profile(record.clinic_id);
      if (serving != nullptr && serving->version == record.version) continue;
      if (serving == nullptr && refused_[{record.clinic_id, ""}] == version) continue;
      problems.push_back("clinic '" + record.clinic_id + "' now has profile version " +
                         std::to_string(record.version) + ", set on another server");
    }
    std::vector<Diagnostic> diagnostics;
    auto profile = ParseClinicProfile(
        record.profile_json, "the profile of clinic '" + record.clinic_id + "'", &diagnostics);
    if (!profile) {
      // It was checked when it was set (a later release may check more); planning without
      // the settings its owner chose could suggest what the clinic cannot give.
      std::string why = "the profile of clinic '" + record.clinic_id + "' (version " +
                        std::to_string(record.version) +
                        ") cannot be read, so its plans are refused until a profile is set: " +
                        FormatDiagnostics(diagnostics);
      problems.push_back(why);
      refused_[{record.clinic_id, ""}] = version;
      engine_.live().RefuseClinic(record.clinic_id, std::move(why));
      continue;
    }
    profile->version = record.version;
    engine_.live().SetProfile(record.clinic_id,
                              std::make_shared<const ClinicProfile>(*std::move(profile)));
  }
  ASSIGN_OR_RETURN(auto live, store_.LiveActivations());
  std::map<std::pair<std::string, std::string>, std::string> served;  // by clinic, condition
  if (only_changes) {
    for (const LiveEntry& entry : engine_.live().List("")) {
      if (entry.from_platform) continue;
      served[{entry.clinic_id, entry.condition}] = entry.rules ? entry.rules->sha256 : "";
    }
  }
  for (const RuleSetActivation& a : live) {
    if (only_changes) {
      auto it = served.find({a.clinic_id, a.condition});
      if (it != served.end() && it->second == a.sha256) continue;
      if (it != served.end() && it->second.empty() &&
          refused_[{a.clinic_id, a.condition}] == a.sha256) {
        continue;  // it could not be served when it was tried; said once
      }
      problems.push_back("clinic '" + a.clinic_id + "', condition '" + a.condition +
                         "' now serves rule set " + a.sha256 + ", activated on another server");
    }
    auto rules = CompileStored(a.clinic_id, a.sha256);
    if (rules.ok()) {
      engine_.live().Put(a.clinic_id, *rules);
      continue;
    }
    const std::string what = "the rule set live for clinic '" + a.clinic_id + "', condition '" +
                             a.condition + "' (" + a.sha256 + ") cannot be served";
    const std::string cause = std::string(rules.status().message());
    if (a.clinic_id == platform && a.condition == status.rules->id) {
      problems.push_back(what + "; the rules directory's set serves instead: " + cause);
      continue;
    }
    std::string why = what + ", so plans for it are refused until another is activated: " + cause;
    problems.push_back(why);
    refused_[{a.clinic_id, a.condition}] = a.sha256;
    engine_.live().PutBroken(a.clinic_id, a.condition, std::move(why));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> RuleSetPublisher::FollowStore() {
  std::vector<std::string> lines;
  RETURN_IF_ERROR(PutStoreLive(/*only_changes=*/true, &lines));
  return lines;
}

}  // namespace modalis
