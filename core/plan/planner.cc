// The planner's order of work (planner.h) from the first stage to the last, the advice and
// explanation every plan ends with, and the planner's entry points.
#include "core/plan/planner.h"

#include <algorithm>
#include <optional>

#include "core/common/decimal.h"
#include "core/plan/planner_internal.h"

namespace modalis {

void Planner::AddUnique(std::vector<std::string>* list, const std::string& item) {
  if (std::find(list->begin(), list->end(), item) == list->end()) list->push_back(item);
}

Plan Planner::Run() {
  plan_.rule_set = {rules_.id, rules_.version, rules_.sha256};
  BuildReadings();
  EvaluateRules();

  Refer();
  const bool screen_complete = CheckRequiredScreen();
  if (plan_.referral.urgency >= Urgency::kUrgent) {
    plan_.status = PlanStatus::kReferred;
  } else if (!screen_complete) {
    plan_.status = PlanStatus::kScreenRequired;
  } else {
    AskBeforeTreating();
    candidates_ = CollectSuggestions();
    Exclude();
    BuildSteps();
    FitTimeBudget();
    OpenQuestionsOnSteps();
    ChooseCourse();
    Review();
    plan_.status = safety_open_ ? PlanStatus::kProvisional : PlanStatus::kComplete;
  }
  Advise();
  Explain();
  return std::move(plan_);
}

void Planner::AddAdvice(const std::string& code) {
  if (std::any_of(plan_.advice.begin(), plan_.advice.end(),
                  [&](const AdviceItem& x) { return x.code == code; })) {
    return;
  }
  auto text = rules_.advice_texts.find(code);
  plan_.advice.push_back({code, text == rules_.advice_texts.end() ? std::string() : text->second});
}

// Clinical brief §5 R1: a referral's advice is its own level's only (an emergency does not also
// advise a GP visit within days); without treatment, only that and safety-netting apply.
void Planner::Advise() {
  const bool treating =
      plan_.status == PlanStatus::kComplete || plan_.status == PlanStatus::kProvisional;
  for (size_t i = 0; i < rules_.rules.size(); ++i) {
    if (results_[i] != Tri::kTrue) continue;
    const Rule& rule = rules_.rules[i];
    const auto refer = std::find_if(rule.actions.begin(), rule.actions.end(),
                                    [](const Action& a) { return a.kind == Action::Kind::kRefer; });
    for (const Action& a : rule.actions) {
      if (a.kind != Action::Kind::kAdvise) continue;
      if (refer != rule.actions.end()) {
        if (refer->urgency != plan_.referral.urgency) continue;
      } else if (!treating && !a.also_when_referred) {
        continue;
      }
      AddAdvice(a.advice);
    }
  }
  if (review_referral_ && plan_.referral.urgency == Urgency::kRoutine &&
      !rules_.progress.not_improved_advice.empty()) {
    AddAdvice(rules_.progress.not_improved_advice);
  }
}

void Planner::Explain() {
  for (const Contradiction& c : plan_.contradictions) {
    plan_.explanation.push_back({"constraint:" + c.constraint_id, c.description, "vocabulary",
                                 "contradiction", c.findings});
  }
  for (size_t i = 0; i < rules_.rules.size(); ++i) {
    const Rule& rule = rules_.rules[i];
    // A plugin's floors and cautions explain a plan only for the modalities it was asked for.
    if (!rule.plugin.empty() && !IsCandidate(rule.plugin)) continue;
    if (results_[i] == Tri::kTrue) {
      FiredRule f{rule.id, rule.description, rule.source, "fired", {}};
      for (SlotId s : rules_.EvidenceFor(rule.root, Witness(i))) f.findings.push_back(Code(s));
      plan_.explanation.push_back(std::move(f));
    } else if (results_[i] == Tri::kUnknown) {
      const bool safety =
          std::any_of(rule.actions.begin(), rule.actions.end(), [](const Action& a) {
            return a.kind == Action::Kind::kRefer || a.kind == Action::Kind::kExclude;
          });
      if (!safety && !(request_.explain_not_fired && rule.plugin.empty())) continue;
      FiredRule f{rule.id, rule.description, rule.source, "undecided", {}};
      for (SlotId s : rules_.MissingFor(rule.root, Witness(i))) f.findings.push_back(Code(s));
      plan_.explanation.push_back(std::move(f));
    } else if (request_.explain_not_fired && rule.plugin.empty()) {
      FiredRule f{rule.id, rule.description, rule.source, "not_fired", {}};
      for (SlotId s : rules_.CounterEvidenceFor(rule.root, Witness(i))) {
        f.findings.push_back(Code(s));
      }
      plan_.explanation.push_back(std::move(f));
    }
  }
  if (course_rule_ != nullptr) {
    FiredRule f{course_rule_->id, course_rule_->description, course_rule_->source, "fired", {}};
    for (SlotId s : rules_.EvidenceFor(course_rule_->root, Reading(0))) {
      f.findings.push_back(Code(s));
    }
    plan_.explanation.push_back(std::move(f));
  }
  if (review_) plan_.explanation.push_back(*review_);
}

bool ReachesMinimalImportantChange(double baseline, double now, const ReviewPolicy& policy) {
  return ReachesPoints(baseline, now, policy.min_nprs_points) ||
         ReachesFraction(baseline, now, policy.min_percent / 100);
}

Plan MakePlan(const CompiledRuleSet& rules, const Findings& findings, const PlanRequest& request) {
  return Planner(rules, findings, request).Run();
}

absl::StatusOr<Plan> PlanForFindings(const CompiledRuleSet& rules, const nlohmann::json& json,
                                     const PlanRequest& request, const FindingsLimits& limits) {
  absl::StatusOr<Findings> findings = DecodeFindings(json, rules.vocabulary, limits);
  if (!findings.ok()) return findings.status();
  return PlanDecodedFindings(rules, *std::move(findings), request);
}

Plan PlanDecodedFindings(const CompiledRuleSet& rules, Findings findings,
                         const PlanRequest& request) {
  rules.Derive(&findings);
  return MakePlan(rules, findings, request);
}

}  // namespace modalis
