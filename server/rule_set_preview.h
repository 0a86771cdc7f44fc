// RulesAdmin.PreviewRuleSet's work: a candidate rule set compared with the one live for its
// condition, on its golden cases and on the clinic's most recent stored plans, each asked again
// of both. Nothing is stored or activated.
#pragma once

#include "absl/status/status.h"
#include "core/engine.h"
#include "core/store/store.h"
#include "modalis/v1/rules_admin.pb.h"

namespace modalis {

// How many stored plans a preview asks again by default, and at most.
inline constexpr uint32_t kDefaultPreviewPlans = 500;
inline constexpr uint32_t kMaxPreviewPlans = 2000;

// Fills `response` (except `validation`, which the caller fills from `candidate`) for the clinic
// `clinic_id`. `candidate` must have compiled. A store that cannot be read is an error; a stored
// plan that cannot be asked again is counted as skipped.
absl::Status PreviewRuleSet(const Engine& engine, Store& store, const std::string& clinic_id,
                            const RuleSetCandidate& candidate,
                            const std::vector<RuleSource::File>& cases, uint32_t recent_plans,
                            v1::PreviewRuleSetResponse* response);

}  // namespace modalis
