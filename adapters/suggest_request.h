// The SuggestPlan request as the engine sees it: checked and converted, with no gRPC and no store.
// modalisd's PlanService and the request fuzzer both go through here, so what is fuzzed is exactly
// what the server accepts.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "core/findings/findings.h"
#include "core/plan/planner.h"
#include "modalis/v1/plan_service.pb.h"

namespace modalis {

// Longest patient_ref, request_id and plan_id accepted.
inline constexpr size_t kMaxRefBytes = 64;

// Pseudonymous references only: letters, digits and . _ : - (no spaces, so no "First Last").
bool ValidRef(const std::string& ref);

struct SuggestInput {
  Findings findings;  // decoded against the vocabulary given to ReadSuggestRequest
  PlanRequest plan_request;
};

// Checks the request's fields and converts it; INVALID_ARGUMENT naming the bad field, or every bad
// finding (with a field violation each). The findings are decoded straight from the request's
// Struct against `vocabulary`, which must be the one of the rule set that will plan them; `limits`
// bound the findings and the practitioner's qualifications alike.
absl::StatusOr<SuggestInput> ReadSuggestRequest(const v1::SuggestPlanRequest& request,
                                                std::shared_ptr<const Vocabulary> vocabulary,
                                                const FindingsLimits& limits);

}  // namespace modalis
