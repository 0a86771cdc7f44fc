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
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/common/diagnostic.h"
#include "core/findings/findings.h"
#include "core/plan/planner.h"
#include "core/plugins/plugin_host.h"
#include "core/rules/compiler.h"

namespace modalis {

struct EngineConfig {
  std::string rules_dir;    // holds modalis.json
  std::string plugins_dir;  // absolute
  FindingsLimits findings_limits;
};

class Engine {
 public:
  // Loads plugins, compiles the rule set and runs its golden cases. Diagnostics (errors and warnings) are appended to
  // `diagnostics`; any error, or a failing golden case, makes creation fail with all of them in
  // the status message.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(const EngineConfig& config,
                                                        std::vector<Diagnostic>* diagnostics);

  // Decodes `findings` (INVALID_ARGUMENT naming each bad finding) and plans under the active rules.
  absl::StatusOr<Plan> Suggest(const nlohmann::json& findings, const PlanRequest& request) const;

  std::shared_ptr<const CompiledRuleSet> rules() const;
  const PluginRegistry& plugins() const { return *plugins_; }

 private:
  Engine(EngineConfig config, std::shared_ptr<const PluginRegistry> plugins,
         std::shared_ptr<const CompiledRuleSet> rules);

  EngineConfig config_;
  std::shared_ptr<const PluginRegistry> plugins_;
  mutable std::mutex mu_;
  std::shared_ptr<const CompiledRuleSet> rules_;  // guarded by mu_
};

}  // namespace modalis
