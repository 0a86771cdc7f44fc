// Plans at rest as the public API's modalis.v1.Plan message in its deterministic binary encoding:
// the codec modalisd and the modalis CLI open the store with (core/store/plan_codec.h). Far cheaper
// to write than the JSON form, and modalisd already builds the message for its reply.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/store/plan_codec.h"
#include "modalis/v1/plan_service.pb.h"

namespace modalis {

// The format ProtoPlanCodec stores beside each plan.
inline constexpr std::string_view kProtoPlanFormat = "modalis.v1.Plan";

// Encode: PlanToProto, then EncodePlanMessage. Decode: the message, then ProtoToPlan; DATA_LOSS
// naming the problem for bytes that are not such a message or hold a value the engine has no
// name for.
std::shared_ptr<const PlanCodec> ProtoPlanCodec();

// The message's deterministic serialisation: the bytes ProtoPlanCodec().Encode writes for the
// plan the message was built from (PlanToProto), so a caller that has the message can pass them
// as NewPlan::encoded_plan.
std::string EncodePlanMessage(const v1::Plan& message);

}  // namespace modalis
