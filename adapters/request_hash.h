// What makes two SuggestPlan requests "the same" for idempotency, as the hash the store keeps with
// each plan and compares on a retry under the same request_id.
#pragma once

#include <string>
#include <string_view>

#include "adapters/wire_findings.h"
#include "modalis/v1/plan_service.pb.h"
#include "modalis/wire/suggest_plan_request.pb.h"

namespace modalis {

// SHA-256 over the request's deterministic protobuf encoding of everything that shapes the plan
// and whose it is (patient_ref, findings, session_minutes, practitioner, condition when named), so
// neither the order of the findings' keys nor the order of the fields on the wire matters.
// request_id (the key itself) and dry_run (never stored) are left out. Prefixed "pb1:" to tell it
// from the older form below.
std::string RequestHash(const v1::SuggestPlanRequest& request);

// The request's findings in protobuf's deterministic encoding: what RequestHash hashes of them, and
// what EncodeReplayInput keeps (adapters/replay_input.h). A caller that needs both computes it once
// and passes it to each.
std::string FindingsEncoding(const v1::SuggestPlanRequest& request);
// RequestHash(request), from FindingsEncoding(request).
std::string RequestHash(const v1::SuggestPlanRequest& request, std::string_view findings_encoding);

// The same, of the request as modalisd reads it off the wire: the same bytes, the same hash.
std::string FindingsEncoding(const WireFindings& findings);
std::string RequestHash(const wire::SuggestPlanRequest& request,
                        std::string_view findings_encoding);

// The hash as releases before "pb1:" computed it (canonical JSON of the same parts), so a retry
// that spans an upgrade still finds the plan stored before it. Only computed for such a retry. ""
// when the findings cannot be read as JSON (they were then refused before any plan was stored).
std::string LegacyRequestHash(const v1::SuggestPlanRequest& request);
std::string LegacyRequestHash(const wire::SuggestPlanRequest& request,
                              const WireFindings& findings);

}  // namespace modalis
