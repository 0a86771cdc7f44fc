#pragma once

#include <string>

#include "core/plan/plan.h"

namespace modalis {

// The plan as a therapist reads it: status, referral, steps in order, exclusions, advice, course,
// and the questions still to ask.
std::string PlanToText(const Plan& plan);

}  // namespace modalis
