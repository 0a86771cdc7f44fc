#include "core/engine.h"

#include <chrono>

#include "core/common/clinic_id.h"
#include "core/common/status_macros.h"
#include "core/plan/golden_cases.h"

namespace modalis {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void RefuseMissingModalities(const EngineConfig& config, const PluginRegistry& plugins,
                             std::vector<Diagnostic>* diagnostics, size_t first) {
  RefuseMissingModalities(config.allow_missing_modalities, config.plugins_dir, plugins, diagnostics,
                          first);
}

}  // namespace

void RefuseMissingModalities(bool allow, const std::string& plugins_dir,
                             const PluginRegistry& plugins, std::vector<Diagnostic>* diagnostics,
                             size_t first) {
  if (allow) return;
  std::string refused;
  for (const PluginRefusal& r : plugins.refused()) refused += "; refused there: " + r.message();
  for (size_t i = first; i < diagnostics->size(); ++i) {
    Diagnostic& d = (*diagnostics)[i];
    if (!d.is(diagnostic_id::kUnknownModality)) continue;
    d.severity = Diagnostic::Severity::kError;
    d.consequence =
        "; a rule set naming a modality without its plugin does not go live: install the "
        "plugin in '" +
        plugins_dir + "' or remove the rules that name it" + refused;
  }
}

std::string RuleSetCandidate::Describe() const {
  std::string out = FormatDiagnostics(diagnostics);
  if (rules != nullptr && !golden.ok()) out += FormatGoldenReport(golden);
  return out;
}

Engine::Engine(EngineConfig config, std::shared_ptr<const PluginRegistry> plugins,
               std::shared_ptr<const CompiledRuleSet> rules)
    : config_(std::move(config)), plugins_(std::move(plugins)), live_(rules->id) {
  live_.Put(std::string(kDefaultClinic), rules);
  status_.rules = std::move(rules);
  status_.activated_at_ms = NowMs();
}

absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> Engine::CompilePublished(
    const std::string& sha256, const RuleSource& source) const {
  if (auto shared = live_.FindCompiled(sha256)) return shared;
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileRuleSet(source, *plugins_, &diagnostics);
  RefuseMissingModalities(config_, *plugins_, &diagnostics, 0);
  if (rules == nullptr || HasErrors(diagnostics)) {
    return absl::FailedPreconditionError("rule set " + sha256 +
                                         " cannot be served with the plugins loaded:\n" +
                                         FormatDiagnostics(diagnostics));
  }
  if (rules->sha256 != sha256) {
    return absl::DataLossError("the content kept for rule set " + sha256 + " has hash " +
                               rules->sha256);
  }
  return rules;
}

RuleSetCandidate Engine::Validate(const RuleSource& source) const {
  RuleSetCandidate candidate;
  candidate.rules = CompileRuleSet(source, *plugins_, &candidate.diagnostics);
  RefuseMissingModalities(config_, *plugins_, &candidate.diagnostics, 0);
  if (HasErrors(candidate.diagnostics)) candidate.rules = nullptr;
  if (candidate.rules != nullptr) candidate.golden = RunGoldenCases(*candidate.rules, source.cases);
  return candidate;
}

absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> Engine::Reload(
    const std::string& expected_sha256) {
  absl::MutexLock reload_lock(&reload_mu_);
  auto result = ReloadLocked(expected_sha256);
  absl::MutexLock lock(&mu_);
  status_.last_reload_at_ms = NowMs();
  status_.last_reload_error = result.ok() ? "" : std::string(result.status().message());
  if (!result.ok()) {
    if (status_.serving_last_good) {
      status_.last_reload_error = "still serving the last rule set that went live (" +
                                  status_.rules->id + " " + status_.rules->version + ", sha256 " +
                                  status_.rules->sha256 + "): " + status_.last_reload_error;
    }
    return result;
  }
  status_.serving_last_good = false;
  // The same content again (an editor's save without changes, a watcher woken by a temp file):
  // requests keep the snapshot they share and the activation time stays when it really changed.
  if ((*result)->sha256 == status_.rules->sha256) return status_.rules;
  status_.rules = *result;
  live_.Put(std::string(kDefaultClinic), *result);
  live_.SetDefaultCondition((*result)->id);
  status_.activated_at_ms = status_.last_reload_at_ms;
  return result;
}

absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> Engine::ReloadLocked(
    const std::string& expected_sha256) {
  auto source = ReadRuleSource(config_.rules_dir);
  if (!source.ok()) {
    // A file deleted or renamed away mid-edit: refused like any other invalid candidate.
    return absl::FailedPreconditionError(
        "the rule set in '" + config_.rules_dir +
        "' was not activated: " + std::string(source.status().message()));
  }
  for (const auto& modality : plugins_->modalities()) {
    if (absl::Status installed = CheckStillInstalled(*modality); !installed.ok()) {
      return absl::FailedPreconditionError(
          "the rule set in '" + config_.rules_dir +
          "' was not activated: the plugin for modality '" + modality->info().id + "' " +
          std::string(installed.message()) +
          "; this server still runs the copy it loaded, but a restart would not find it in '" +
          config_.plugins_dir + "': restore the plugin, then reload");
    }
  }
  RuleSetCandidate candidate = Validate(*source);
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
  absl::ReaderMutexLock lock(&mu_);
  return status_;
}

