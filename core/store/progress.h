// Progress against baseline for one patient (clinical brief §2 and §5 R6), computed from stored
// outcomes and plans. Pure functions: the thresholds come in as a policy, which the rule set will
// supply later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/rules/care.h"
#include "core/store/records.h"

namespace modalis {

struct ProgressPolicy {
  double mic_points = 2.0;     // NPRS points of improvement that matter to patients [O1]
  double mic_fraction = 0.30;  // or this fraction of the baseline [O1]; also for pain days [D]
  // Sessions after which the course is reviewed; 0 takes the latest plan's course.
  uint32_t review_after_sessions = 0;
  // At review, not improved against baseline: a routine referral is due (§1 routine).
  bool refer_when_not_improved = true;
};

enum class BaselineSource : uint8_t { kNone, kFirstOutcome, kPlanFindings };
std::string_view BaselineSourceName(BaselineSource source);

struct MeasureChange {
  std::optional<double> baseline;
  std::optional<double> latest;
  std::optional<double> improvement;           // baseline - latest: positive is better
  std::optional<double> improvement_fraction;  // of the baseline; absent when baseline is 0
  bool reaches_mic = false;
};

struct Progress {
  std::string patient_ref;
  BaselineSource baseline_source = BaselineSource::kNone;
  MeasureChange pain_nprs;
  MeasureChange pain_days_per_week;
  uint32_t sessions_completed = 0;     // highest session with a recorded outcome
  uint32_t review_after_sessions = 0;  // 0: no course to review
  bool improved = false;               // NPRS reaches the minimal important change
  bool review_due = false;
  bool referral_due = false;
  // The latest plan's referral (kNone when it made none), so a review that is due is read beside
  // it.
  Urgency latest_referral = Urgency::kNone;
};

struct ProgressInputs {
  std::vector<SessionOutcome> outcomes;        // any order
  std::optional<FindingsBaseline> first_plan;  // the patient's first stored plan
  // The course of the latest plan that has one: a later plan that books nothing (screen required,
  // referred) does not erase a review that is due.
  std::optional<Course> latest_course;
  Urgency latest_referral = Urgency::kNone;  // the latest plan's referral
};

Progress ComputeProgress(const std::string& patient_ref, const ProgressInputs& inputs,
                         const ProgressPolicy& policy);

}  // namespace modalis
