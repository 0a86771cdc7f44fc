// The audit record of one stored plan: what a clinic needs to answer "why was this suggested?"
// years later, and nothing more. Its bytes are hashed into the audit chain, so they never change
// once written; the form is compact JSON with sorted keys (what people and `db export` read).
#pragma once

#include <string>

#include "core/store/records.h"

namespace modalis {

// Written directly, without a JSON document in between: the same bytes as building the object with
// nlohmann::json and dump() (keys sorted, no spaces, UTF-8 kept), which earlier records hold.
std::string PlanAuditRecord(const StoredPlan& plan, const PlanAudit& audit);

}  // namespace modalis
