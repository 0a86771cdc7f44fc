#include "core/engine.h"

#include "core/common/status_macros.h"
#include "core/plan/golden_cases.h"

namespace modalis {

Engine::Engine(EngineConfig config, std::shared_ptr<const PluginRegistry> plugins,
               std::shared_ptr<const CompiledRuleSet> rules)
    : config_(std::move(config)), plugins_(std::move(plugins)), rules_(std::move(rules)) {}

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
  return rules_;
}

absl::StatusOr<Plan> Engine::Suggest(const nlohmann::json& findings_json,
                                     const PlanRequest& request) const {
  std::shared_ptr<const CompiledRuleSet> rules = this->rules();
  return PlanForFindings(*rules, findings_json, request, config_.findings_limits);
}

}  // namespace modalis
