#include "core/plan/plan_diff.h"

#include <algorithm>
#include <set>

namespace modalis {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// How much a status holds treatment back: referred and screen-required hold it back entirely.
int Restriction(PlanStatus status) {
  switch (status) {
    case PlanStatus::kReferred:
      return 3;
    case PlanStatus::kScreenRequired:
      return 2;
    case PlanStatus::kProvisional:
      return 1;
    case PlanStatus::kComplete:
      return 0;
  }
  return 0;
}

std::string CourseText(const std::optional<Course>& c) {
  if (!c) return "none";
  return std::string(FrequencyName(c->frequency)) + " " + std::to_string(c->sessions_min) + "-" +
         std::to_string(c->sessions_max) + " sessions, review after " +
         std::to_string(c->review_after_sessions);
}

const Exclusion* FindExclusion(const Plan& plan, const std::string& modality) {
  for (const Exclusion& e : plan.exclusions) {
    if (e.modality == modality) return &e;
  }
  return nullptr;
}

const PlanStep* FindStep(const Plan& plan, const std::string& modality) {
  for (const PlanStep& s : plan.steps) {
    if (s.modality == modality) return &s;
  }
  return nullptr;
}

std::string ExclusionText(const Exclusion& e) {
  return e.modality + " (" + std::string(SeverityName(e.severity)) + ": " + e.reason + ")";
}

std::vector<std::string> ExclusionsOf(const Plan& plan, const std::string& modality) {
  std::vector<std::string> out;
  for (const Exclusion& e : plan.exclusions) {
    if (e.modality == modality) out.push_back(ExclusionText(e));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A modality may be excluded for several reasons at once: it is compared by all of them.
void DiffExclusions(const Plan& before, const Plan& after, std::vector<PlanChange>* out) {
  std::vector<std::string> modalities;
  for (const Plan* plan : {&before, &after}) {
    for (const Exclusion& e : plan->exclusions) {
      if (std::find(modalities.begin(), modalities.end(), e.modality) == modalities.end()) {
        modalities.push_back(e.modality);
      }
    }
  }
  for (const std::string& m : modalities) {
    const std::vector<std::string> was = ExclusionsOf(before, m);
    const std::vector<std::string> now = ExclusionsOf(after, m);
    if (was == now) continue;
    if (now.empty()) {
      out->push_back({"exclusion", true, "no longer excluded: " + Join(was)});
    } else if (was.empty()) {
      out->push_back({"exclusion", false, "newly excluded: " + Join(now)});
    } else {
      out->push_back(
          {"exclusion", false, "excluded differently: " + Join(was) + " → " + Join(now)});
    }
  }
}

void DiffSteps(const Plan& before, const Plan& after, std::vector<PlanChange>* out) {
  for (const PlanStep& s : before.steps) {
    if (FindStep(after, s.modality) == nullptr) {
      out->push_back({"step", false, "step removed: " + s.modality});
    }
  }
  for (const PlanStep& s : after.steps) {
    const PlanStep* was = FindStep(before, s.modality);
    if (was == nullptr) {
      // Treating with what the same findings excluded before is a safety change.
      const bool was_excluded = FindExclusion(before, s.modality) != nullptr;
      out->push_back({"step", was_excluded,
                      "step added: " + s.modality + " (" + std::to_string(s.minutes) + " min" +
                          (s.targets.empty() ? "" : " on " + Join(s.targets)) + ")" +
                          (was_excluded ? ", which was excluded" : "")});
      continue;
    }
    std::vector<std::string> parts;
    if (was->minutes != s.minutes) {
      parts.push_back("minutes " + std::to_string(was->minutes) + " → " +
                      std::to_string(s.minutes));
    }
    if (was->targets != s.targets) {
      parts.push_back("targets " + Join(was->targets) + " → " + Join(s.targets));
    }
    if (was->pressure != s.pressure) {
      parts.push_back("pressure " + (was->pressure.empty() ? "-" : was->pressure) + " → " +
                      (s.pressure.empty() ? "-" : s.pressure));
    }
    if (was->cautions != s.cautions) parts.push_back("cautions changed");
    if (was->params != s.params) parts.push_back("parameters changed");
    if (!parts.empty()) {
      out->push_back({"step", false, "step " + s.modality + ": " + Join(parts)});
    }
  }
  std::vector<std::string> order_before, order_after;
  for (const PlanStep& s : before.steps) {
    if (FindStep(after, s.modality) != nullptr) order_before.push_back(s.modality);
  }
  for (const PlanStep& s : after.steps) {
    if (FindStep(before, s.modality) != nullptr) order_after.push_back(s.modality);
  }
  if (order_before != order_after) {
    out->push_back({"order", false, "order " + Join(order_before) + " → " + Join(order_after)});
  }
}

template <typename T, typename Key>
void DiffSets(const std::vector<T>& before, const std::vector<T>& after, Key key,
              const std::string& what, const std::string& added, const std::string& removed,
              std::vector<PlanChange>* out) {
  std::set<std::string> b, a;
  for (const T& x : before) b.insert(key(x));
  for (const T& x : after) a.insert(key(x));
  for (const std::string& k : b) {
    if (a.count(k) == 0) out->push_back({what, false, removed + k});
  }
  for (const std::string& k : a) {
    if (b.count(k) == 0) out->push_back({what, false, added + k});
  }
}

}  // namespace

std::vector<PlanChange> DiffPlans(const Plan& before, const Plan& after) {
  std::vector<PlanChange> out;
  if (before.referral.urgency != after.referral.urgency) {
    out.push_back(
        {"referral", after.referral.urgency < before.referral.urgency,
         "referral " + std::string(UrgencyName(before.referral.urgency)) + " → " +
             std::string(UrgencyName(after.referral.urgency)) +
             (after.referral.reasons.empty() ? "" : " (" + Join(after.referral.reasons) + ")")});
  } else if (before.referral.reasons != after.referral.reasons) {
    out.push_back({"referral", false,
                   "referral reasons: " + Join(before.referral.reasons) + " → " +
                       Join(after.referral.reasons)});
  }
  if (before.status != after.status) {
    out.push_back({"status", Restriction(after.status) < Restriction(before.status),
                   "status " + std::string(PlanStatusName(before.status)) + " → " +
                       std::string(PlanStatusName(after.status))});
  }
  DiffExclusions(before, after, &out);
  DiffSteps(before, after, &out);
  if (CourseText(before.course) != CourseText(after.course)) {
    out.push_back({"course", false,
                   "course " + CourseText(before.course) + " → " + CourseText(after.course)});
  }
  DiffSets(
      before.advice, after.advice, [](const AdviceItem& a) { return a.code; }, "advice",
      "advice added: ", "advice removed: ", &out);
  DiffSets(
      before.missing_findings, after.missing_findings,
      [](const MissingFinding& m) { return m.code; }, "missing",
      "now asked for: ", "no longer asked for: ", &out);
  std::stable_partition(out.begin(), out.end(), [](const PlanChange& c) { return c.safety; });
  return out;
}

}  // namespace modalis
