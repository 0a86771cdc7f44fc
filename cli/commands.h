// Subcommands of the modalis CLI, one group per file. Each Add* registers its subcommands on `app`
// and sets `*run` to the function to call when one of them was chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/diagnostic.h"
#include "core/engine.h"
#include "core/plan/planner.h"

namespace modalis::cli {

using Runner = std::function<int()>;

// Options most commands share.
struct Common {
  std::string rules = "rules";
  std::string plugins;  // empty: the plugins built beside this executable
  // rules check / test: accept a modality without its plugin, as modalisd --allow-missing-plugins.
  bool allow_missing_plugins = false;
};

void AddCommonOptions(CLI::App* sub, Common* common);
// The absolute plugins directory to use.
std::string PluginsDir(const Common& common);

// A findings file as `suggest` and `explain` read it: either a findings object, or a request-like
// object with "findings" and the options "session_minutes" and "practitioner". Prints why and
// returns false when the file cannot be used.
struct FindingsFile {
  nlohmann::json findings;
  PlanRequest request;
};
bool ReadFindingsFile(const std::string& path, FindingsFile* out);

// Prints the rule set's failing golden cases, if creating the engine reported them, as a warning
// on standard error: the plan still prints, but the rules would not go live.
void WarnFailingGoldenCases(const std::vector<Diagnostic>& diagnostics);

// The engine over --rules and --plugins for a person to read plans from, nothing going live: a
// modality without its plugin is allowed, failing golden cases are a warning. Null, having said
// why on standard error, when the rules cannot be loaded.
std::unique_ptr<Engine> EngineForReading(const Common& common);

void AddPlanCommands(CLI::App& app, Common* common, Runner* run);    // suggest
void AddRulesCommands(CLI::App& app, Common* common, Runner* run);   // rules ...
void AddPluginCommands(CLI::App& app, Common* common, Runner* run);  // plugins ...
void AddDbCommands(CLI::App& app, Common* common, Runner* run);      // db ...
void AddClinicCommands(CLI::App& app, Common* common, Runner* run);  // clinic ...
void AddTokenCommands(CLI::App& app, Common* common, Runner* run);   // token add
// rules test; after AddRulesCommands, which creates "rules".
void AddGoldenCommands(CLI::App& app, Common* common, Runner* run);
// rules publish | history | rollback (ask modalisd); after AddRulesCommands.
void AddRuleSetCommands(CLI::App& app, Common* common, Runner* run);
// clinic profile show | set (ask modalisd); after AddClinicCommands.
void AddProfileCommands(CLI::App& app, Common* common, Runner* run);
void AddExplainCommands(CLI::App& app, Common* common, Runner* run);  // explain
void AddEvidenceCommand(CLI::App& app, Common* common, Runner* run);  // evidence
void AddStatusCommand(CLI::App& app, Common* common, Runner* run);    // status (asks modalisd)

}  // namespace modalis::cli
