// Turns one assessment into a session plan under one compiled rule set.
//
// Order of work (each stage can only remove, never add back what an earlier stage removed):
// referral -> required screen -> exclusions (declined, rules, plugin floors, qualifications)
// -> steps (plugins) -> order by phase and priority -> time budget -> course -> advice.
//
// Thread-safe: planning and keeps no state between calls.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/findings/findings.h"
#include "core/plan/plan.h"
#include "core/rules/rule_set.h"

namespace modalis {

// When a course reaches its review, improvement is judged against the baseline with the minimal
// important change the rule set's progress settings give (the defaults are clinical brief §2's:
// 2 points on the pain scale or 30%).
struct ReviewPolicy {
  double min_nprs_points = 2;
  double min_percent = 30;
};

// True when the drop from `baseline` to `now` reaches the minimal important change, compared at the
// precision the scores are recorded in (8.7 -> 6.7 is a drop of exactly 2).
bool ReachesMinimalImportantChange(double baseline, double now, const ReviewPolicy& policy);

struct PlanRequest {
  std::optional<uint32_t> session_minutes;  // absent: the clinic's setting
  // Absent: the rule set's clinic qualifications. Present: exactly these (possibly none).
  std::optional<std::vector<std::string>> qualifications;
  // The patient's first recorded pain score, when the store has one; else the finding the rule
  // set's progress settings name as the baseline is used.
  std::optional<double> baseline_pain;
  // Also explain every rule of the rule file that did not fire ("not_fired", "undecided"): for a
  // person trying findings, never for a stored plan, which keeps what explains its suggestions.
  bool explain_not_fired = false;
};

Plan MakePlan(const CompiledRuleSet& rules, const Findings& findings, const PlanRequest& request);

// Derives the findings the vocabulary declares from those recorded, then plans. `findings` must be
// decoded against `rules.vocabulary`.
Plan PlanDecodedFindings(const CompiledRuleSet& rules, Findings findings,
                         const PlanRequest& request);

// Decodes and derives findings, then plans: what the engine, the CLI and golden cases all run.
// INVALID_ARGUMENT names every bad finding.
absl::StatusOr<Plan> PlanForFindings(const CompiledRuleSet& rules, const nlohmann::json& findings,
                                     const PlanRequest& request, const FindingsLimits& limits = {});

}  // namespace modalis
