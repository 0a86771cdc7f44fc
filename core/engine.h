// The Modalis engine: findings in, a session plan out.
//
// Holds the loaded modality plugins and the active compiled rule set. Each Suggest call pins one
// rule-set snapshot for its whole duration, so a concurrent reload never mixes two rule sets in one
// plan.
//
// Thread-safe: Suggest and rules() may be called concurrently from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/common/diagnostic.h"
#include "core/findings/findings.h"
#include "core/plan/golden_cases.h"
#include "core/plan/planner.h"
#include "core/plugins/plugin_host.h"
#include "core/rules/compiler.h"
#include "core/rules/live_rule_sets.h"

namespace modalis {

// Unless `allow`, a modality the rules name but no plugin provides (an "unknown-modality"
// warning from the compiler, among diagnostics[first..]) becomes an error, located where the rules
// name it, naming `plugins_dir` and what was refused there: what modalisd will not put live, the
// command line does not call ok either.
void RefuseMissingModalities(bool allow, const std::string& plugins_dir,
                             const PluginRegistry& plugins, std::vector<Diagnostic>* diagnostics,
                             size_t first = 0);

struct EngineConfig {
  std::string rules_dir;    // holds modalis.json
  std::string plugins_dir;  // absolute
  FindingsLimits findings_limits;
  // A rule set naming a modality that no loaded plugin provides is refused (at creation, reload
  // and validation) unless this is set: a clinic would otherwise lose a modality from its plans
  // without anyone deciding so, e.g. after an upgrade that left a plugin out. With it set, such a
  // rule set compiles with a warning and plans show the modality as unavailable.
  bool allow_missing_modalities = false;
  // The rule set that last went live (from the store): served when the files in rules_dir do not
  // compile or fail their golden cases at start, so a bad edit never takes the clinic down at its
  // next restart. Absent: broken files refuse the start.
  std::optional<RuleSource> last_good;
  // For tools where a person reads the plan and nothing goes live (modalis suggest, explain):
  // failing golden cases are a warning ("golden-cases-fail") instead of refusing the rule set, so
  // a plugin author can see what a new modality does before fixing the cases.
  bool golden_cases_advisory = false;
};

// A rule set compiled and tested off the request path; `ok()` when it may go live.
struct RuleSetCandidate {
  std::shared_ptr<const CompiledRuleSet> rules;  // null when it did not compile
  std::vector<Diagnostic> diagnostics;
  GoldenReport golden;
  bool ok() const { return rules != nullptr && golden.ok(); }
  // Every problem, compiler style, for people and logs.
  std::string Describe() const;
};

struct EngineStatus {
  std::shared_ptr<const CompiledRuleSet> rules;
  int64_t activated_at_ms = 0;
  std::string last_reload_error;  // empty when the last reload succeeded (or none was tried)
  // True while the rule files are broken and the last rule set that went live is served instead
  // (see EngineConfig::last_good); last_reload_error then says which file and where.
  bool serving_last_good = false;
  int64_t last_reload_at_ms = 0;
};

class Engine {
 public:
  // Loads plugins, compiles the rule set and runs its golden cases. Diagnostics (errors and
  // warnings) are appended to `diagnostics`; any error, or a failing golden case, makes creation
  // fail with all of them in the status message.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(const EngineConfig& config,
                                                        std::vector<Diagnostic>* diagnostics);

  // Decodes `findings` (INVALID_ARGUMENT naming each bad finding) and plans under the active rules.
  // `used`, when given, receives the rule-set snapshot the plan was made under (for the audit).
  absl::StatusOr<Plan> Suggest(const nlohmann::json& findings, const PlanRequest& request,
                               std::shared_ptr<const CompiledRuleSet>* used = nullptr) const;
  // The same under `rules`, a snapshot taken with rules() by a caller that reads the rule set's
  // settings before planning (which finding counts sessions, say), so both use one rule set.
  absl::StatusOr<Plan> SuggestUnder(const CompiledRuleSet& rules, const nlohmann::json& findings,
                                    const PlanRequest& request) const;
  // Plans findings a transport has already decoded against `rules.vocabulary` (the gRPC adapter
  // reads them straight from the request). INTERNAL when they were decoded against another
  // vocabulary: their slots would mean other findings.
  absl::StatusOr<Plan> SuggestDecoded(const CompiledRuleSet& rules, Findings findings,
                                      const PlanRequest& request) const;

  // Compiles and tests candidate rule files against the loaded plugins; changes nothing.
  RuleSetCandidate Validate(const RuleSource& source) const;

  // Re-reads the rules directory, validates it and, when it passes (and, if `expected_sha256` is
  // given, is exactly that content), makes it the active rule set. On any failure the active set
  // keeps serving and the reason is kept for status(). Reloads are serialized.
  //
  // Also refused when a loaded plugin's file is no longer installed as start-up would accept it:
  // the running process still has the code, but a restart would not, so rules that go live now
  // would fail later, at a worse time. Content identical to the active set leaves the active
  // snapshot (and its activation time) as it is and returns it.
  absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> Reload(
      const std::string& expected_sha256 = "");

  // The rules directory's set (what Reload and status() are about).
  std::shared_ptr<const CompiledRuleSet> rules() const;

  // What serves each clinic and condition: the rules directory's set is live for clinic
  // "default" and its condition from creation on, and again after each Reload that changes it;
  // published rule sets are put live here when activated.
  LiveRuleSets& live() { return live_; }
  const LiveRuleSets& live() const { return live_; }
  // The snapshot serving `clinic_id` for `condition` ("" for the default): see LiveRuleSets.
  absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> Resolve(
      const std::string& clinic_id, const std::string& condition) const {
    return live_.Resolve(clinic_id, condition);
  }
  // A published rule set (whose golden cases passed when it was published) compiled to be put
  // live, or the live copy with the same hash. FAILED_PRECONDITION with every problem when it no
  // longer compiles against the loaded plugins.
  absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> CompilePublished(
      const std::string& sha256, const RuleSource& source) const;
  EngineStatus status() const;
  const PluginRegistry& plugins() const { return *plugins_; }
  const EngineConfig& config() const { return config_; }

 private:
  Engine(EngineConfig config, std::shared_ptr<const PluginRegistry> plugins,
         std::shared_ptr<const CompiledRuleSet> rules);
  absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> ReloadLocked(
      const std::string& expected_sha256) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);

  const EngineConfig config_;
  const std::shared_ptr<const PluginRegistry> plugins_;
  // One reload at a time; never held on the request path. Taken before mu_, never after.
  absl::Mutex reload_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  EngineStatus status_ ABSL_GUARDED_BY(mu_);
  LiveRuleSets live_;
};

}  // namespace modalis
