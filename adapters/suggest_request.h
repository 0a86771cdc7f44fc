// The SuggestPlan request as the engine sees it: checked and converted, with no gRPC and no store.
// modalisd's PlanService and the request fuzzer both go through here, so what is fuzzed is exactly
// what the server accepts.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "adapters/wire_findings.h"
#include "core/findings/findings.h"
#include "core/plan/planner.h"
#include "modalis/v1/plan_service.pb.h"
#include "modalis/wire/suggest_plan_request.pb.h"

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
// The same, of the request as modalisd reads it off the wire, whose findings are read already.
absl::StatusOr<SuggestInput> ReadSuggestRequest(const wire::SuggestPlanRequest& request,
                                                const WireFindings& findings,
                                                std::shared_ptr<const Vocabulary> vocabulary,
                                                const FindingsLimits& limits);

// The request's fields but its findings, in the form modalisd reads off the wire
// (adapters/proto/modalis/wire); its findings go with it as WireFindings::Of(request.findings()).
wire::SuggestPlanRequest WithoutFindings(const v1::SuggestPlanRequest& request);
// The API's message again, from the wire form and its findings.
v1::SuggestPlanRequest ToApiRequest(const wire::SuggestPlanRequest& request,
                                    const WireFindings& findings);

// A wire request's bytes read into `out` (on its arena, if it has one); INVALID_ARGUMENT naming
// the message when protobuf cannot read them.
absl::Status ParseWireRequest(std::string_view bytes, wire::SuggestPlanRequest* out);

}  // namespace modalis
