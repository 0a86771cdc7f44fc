// Publishing rule sets and putting them live per clinic and condition (platform.md §2): the store
// keeps what was published and every activation; the engine's LiveRuleSets serves them.
//
// The rules directory is one way to publish: its set is published for the platform and activated
// for clinic "default" at start (when the files changed since they last went live) and after each
// reload that changes it, so single-clinic installs keep their workflow and their history.
//
// Thread-safe; the blocking calls must not run on the store's writer thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/engine.h"
#include "core/store/store.h"

namespace modalis {

// The author recorded for what the rules directory publishes and activates.
inline constexpr std::string_view kRulesDirectoryAuthor = "rules directory";

struct PublishOutcome {
  std::shared_ptr<const CompiledRuleSet> rules;
  bool newly_published = false;
  size_t cases_passed = 0;
  std::string warnings;  // compiler style; empty when none
};

class RuleSetPublisher {
 public:
  RuleSetPublisher(Engine& engine, Store& store) : engine_(engine), store_(store) {}

  // Compiles `source`, runs its golden cases and, when both pass, stores it for `owner` (a clinic,
  // or kPlatformOwner). FAILED_PRECONDITION with every problem, located, otherwise; nothing is
  // stored then.
  absl::StatusOr<PublishOutcome> Publish(const std::string& owner, const std::string& author,
                                         const std::string& comment, const RuleSource& source);

  // Activates a published rule set (an empty condition is the set's id) and, once the store has
  // committed it, puts it live. Errors as Store::ActivateRuleSetAsync, and FAILED_PRECONDITION
  // when the set no longer compiles with the loaded plugins (nothing is activated then).
  absl::StatusOr<RuleSetActivation> Activate(RuleSetActivation activation);

  // At start, after the engine read the rules directory: records the directory's set when it is
  // new or changed, then puts live what the store says is live for every clinic and condition.
  // Returns the problems to log (a stored set that cannot be served is refused for its clinic,
  // never replaced by the platform's). An error when the store cannot be read.
  absl::StatusOr<std::vector<std::string>> StartServing();

  // Checks a clinic profile (its text, then each code it names against the rule sets serving the
  // clinic), stores it as the clinic's next version unless `expected_version` is stale (ABORTED),
  // and applies it once committed. INVALID_ARGUMENT with every problem, located, otherwise.
  absl::StatusOr<ClinicProfileRecord> SetProfile(const std::string& clinic_id,
                                                 std::string_view text, int64_t expected_version,
                                                 const std::string& author,
                                                 const std::string& comment);

  // For a store several servers share: puts live what the store says is live now wherever it
  // differs from what this server serves (another server activated a rule set, or set a clinic's
  // profile). Returns what changed and any problem, as lines to log; an error when the store
  // cannot be read (nothing changes then).
  absl::StatusOr<std::vector<std::string>> FollowStore();

  // Publishes and activates the rules directory's set for the platform and clinic "default".
  void RecordDirectorySet(std::shared_ptr<const CompiledRuleSet> rules,
                          std::function<void(absl::Status)> done);

 private:
  // Puts live the store's clinic profiles and live rule sets, all of them or (`only_changes`)
  // those that differ from what serves now; appends what changed (with only_changes) and the
  // problems to `lines`.
  absl::Status PutStoreLive(bool only_changes, std::vector<std::string>* lines);

  // A rule set the clinic may use, from the store, compiled (or shared with a live copy).
  absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> CompileStored(const std::string& clinic_id,
                                                                       const std::string& sha256);

  Engine& engine_;
  Store& store_;
  absl::Mutex follow_mu_;
  // What PutStoreLive found it could not serve, by (clinic, condition) ("" for the clinic's
  // profile): the hash (or profile version) tried, so following the store reports it once.
  std::map<std::pair<std::string, std::string>, std::string> refused_ ABSL_GUARDED_BY(follow_mu_);
};

}  // namespace modalis