namespace {

// The rule files as start-up reads them: compiled, and tested against their golden cases.
absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> CompileRuleFiles(
    const EngineConfig& config, const PluginRegistry& plugins,
    std::vector<Diagnostic>* diagnostics) {
  ASSIGN_OR_RETURN(RuleSource source, ReadRuleSource(config.rules_dir));
  const size_t first = diagnostics->size();
  auto rules = CompileRuleSet(source, plugins, diagnostics);
  RefuseMissingModalities(config, plugins, diagnostics, first);
  if (HasErrors(*diagnostics)) rules = nullptr;
  if (rules == nullptr) {
    return absl::FailedPreconditionError("the rule set in '" + config.rules_dir +
                                         "' has errors:\n" + FormatDiagnostics(*diagnostics));
  }
  // A rule set goes live only when its golden cases pass.
  GoldenReport golden = RunGoldenCases(*rules, source.cases);
  if (!golden.ok() && config.golden_cases_advisory) {
    diagnostics->push_back(Diagnostic{
        Diagnostic::Severity::kWarning, std::string(diagnostic_id::kGoldenCasesFail),
        SourceLocation{config.rules_dir, 0, 0, ""},
        "the rule set fails its golden cases, so modalisd would not put it live; this plan is "
        "for trying it out:\n" +
            FormatGoldenReport(golden)});
  } else if (!golden.ok()) {
    return absl::FailedPreconditionError("the rule set in '" + config.rules_dir +
                                         "' fails its golden cases:\n" +
                                         FormatGoldenReport(golden));
  }
  return rules;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(const EngineConfig& config,
                                                       std::vector<Diagnostic>* diagnostics) {
  ASSIGN_OR_RETURN(auto plugins, LoadPlugins(config.plugins_dir));
  auto from_files = CompileRuleFiles(config, *plugins, diagnostics);
  if (from_files.ok()) {
    return std::unique_ptr<Engine>(new Engine(config, std::move(plugins), *std::move(from_files)));
  }
  if (!config.last_good) return from_files.status();
  // The files are broken: serve what last went live (it passed its golden cases then), and say
  // so, until a reload of fixed files replaces it.
  std::vector<Diagnostic> last_good_diagnostics;
  auto last_good = CompileRuleSet(*config.last_good, *plugins, &last_good_diagnostics);
  RefuseMissingModalities(config, *plugins, &last_good_diagnostics, 0);
  if (last_good == nullptr || HasErrors(last_good_diagnostics)) {
    return absl::FailedPreconditionError(
        std::string(from_files.status().message()) +
        "\nthe last rule set that went live cannot be served either:\n" +
        FormatDiagnostics(last_good_diagnostics));
  }
  auto engine =
      std::unique_ptr<Engine>(new Engine(config, std::move(plugins), std::move(last_good)));
  {
    // No other thread can see the engine yet; the lock is for the analysis, not for them.
    absl::MutexLock lock(&engine->mu_);
    EngineStatus& status = engine->status_;
    const auto& serving = *status.rules;
    status.serving_last_good = true;
    status.last_reload_at_ms = status.activated_at_ms;
    status.last_reload_error = "serving the last rule set that went live (" + serving.id + " " +
                               serving.version + ", sha256 " + serving.sha256 +
                               ") because the rule files cannot be used; fix them, then reload: " +
                               std::string(from_files.status().message());
  }
  return engine;
}

std::shared_ptr<const CompiledRuleSet> Engine::rules() const {
  absl::ReaderMutexLock lock(&mu_);
  return status_.rules;
}

absl::StatusOr<Plan> Engine::Suggest(const nlohmann::json& findings_json,
                                     const PlanRequest& request,
                                     std::shared_ptr<const CompiledRuleSet>* used) const {
  std::shared_ptr<const CompiledRuleSet> rules = this->rules();
  if (used != nullptr) *used = rules;
  return SuggestUnder(*rules, findings_json, request);
}

absl::StatusOr<Plan> Engine::SuggestUnder(const CompiledRuleSet& rules,
                                          const nlohmann::json& findings_json,
                                          const PlanRequest& request) const {
  return PlanForFindings(rules, findings_json, request, config_.findings_limits);
}

absl::StatusOr<Plan> Engine::SuggestDecoded(const CompiledRuleSet& rules, Findings findings,
                                            const PlanRequest& request) const {
  if (&findings.vocabulary() != rules.vocabulary.get()) {
    return absl::InternalError(
        "findings were decoded against another vocabulary than the rule set's (" +
        rules.vocabulary->id() + " " + rules.vocabulary->version() + ")");
  }
  return PlanDecodedFindings(rules, std::move(findings), request);
}

}  // namespace modalis
