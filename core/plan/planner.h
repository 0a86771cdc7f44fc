// Turns one assessment into a session plan under one compiled rule set.
//
// Order of work (each stage can only remove, never add back what an earlier stage removed):
// referral -> required screen -> exclusions (declined, rules, plugin floors, qualifications)
// -> steps (plugins) -> order by phase and priority -> time budget -> course -> advice.
//
// Thread-safe: Plan() is const and keeps no state between calls.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/findings/findings.h"
#include "core/plan/plan.h"
#include "core/rules/rule_set.h"

namespace modalis {

struct PlanRequest {
  std::optional<uint32_t> session_minutes;  // absent: the clinic's setting
  // Absent: the rule set's clinic qualifications. Present: exactly these (possibly none).
  std::optional<std::vector<std::string>> qualifications;
};

Plan MakePlan(const CompiledRuleSet& rules, const Findings& findings, const PlanRequest& request);

}  // namespace modalis
