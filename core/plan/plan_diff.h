// What changes between two plans for the same findings, in plain words: what a therapist must see
// before publishing an edit to the rules (the console's "what changes"). Safety changes come
// first: a referral that disappears or becomes less urgent, treatment that was withheld and is
// now allowed, an exclusion that disappears.
#pragma once

#include <string>
#include <vector>

#include "core/plan/plan.h"

namespace modalis {

struct PlanChange {
  // "referral", "status", "exclusion", "step", "order", "course", "advice" or "missing".
  std::string what;
  // Less safe than before: a referral gone or less urgent, treatment newly allowed, an exclusion
  // gone, a step for a modality that was excluded.
  bool safety = false;
  // e.g. "referral EMERGENCY → NONE", "no longer excluded: dry_needling (takes anticoagulants)".
  std::string text;
};

// Every difference between `before` and `after`, safety changes first, then in the order of the
// plan's sections. Empty when the plans suggest the same (ids, rule-set references and
// explanations are not compared: they differ between any two rule sets).
std::vector<PlanChange> DiffPlans(const Plan& before, const Plan& after);

}  // namespace modalis
