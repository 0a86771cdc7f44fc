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
#include "core/modality/modality.h"
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

// What a rule file may hold at most; beyond these it is refused with a located error.
struct RuleLimits {
  size_t max_file_bytes = 4 * 1024 * 1024;
  int max_json_depth = 64;       // objects and arrays inside each other, anywhere in a file
  int max_condition_depth = 12;  // all/any/not inside each other in one "when"
  size_t max_rules = 50000;
};

// Reads `directory`/`manifest` and the files it names (relative to `directory`). Fails when a file
// cannot be read. Another manifest name is for checking a new manifest before it is renamed into
// place, the one step that swaps a rule file and its golden cases together.
absl::StatusOr<RuleSource> ReadRuleSource(const std::string& directory,
                                          const std::string& manifest = "modalis.json");

// Compiles a rule source against the modalities it may name (the loaded plugins, or fakes in
// tests). Returns null when any error was reported; warnings never stop compilation.
std::shared_ptr<const CompiledRuleSet> CompileRuleSet(const RuleSource& source,
                                                      const ModalitySet& modalities,
                                                      std::vector<Diagnostic>* diagnostics,
                                                      const RuleLimits& limits = {});

// The rule source a compiled rule set's canonical_source holds (its vocabulary and rules; golden
// cases are not part of it), named `label` in diagnostics. Compiling it gives the same sha256.
absl::StatusOr<RuleSource> RuleSourceFromCanonical(const std::string& canonical_source,
                                                   const std::string& label);

// Formats diagnostics one per line, compiler style.
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace modalis
