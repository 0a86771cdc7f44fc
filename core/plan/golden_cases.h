// Golden cases: findings with the plan facts a clinician expects, run against a compiled rule set
// before it may serve (and by `modalis rules test` and ctest).
//
// The file format is documented in docs/rule-language.md and rules/schema/cases.schema.json.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/diagnostic.h"
#include "core/plan/plan.h"
#include "core/rules/compiler.h"
#include "core/rules/rule_set.h"

namespace modalis {

struct GoldenCaseResult {
  enum class Outcome { kPassed, kFailed, kSkipped };
  std::string id;
  std::string description;
  SourceLocation where;
  Outcome outcome = Outcome::kPassed;
  // Failed: one line per unmet expectation, "expected ... got ...". Skipped: why.
  std::vector<std::string> details;
  // The plan the case's findings made, when they could be planned: what a preview of a rule-set
  // edit compares with the live rule set's.
  std::optional<Plan> plan;
};

struct GoldenReport {
  std::vector<GoldenCaseResult> cases;
  std::vector<Diagnostic> diagnostics;  // problems with the case files themselves
  size_t passed() const;
  size_t failed() const;
  size_t skipped() const;
  // True when every case file parsed and no case failed.
  bool ok() const;
};

GoldenReport RunGoldenCases(const CompiledRuleSet& rules,
                            const std::vector<RuleSource::File>& files);

// One line per failed or skipped case and per diagnostic, then a summary line.
std::string FormatGoldenReport(const GoldenReport& report, bool verbose = false);

}  // namespace modalis
