// Rule files in, a CompiledRuleSet (or located diagnostics) out.
//
// Every problem in the files is reported in one pass, each with its file, line, column and JSON
// pointer, so a therapist can fix them all at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/common/diagnostic.h"
#include "core/plugins/plugin_host.h"
#include "core/rules/rule_set.h"

namespace modalis {

// The files that make up one rule set, as named by a manifest (rules/modalis.json).
struct RuleSource {
  struct File {
    std::string path;  // as shown in diagnostics
    std::string text;
  };
  File manifest;
  File vocabulary;
  File rules;
  std::vector<File> cases;
};

// Reads `directory`/modalis.json and the files it names. Fails when a file cannot be read.
absl::StatusOr<RuleSource> ReadRuleSource(const std::string& directory);

// Compiles a rule source against the loaded plugins. Returns null when any error was reported;
// warnings never stop compilation.
std::shared_ptr<const CompiledRuleSet> CompileRuleSet(const RuleSource& source,
                                                      const PluginRegistry& plugins,
                                                      std::vector<Diagnostic>* diagnostics);

// Formats diagnostics one per line, compiler style.
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace modalis
