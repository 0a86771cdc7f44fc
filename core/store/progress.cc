#include "core/store/progress.h"

#include <algorithm>

#include "core/common/decimal.h"

namespace modalis {
namespace {

MeasureChange Change(std::optional<double> baseline, std::optional<double> latest,
                     std::optional<double> mic_points, double mic_fraction) {
  MeasureChange c;
  c.baseline = baseline;
  c.latest = latest;
  if (!baseline || !latest) return c;
  c.improvement = *baseline - *latest;
  if (*baseline > 0) c.improvement_fraction = *c.improvement / *baseline;
  // At the precision the scores are recorded in: 8.7 -> 6.7 is exactly 2 points.
  const bool by_points = mic_points && ReachesPoints(*baseline, *latest, *mic_points);
  const bool by_fraction = ReachesFraction(*baseline, *latest, mic_fraction);
  c.reaches_mic = *c.improvement > 0 && (by_points || by_fraction);
  return c;
}

}  // namespace

std::string_view BaselineSourceName(BaselineSource source) {
  switch (source) {
    case BaselineSource::kNone:
      return "none";
    case BaselineSource::kFirstOutcome:
      return "first_outcome";
    case BaselineSource::kPlanFindings:
      return "plan_findings";
  }
  return "none";
}

Progress ComputeProgress(const std::string& patient_ref, const ProgressInputs& inputs,
                         const ProgressPolicy& policy) {
  Progress p;
  p.patient_ref = patient_ref;

  std::vector<SessionOutcome> outcomes = inputs.outcomes;
  std::sort(outcomes.begin(), outcomes.end(),
            [](const auto& a, const auto& b) { return a.session_number < b.session_number; });

  std::optional<double> base_nprs, base_days, last_nprs, last_days;
  if (!outcomes.empty()) {
    // The first recorded outcome is the baseline (brief §5 R6).
    p.baseline_source = BaselineSource::kFirstOutcome;
    base_nprs = outcomes.front().pain_nprs;
    base_days = outcomes.front().pain_days_per_week;
    last_nprs = outcomes.back().pain_nprs;
    last_days = outcomes.back().pain_days_per_week;
    p.sessions_completed = outcomes.back().session_number;
  } else if (inputs.first_plan) {
    // No outcome yet: the assessment's findings, preferring the recorded baseline score.
    const FindingsBaseline& f = *inputs.first_plan;
    base_nprs = f.baseline_pain_nprs ? f.baseline_pain_nprs : f.pain_nprs;
    base_days = f.pain_days_per_week;
    if (base_nprs || base_days) p.baseline_source = BaselineSource::kPlanFindings;
  }
  // When outcomes exist but the first plan recorded an earlier baseline, the outcome still wins:
  // it is measured the same way as the later sessions.

  p.pain_nprs = Change(base_nprs, last_nprs, policy.mic_points, policy.mic_fraction);
  // Pain days per week have no validated points threshold: only the fraction applies [D].
  p.pain_days_per_week = Change(base_days, last_days, std::nullopt, policy.mic_fraction);
  p.improved = p.pain_nprs.reaches_mic;

  p.review_after_sessions = policy.review_after_sessions;
  if (p.review_after_sessions == 0 && inputs.latest_course) {
    p.review_after_sessions = inputs.latest_course->review_after_sessions;
  }
  p.review_due = p.review_after_sessions > 0 && p.sessions_completed >= p.review_after_sessions;
  p.latest_referral = inputs.latest_referral;
  // A referral needs evidence: a review that is due and an NPRS change that could be measured.
  p.referral_due =
      policy.refer_when_not_improved && p.review_due && p.pain_nprs.improvement && !p.improved;
  return p;
}

}  // namespace modalis
