// The plan as JSON, with the same field names and enum spellings as the public API's proto3 JSON.
// Used by the store (so stored plans read back exactly) and by tools.
#pragma once

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "core/plan/plan.h"

namespace modalis {

nlohmann::json PlanToJson(const Plan& plan);
absl::StatusOr<Plan> PlanFromJson(const nlohmann::json& json);

}  // namespace modalis
