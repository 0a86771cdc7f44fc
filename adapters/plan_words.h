// Parts of an API plan in words, for the doors that show a plan to people (FHIR notes, CDS cards).
#pragma once

#include <string>

#include "modalis/v1/plan_service.pb.h"

namespace modalis {

// "emergency", "urgent", "routine" or "none".
const char* UrgencyWord(v1::Urgency urgency);

// "weekly, 4-6 sessions, review after 4".
std::string CourseWords(const v1::Course& course);

}  // namespace modalis
