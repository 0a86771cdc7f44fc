#include "core/store/records.h"

#include <cmath>
#include <string>

#include "core/common/field_violations.h"

namespace modalis {
namespace {

absl::Status InRange(const char* field, double value, double lo, double hi) {
  if (std::isfinite(value) && value >= lo && value <= hi) return absl::OkStatus();
  return InvalidField(field, std::string(field) + " must be between " + NumberText(lo) + " and " +
                                 NumberText(hi) + ", got " + NumberText(value));
}

}  // namespace

std::string_view StepDecisionName(StepDecision decision) {
  switch (decision) {
    case StepDecision::kAccepted:
      return "accepted";
    case StepDecision::kModified:
      return "modified";
    case StepDecision::kDeclined:
      return "declined";
  }
  return "accepted";
}

StepDecision StepDecisionFromName(std::string_view name) {
  return name == "modified"   ? StepDecision::kModified
         : name == "declined" ? StepDecision::kDeclined
                              : StepDecision::kAccepted;
}

absl::Status ValidateOutcome(const SessionOutcome& o) {
  if (o.patient_ref.empty()) return InvalidField("patient_ref", "patient_ref is required");
  if (o.session_number < 1) return InvalidField("session_number", "session_number starts at 1");
  if (auto s = InRange("pain_nprs", o.pain_nprs, 0, 10); !s.ok()) return s;
  if (auto s = InRange("pain_days_per_week", o.pain_days_per_week, 0, 7); !s.ok()) return s;
  if (o.odi_percent) {
    if (auto s = InRange("odi_percent", *o.odi_percent, 0, 100); !s.ok()) return s;
  }
  if (o.rmdq) {
    if (auto s = InRange("rmdq", *o.rmdq, 0, 24); !s.ok()) return s;
  }
  if (o.psfs_avg) {
    if (auto s = InRange("psfs_avg", *o.psfs_avg, 0, 10); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateFeedback(const StepFeedback& f) {
  if (f.plan_id.empty()) return InvalidField("plan_id", "plan_id is required");
  // A modified or declined suggestion is only useful to the clinic with its reason.
  if (f.decision != StepDecision::kAccepted && f.reason.empty()) {
    return InvalidField("reason", std::string("a reason is required when a step is ") +
                                      std::string(StepDecisionName(f.decision)));
  }
  if (f.reason.size() > 1000) return InvalidField("reason", "reason is longer than 1000 bytes");
  return absl::OkStatus();
}

}  // namespace modalis
