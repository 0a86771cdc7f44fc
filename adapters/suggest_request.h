// The SuggestPlan request as the engine sees it: checked and converted, with no gRPC and no store.
// modalisd's PlanService and the request fuzzer both go through here, so what is fuzzed is exactly
// what the server accepts.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "absl/status/statusor.h"
#include "core/plan/planner.h"
#include "modalis/v1/plan_service.pb.h"

namespace modalis {

// Longest patient_ref, request_id and plan_id accepted.
inline constexpr size_t kMaxRefBytes = 64;

// Pseudonymous references only: letters, digits and . _ : - (no spaces, so no "First Last").
bool ValidRef(const std::string& ref);

struct SuggestInput {
  nlohmann::json findings;  // the request's findings Struct as JSON, not yet decoded
  PlanRequest plan_request;
};

// Checks the request's own fields and converts it; INVALID_ARGUMENT naming the bad field.
// Findings are decoded later, by the engine, against the rule set it pins; `limits` bound the
// practitioner's qualifications as they bound a list finding.
absl::StatusOr<SuggestInput> ReadSuggestRequest(const v1::SuggestPlanRequest& request,
                                                const FindingsLimits& limits);

}  // namespace modalis
