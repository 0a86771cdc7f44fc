// What a stored plan was asked, kept with it (StoredPlan::replay_input) so that the same question
// can be put to another rule set: the console's "what would change" before a rule set is
// published, and the patient's export. The store keeps the bytes and their format's name without
// reading them; this is the one place that writes and reads them.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modalis/v1/plan_service.pb.h"
#include "modalis/wire/suggest_plan_request.pb.h"

namespace modalis {

// The format EncodeReplayInput writes, stored beside the bytes (StoredPlan::replay_format).
inline constexpr std::string_view kReplayInputFormat = "modalis.v1.SuggestPlanRequest";

// The deterministic protobuf encoding of a SuggestPlanRequest holding only what decides the plan:
// findings, session_minutes, practitioner (when present: absent and "no qualifications" differ)
// and condition. Whose and which request it was (patient_ref, request_id) and how it was asked
// (dry_run, explain_not_fired) are left out. Never empty: the findings are always present, even
// when none were sent.
std::string EncodeReplayInput(const v1::SuggestPlanRequest& request);
// The same bytes, from the findings' encoding the caller has already (FindingsEncoding in
// adapters/request_hash.h, which modalisd hashes the request with), so they are encoded once.
std::string EncodeReplayInput(const v1::SuggestPlanRequest& request,
                              std::string_view findings_encoding);
// The same, of the request as modalisd reads it off the wire.
std::string EncodeReplayInput(const wire::SuggestPlanRequest& request,
                              std::string_view findings_encoding);

// The request EncodeReplayInput wrote. FAILED_PRECONDITION for a format other than
// kReplayInputFormat (naming both) and for a plan that kept none (both empty), DATA_LOSS for bytes
// that are not such a message.
absl::StatusOr<v1::SuggestPlanRequest> DecodeReplayInput(std::string_view format,
                                                         std::string_view bytes);

}  // namespace modalis
