// The care a rule can decide on, as plain values: how urgent a referral is and what course of
// sessions to book. Plans and the store carry them without depending on compiled rules.
#pragma once

#include <cstdint>

namespace modalis {

enum class Urgency : uint8_t { kNone = 0, kRoutine = 1, kUrgent = 2, kEmergency = 3 };
enum class Frequency : uint8_t { kTwiceWeekly, kWeekly, kFortnightly, kMonthly };

struct Course {
  Frequency frequency = Frequency::kWeekly;
  uint32_t sessions_min = 0;
  uint32_t sessions_max = 0;
  uint32_t review_after_sessions = 0;
};

}  // namespace modalis
