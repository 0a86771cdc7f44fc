#include "core/plan/plan.h"

namespace modalis {

std::string_view PlanStatusName(PlanStatus status) {
  switch (status) {
    case PlanStatus::kComplete:
      return "COMPLETE";
    case PlanStatus::kProvisional:
      return "PROVISIONAL";
    case PlanStatus::kScreenRequired:
      return "SCREEN_REQUIRED";
    case PlanStatus::kReferred:
      return "REFERRED";
  }
  return "?";
}

std::string_view UrgencyName(Urgency urgency) {
  switch (urgency) {
    case Urgency::kNone:
      return "NONE";
    case Urgency::kRoutine:
      return "ROUTINE";
    case Urgency::kUrgent:
      return "URGENT";
    case Urgency::kEmergency:
      return "EMERGENCY";
  }
  return "?";
}

std::string_view FrequencyName(Frequency frequency) {
  switch (frequency) {
    case Frequency::kTwiceWeekly:
      return "TWICE_WEEKLY";
    case Frequency::kWeekly:
      return "WEEKLY";
    case Frequency::kFortnightly:
      return "FORTNIGHTLY";
    case Frequency::kMonthly:
      return "MONTHLY";
  }
  return "?";
}

std::string_view SeverityName(Exclusion::Severity severity) {
  switch (severity) {
    case Exclusion::Severity::kAbsolute:
      return "ABSOLUTE";
    case Exclusion::Severity::kRule:
      return "RULE";
    case Exclusion::Severity::kDeclined:
      return "DECLINED";
    case Exclusion::Severity::kQualification:
      return "QUALIFICATION";
    case Exclusion::Severity::kUnavailable:
      return "UNAVAILABLE";
    case Exclusion::Severity::kPluginError:
      return "PLUGIN_ERROR";
    case Exclusion::Severity::kTimeBudget:
      return "TIME_BUDGET";
    case Exclusion::Severity::kNeedsFindings:
      return "NEEDS_FINDINGS";
  }
  return "?";
}

}  // namespace modalis
