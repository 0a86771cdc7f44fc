// The course of care a plan books, and its review once the course reaches its review point.
#include <algorithm>
#include <optional>

#include "core/plan/planner_internal.h"

namespace modalis {

void Planner::ChooseCourse() {
  if (plan_.steps.empty()) return;  // nothing to book
  for (const CourseRule& rule : rules_.course_rules) {
    size_t witness = 0;
    const Tri r = EvaluateInAll(rule.root, &witness);
    if (r == Tri::kTrue) {
      plan_.course = rule.course;
      course_rule_ = &rule;
      return;
    }
    if (r == Tri::kUnknown) {
      for (SlotId s : rules_.MissingFor(rule.root, Reading(witness))) {
        Missing(s, "needed to choose the course of care: " + rule.description);
      }
    }
  }
}

std::optional<double> Planner::Known(SlotId slot) const {
  if (slot == kNoSlot || !Reading(0).known(slot)) return std::nullopt;
  return Reading(0).value(slot).number;
}

// At the course's review point, no meaningful improvement means a routine referral (brief §5 R6).
// Which findings measure it and what improvement counts are the rule set's progress settings.
void Planner::Review() {
  const ProgressSettings& progress = rules_.progress;
  if (!plan_.course || !progress.enabled) return;
  const auto sessions = Known(progress.sessions_completed);
  if (!sessions || *sessions < plan_.course->review_after_sessions) return;
  const std::string why = "needed for the review after " +
                          std::to_string(plan_.course->review_after_sessions) + " sessions";
  const auto baseline =
      request_.baseline_pain ? request_.baseline_pain : Known(progress.baseline_pain);
  const auto now = Known(progress.pain);
  if (!baseline) Missing(progress.baseline_pain, why);
  if (!now) Missing(progress.pain, why);
  if (!baseline || !now) {
    safety_open_ = true;
    return;
  }
  const ReviewPolicy policy{progress.mic_points, progress.mic_percent};
  const bool improved = ReachesMinimalImportantChange(*baseline, *now, policy);
  FiredRule review{"course.review",
                   "Review after " + std::to_string(plan_.course->review_after_sessions) +
                       " sessions: pain " + FormatScore(*baseline) + " at baseline, " +
                       FormatScore(*now) + " now",
                   "Minimal important change [O1]; clinic practice [SEED]",
                   improved ? "improved" : "fired",
                   {Code(progress.sessions_completed), Code(progress.pain)}};
  if (!request_.baseline_pain) review.findings.push_back(Code(progress.baseline_pain));
  if (!improved) {
    plan_.referral.urgency = std::max(plan_.referral.urgency, Urgency::kRoutine);
    AddUnique(&plan_.referral.reasons, "no meaningful improvement after " + FormatScore(*sessions) +
                                           " sessions: letter to GP");
    AddUnique(&plan_.referral.rule_ids, review.rule_id);
    review_referral_ = true;
  }
  review_ = std::move(review);
}

std::string Planner::FormatScore(double d) {
  std::string s = std::to_string(d);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace modalis
