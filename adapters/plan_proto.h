// Mapping between the engine's types and the public API's messages. Shared by modalisd and the
// CLI so both print the very same Plan message.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "absl/status/statusor.h"
#include "core/plan/plan.h"
#include "core/rules/rule_set.h"
#include "modalis/v1/plan_service.pb.h"

namespace modalis {

v1::Urgency ToProto(Urgency urgency);
v1::Frequency ToProto(Frequency frequency);
void PlanToProto(const Plan& plan, v1::Plan* out);
// The reference (id, version, sha256) to a compiled rule set.
void ToProto(const CompiledRuleSet& rules, v1::RuleSetRef* out);
// The inverse of PlanToProto: PlanToProto(*ProtoToPlan(m)) is m for every m it wrote.
// INVALID_ARGUMENT naming the field for an enum value the engine has no name for (unspecified or
// unknown) and for a step that names a parameter twice.
absl::StatusOr<Plan> ProtoToPlan(const v1::Plan& message);
// INVALID_ARGUMENT for a value the engine has no frequency for (unspecified included), as
// ProtoToPlan reports it.
absl::StatusOr<Frequency> FromProto(v1::Frequency frequency);

// A google.protobuf.Struct as JSON; INVALID_ARGUMENT when nested deeper than `max_depth`.
absl::StatusOr<nlohmann::json> StructToJson(const google::protobuf::Struct& s, int max_depth = 16);
absl::StatusOr<google::protobuf::Struct> JsonToStruct(const nlohmann::json& j);

// proto3 JSON with default values printed and field names as in the .proto file.
std::string MessageToJson(const google::protobuf::Message& message, bool pretty = true);

}  // namespace modalis
