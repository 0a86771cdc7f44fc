#include "core/engine.h"

#include <chrono>

#include "core/common/status_macros.h"
#include "core/plan/golden_cases.h"

namespace modalis {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string RuleSetCandidate::Describe() const {
  std::string out = FormatDiagnostics(diagnostics);
  if (rules != nullptr && !golden.ok()) out += FormatGoldenReport(golden);
  return out;
}

Engine::Engine(EngineConfig config, std::shared_ptr<const PluginRegistry> plugins,
               std::shared_ptr<const CompiledRuleSet> rules)
    : config_(std::move(config)), plugins_(std::move(plugins)) {
  status_.rules = std::move(rules);
  status_.activated_at_ms = NowMs();
}

RuleSetCandidate Engine::Validate(const RuleSource& source) const {
  RuleSetCandidate candidate;
  candidate.rules = CompileRuleSet(source, *plugins_, &candidate.diagnostics);
  if (candidate.rules != nullptr) candidate.golden = RunGoldenCases(*candidate.rules, source.cases);
  return candidate;
}

absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> Engine::Reload(
    const std::string& expected_sha256) {
  std::lock_guard reload_lock(reload_mu_);
  auto result = ReloadLocked(expected_sha256);
  std::lock_guard lock(mu_);
  status_.last_reload_at_ms = NowMs();
  status_.last_reload_error = result.ok() ? "" : std::string(result.status().message());
  if (result.ok()) {
    status_.rules = *result;
    status_.activated_at_ms = status_.last_reload_at_ms;
  }
  return result;
}

absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> Engine::ReloadLocked(
    const std::string& expected_sha256) {
  ASSIGN_OR_RETURN(RuleSource source, ReadRuleSource(config_.rules_dir));
  RuleSetCandidate candidate = Validate(source);
  if (!candidate.ok()) {
    return absl::FailedPreconditionError("the rule set in '" + config_.rules_dir +
                                         "' was not activated:\n" + candidate.Describe());
  }
  if (!expected_sha256.empty() && candidate.rules->sha256 != expected_sha256) {
    return absl::FailedPreconditionError("the rules directory holds rule set " +
                                         candidate.rules->sha256 + ", not the expected " +
                                         expected_sha256 + "; nothing was activated");
  }
  return candidate.rules;
}

EngineStatus Engine::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(const EngineConfig& config,
                                                       std::vector<Diagnostic>* diagnostics) {
  ASSIGN_OR_RETURN(auto plugins, LoadPlugins(config.plugins_dir));
  ASSIGN_OR_RETURN(RuleSource source, ReadRuleSource(config.rules_dir));
  auto rules = CompileRuleSet(source, *plugins, diagnostics);
  if (rules == nullptr) {
    return absl::FailedPreconditionError("the rule set in '" + config.rules_dir +
                                         "' has errors:\n" + FormatDiagnostics(*diagnostics));
  }
  // A rule set goes live only when its golden cases pass.
  GoldenReport golden = RunGoldenCases(*rules, source.cases);
  if (!golden.ok()) {
    return absl::FailedPreconditionError("the rule set in '" + config.rules_dir +
                                         "' fails its golden cases:\n" +
                                         FormatGoldenReport(golden));
  }
  return std::unique_ptr<Engine>(new Engine(config, std::move(plugins), std::move(rules)));
}

std::shared_ptr<const CompiledRuleSet> Engine::rules() const {
  std::lock_guard lock(mu_);
  return status_.rules;
}

absl::StatusOr<Plan> Engine::Suggest(const nlohmann::json& findings_json,
                                     const PlanRequest& request,
                                     std::shared_ptr<const CompiledRuleSet>* used) const {
  std::shared_ptr<const CompiledRuleSet> rules = this->rules();
  if (used != nullptr) *used = rules;
  return PlanForFindings(*rules, findings_json, request, config_.findings_limits);
}

}  // namespace modalis
