// The evidence report (core/store/evidence.h) as the public API's GetEvidenceResponse, and the
// request read back into a query. Shared by modalisd and the CLI, which prints a report it
// computed from a database file the same way as one it received.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "core/store/evidence.h"
#include "modalis/v1/plan_service.pb.h"

namespace modalis {

void EvidenceToProto(const EvidenceReport& report, const std::string& clinic_id,
                     v1::GetEvidenceResponse* out);

// INVALID_ARGUMENT with a field violation for each bad field: negative times, an empty range, a
// rule set that is not a sha256.
absl::StatusOr<EvidenceQuery> EvidenceQueryFromProto(const v1::GetEvidenceRequest& request);

}  // namespace modalis
