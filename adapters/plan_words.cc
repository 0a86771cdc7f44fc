#include "adapters/plan_words.h"

namespace modalis {

const char* UrgencyWord(v1::Urgency urgency) {
  switch (urgency) {
    case v1::EMERGENCY:
      return "emergency";
    case v1::URGENT:
      return "urgent";
    case v1::ROUTINE:
      return "routine";
    default:
      return "none";
  }
}

std::string CourseWords(const v1::Course& course) {
  static const char* kFrequency[] = {"", "twice weekly", "weekly", "fortnightly", "monthly"};
  const int f = static_cast<int>(course.frequency());
  std::string text = (f >= 1 && f <= 4) ? kFrequency[f] : "as agreed";
  text += ", " + std::to_string(course.sessions_min());
  if (course.sessions_max() != course.sessions_min()) {
    text += "-" + std::to_string(course.sessions_max());
  }
  text += " sessions";
  if (course.review_after_sessions() > 0) {
    text += ", review after " + std::to_string(course.review_after_sessions());
  }
  return text;
}

}  // namespace modalis
