#include "core/plan/planner.h"

#include <algorithm>
#include <set>

#include "core/findings/derived.h"

namespace modalis {
namespace {

void AddUnique(std::vector<std::string>* list, const std::string& item) {
  if (std::find(list->begin(), list->end(), item) == list->end()) list->push_back(item);
}

class Planner {
 public:
  Planner(const CompiledRuleSet& rules, const Findings& findings, const PlanRequest& request)
      : rules_(rules), findings_(findings), request_(request) {}

  Plan Run() {
    plan_.rule_set = {rules_.id, rules_.version, rules_.sha256};
    // One scratch per thread, reused across requests: evaluating allocates nothing once warm.
    thread_local EvaluationScratch scratch;
    rules_.EvaluateAll(findings_, &scratch);
    results_.assign(scratch.results().begin(), scratch.results().end());

    Refer();
    const bool screen_complete = CheckRequiredScreen();
    if (plan_.referral.urgency >= Urgency::kUrgent) {
      plan_.status = PlanStatus::kReferred;
    } else if (!screen_complete) {
      plan_.status = PlanStatus::kScreenRequired;
    } else {
      Exclude();
      BuildSteps();
      FitTimeBudget();
      ChooseCourse();
      Review();
      plan_.status = safety_open_ ? PlanStatus::kProvisional : PlanStatus::kComplete;
    }
    Advise();
    Explain();
    return std::move(plan_);
  }

 private:
  std::string Code(SlotId slot) const { return rules_.vocabulary->at(slot).code; }

  void Missing(SlotId slot, const std::string& why) {
    const std::string code = Code(slot);
    for (const MissingFinding& m : plan_.missing_findings) {
      if (m.code == code && m.why == why) return;
    }
    plan_.missing_findings.push_back({code, why});
  }

  void Refer() {
    for (size_t i = 0; i < rules_.rules.size(); ++i) {
      const Rule& rule = rules_.rules[i];
      for (const Action& a : rule.actions) {
        if (a.kind != Action::Kind::kRefer) continue;
        if (results_[i] == Tri::kTrue) {
          plan_.referral.urgency = std::max(plan_.referral.urgency, a.urgency);
          AddUnique(&plan_.referral.reasons, a.reason);
          AddUnique(&plan_.referral.rule_ids, rule.id);
        } else if (results_[i] == Tri::kUnknown) {
          // Undecided red flag: treatment may go ahead only after asking.
          safety_open_ = true;
          for (SlotId s : rules_.MissingFor(rule.root, findings_)) {
            Missing(s, "ask before treating: " + rule.description);
          }
        }
      }
    }
  }

  bool CheckRequiredScreen() {
    bool complete = true;
    for (SlotId slot : rules_.clinic.required_screen) {
      if (!findings_.known(slot)) {
        complete = false;
        Missing(slot, "required screen: ask before any treatment");
      }
    }
    return complete;
  }

  bool Excluded(const std::string& modality) const {
    return std::any_of(plan_.exclusions.begin(), plan_.exclusions.end(),
                       [&](const Exclusion& e) { return e.modality == modality; });
  }

  void Exclude() {
    // Declined by the client.
    if (const FindingDef* declined = rules_.vocabulary->Find("modality_declined");
        declined != nullptr && findings_.known(declined->slot)) {
      const uint64_t bits = findings_.value(declined->slot).bits;
      for (size_t i = 0; i < declined->values.size(); ++i) {
        if (bits & (uint64_t{1} << i)) {
          plan_.exclusions.push_back({declined->values[i],
                                      "the client declined this modality",
                                      Exclusion::Severity::kDeclined,
                                      "finding:modality_declined",
                                      {"modality_declined"}});
        }
      }
    }
    // Rule exclusions; undecided ones are questions to ask.
    for (size_t i = 0; i < rules_.rules.size(); ++i) {
      const Rule& rule = rules_.rules[i];
      for (const Action& a : rule.actions) {
        if (a.kind != Action::Kind::kExclude) continue;
        if (results_[i] == Tri::kTrue) {
          std::vector<std::string> codes;
          for (SlotId s : rules_.EvidenceFor(rule.root, findings_)) codes.push_back(Code(s));
          plan_.exclusions.push_back(
              {a.modality, a.reason, Exclusion::Severity::kRule, rule.id, std::move(codes)});
        } else if (results_[i] == Tri::kUnknown) {
          safety_open_ = true;
          for (SlotId s : rules_.MissingFor(rule.root, findings_)) {
            Missing(s, "ask before " + a.modality + ": " + rule.description);
          }
        }
      }
    }
  }

  struct Candidate {
    std::string modality;
    std::vector<std::string> targets;
    std::string params_json = "{}";
    int32_t priority = 0;
    std::vector<std::string> rule_ids;
    std::vector<std::string> rationale;
  };

  std::vector<Candidate> CollectSuggestions() const {
    std::vector<Candidate> out;
    for (size_t i = 0; i < rules_.rules.size(); ++i) {
      if (results_[i] != Tri::kTrue) continue;  // suggest acts only on true
      const Rule& rule = rules_.rules[i];
      for (const Action& a : rule.actions) {
        if (a.kind != Action::Kind::kSuggest) continue;
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const Candidate& c) { return c.modality == a.modality; });
        if (it == out.end()) {
          out.push_back(Candidate{a.modality, {}, a.params_json, a.priority, {}, {}});
          it = out.end() - 1;
        }
        it->priority = std::max(it->priority, a.priority);
        for (const std::string& t : a.targets) AddUnique(&it->targets, t);
        if (a.targets_from != kNoSlot && findings_.known(a.targets_from)) {
          const FindingDef& def = rules_.vocabulary->at(a.targets_from);
          const uint64_t bits = findings_.value(a.targets_from).bits;
          for (size_t v = 0; v < def.values.size(); ++v) {
            if (bits & (uint64_t{1} << v)) AddUnique(&it->targets, def.values[v]);
          }
        }
        AddUnique(&it->rule_ids, rule.id);
        AddUnique(&it->rationale, rule.description);
      }
    }
    return out;
  }

  void BuildSteps() {
    const std::vector<std::string>& qualifications =
        request_.qualifications ? *request_.qualifications : rules_.clinic.qualifications;
    for (Candidate& c : CollectSuggestions()) {
      if (Excluded(c.modality)) continue;  // an exclusion beats any suggestion
      auto bound = rules_.modalities.find(c.modality);
      if (bound == rules_.modalities.end()) {
        plan_.exclusions.push_back({c.modality,
                                    "modality unavailable: no plugin provides it",
                                    Exclusion::Severity::kUnavailable,
                                    c.rule_ids.front(),
                                    {}});
        continue;
      }
      const Modality& modality = *bound->second.modality;
      const ModalityInfo& info = modality.info();

      bool unknown_required = false;
      for (SlotId slot : bound->second.required_known) {
        if (slot == kNoSlot || !findings_.known(slot)) {
          unknown_required = true;
          if (slot != kNoSlot) Missing(slot, "needed for " + c.modality);
        }
      }
      if (unknown_required) continue;  // not suggested until the screen findings are known

      auto screen = modality.Screen(findings_, bound->second.slots);
      if (!screen.ok()) {
        plan_.exclusions.push_back({c.modality,
                                    "plugin error: " + std::string(screen.status().message()),
                                    Exclusion::Severity::kPluginError,
                                    "plugin:" + c.modality,
                                    {}});
        continue;
      }
      if (!screen->contraindications.empty()) {
        for (const ScreenItem& item : screen->contraindications) {
          plan_.exclusions.push_back({c.modality, item.text, Exclusion::Severity::kAbsolute,
                                      "plugin:" + c.modality, item.findings});
        }
        continue;
      }
      if (!info.qualification.empty() && std::find(qualifications.begin(), qualifications.end(),
                                                   info.qualification) == qualifications.end()) {
        plan_.exclusions.push_back(
            {c.modality,
             "the practitioner is not qualified (needs " + info.qualification + ")",
             Exclusion::Severity::kQualification,
             "practitioner",
             {}});
        continue;
      }

      StepInput input;
      input.targets = c.targets;
      input.params_json = c.params_json;
      if (auto m = rules_.clinic.modality_minutes.find(c.modality);
          m != rules_.clinic.modality_minutes.end()) {
        input.minutes = m->second;
      }
      auto built = modality.BuildStep(input, findings_, bound->second.slots);
      if (!built.ok()) {
        plan_.exclusions.push_back({c.modality,
                                    "plugin error: " + std::string(built.status().message()),
                                    Exclusion::Severity::kPluginError,
                                    "plugin:" + c.modality,
                                    {}});
        continue;
      }
      if (built->targets.empty() && !c.targets.empty()) {
        std::string why = "none of the requested targets can be treated with it";
        for (const SkippedTarget& s : built->skipped) why += "; " + s.target + ": " + s.reason;
        plan_.exclusions.push_back(
            {c.modality, why, Exclusion::Severity::kAbsolute, "plugin:" + c.modality, {}});
        continue;
      }

      PlanStep step;
      step.modality = c.modality;
      step.display_name = info.display_name;
      step.targets = built->targets;
      step.minutes = built->minutes;
      step.pressure = built->pressure;
      step.params = built->params;
      for (const ScreenItem& item : screen->cautions) AddUnique(&step.cautions, item.text);
      for (const std::string& caution : built->cautions) AddUnique(&step.cautions, caution);
      for (const SkippedTarget& s : built->skipped) {
        AddUnique(&step.cautions, s.target + " not treated: " + s.reason);
      }
      step.instructions = built->instructions;
      step.required_qualification = info.qualification;
      step.needs_written_consent = info.needs_written_consent;
      for (const std::string& r : c.rationale) {
        step.rationale += (step.rationale.empty() ? "" : "; ") + r;
      }
      step.rule_ids = c.rule_ids;
      plan_.steps.push_back(std::move(step));
      priorities_[c.modality] = c.priority;
      phases_[c.modality] = info.phase;
    }
    // Session order: phase first (needling, hands-on, stretching, ear), then priority.
    std::stable_sort(plan_.steps.begin(), plan_.steps.end(),
                     [&](const PlanStep& a, const PlanStep& b) {
                       if (phases_[a.modality] != phases_[b.modality])
                         return phases_[a.modality] < phases_[b.modality];
                       if (priorities_[a.modality] != priorities_[b.modality]) {
                         return priorities_[a.modality] > priorities_[b.modality];
                       }
                       return a.modality < b.modality;
                     });
  }

  void FitTimeBudget() {
    const uint32_t budget = request_.session_minutes.value_or(rules_.clinic.session_minutes);
    // Keep the highest-priority steps that fit; what is dropped is reported, never silent.
    std::vector<size_t> by_priority(plan_.steps.size());
    for (size_t i = 0; i < by_priority.size(); ++i) by_priority[i] = i;
    std::stable_sort(by_priority.begin(), by_priority.end(), [&](size_t a, size_t b) {
      return priorities_[plan_.steps[a].modality] > priorities_[plan_.steps[b].modality];
    });
    std::vector<bool> keep(plan_.steps.size(), false);
    uint32_t used = 0;
    for (size_t i : by_priority) {
      if (used + plan_.steps[i].minutes <= budget) {
        keep[i] = true;
        used += plan_.steps[i].minutes;
      }
    }
    std::vector<PlanStep> kept;
    for (size_t i = 0; i < plan_.steps.size(); ++i) {
      if (keep[i]) {
        kept.push_back(std::move(plan_.steps[i]));
      } else {
        plan_.exclusions.push_back({plan_.steps[i].modality,
                                    "does not fit the " + std::to_string(budget) +
                                        "-minute session (needs " +
                                        std::to_string(plan_.steps[i].minutes) + " minutes)",
                                    Exclusion::Severity::kTimeBudget,
                                    "session",
                                    {}});
      }
    }
    plan_.steps = std::move(kept);
  }

  void ChooseCourse() {
    if (plan_.steps.empty()) return;  // nothing to book
    for (const CourseRule& rule : rules_.course_rules) {
      const Tri r = rules_.Evaluate(rule.root, findings_);
      if (r == Tri::kTrue) {
        plan_.course = rule.course;
        course_rule_ = &rule;
        return;
      }
      if (r == Tri::kUnknown) {
        for (SlotId s : rules_.MissingFor(rule.root, findings_)) {
          Missing(s, "needed to choose the course of care: " + rule.description);
        }
      }
    }
  }

  std::optional<double> Known(const char* code) const {
    const FindingDef* def = rules_.vocabulary->Find(code);
    if (def == nullptr || !findings_.known(def->slot)) return std::nullopt;
    return findings_.value(def->slot).number;
  }
  void MissingCode(const char* code, const std::string& why) {
    if (const FindingDef* def = rules_.vocabulary->Find(code)) Missing(def->slot, why);
  }

  // At the course's review point, no meaningful improvement means a routine referral (brief §5 R6).
  void Review() {
    if (!plan_.course) return;
    const auto sessions = Known("sessions_completed");
    if (!sessions || *sessions < plan_.course->review_after_sessions) return;
    const std::string why = "needed for the review after " +
                            std::to_string(plan_.course->review_after_sessions) + " sessions";
    const auto baseline =
        request_.baseline_pain_nprs ? request_.baseline_pain_nprs : Known("baseline_pain_nprs");
    const auto now = Known("pain_nprs");
    if (!baseline) MissingCode("baseline_pain_nprs", why);
    if (!now) MissingCode("pain_nprs", why);
    if (!baseline || !now) {
      safety_open_ = true;
      return;
    }
    const double drop = *baseline - *now;
    const bool improved = drop >= request_.review.min_nprs_points ||
                          (*baseline > 0 && drop * 100 / *baseline >= request_.review.min_percent);
    FiredRule review{"course.review",
                     "Review after " + std::to_string(plan_.course->review_after_sessions) +
                         " sessions: pain " + FormatScore(*baseline) + " at baseline, " +
                         FormatScore(*now) + " now",
                     "Minimal important change [O1]; clinic practice [SEED]",
                     improved ? "improved" : "fired",
                     {"sessions_completed", "pain_nprs"}};
    if (!request_.baseline_pain_nprs) review.findings.push_back("baseline_pain_nprs");
    if (!improved) {
      plan_.referral.urgency = std::max(plan_.referral.urgency, Urgency::kRoutine);
      AddUnique(&plan_.referral.reasons, "no meaningful improvement after " +
                                             FormatScore(*sessions) + " sessions: letter to GP");
      AddUnique(&plan_.referral.rule_ids, review.rule_id);
      review_referral_ = true;
    }
    review_ = std::move(review);
  }

  static std::string FormatScore(double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  void Advise() {
    const bool treating =
        plan_.status == PlanStatus::kComplete || plan_.status == PlanStatus::kProvisional;
    for (size_t i = 0; i < rules_.rules.size(); ++i) {
      if (results_[i] != Tri::kTrue) continue;
      const Rule& rule = rules_.rules[i];
      const bool refers =
          std::any_of(rule.actions.begin(), rule.actions.end(),
                      [](const Action& a) { return a.kind == Action::Kind::kRefer; });
      for (const Action& a : rule.actions) {
        if (a.kind != Action::Kind::kAdvise) continue;
        // Without treatment only the referral's own advice and safety-netting apply.
        if (!treating && !refers && !a.also_when_referred) continue;
        if (std::any_of(plan_.advice.begin(), plan_.advice.end(),
                        [&](const AdviceItem& x) { return x.code == a.advice; })) {
          continue;
        }
        auto text = rules_.advice_texts.find(a.advice);
        plan_.advice.push_back(
            {a.advice, text == rules_.advice_texts.end() ? std::string() : text->second});
      }
    }
    if (review_referral_) {
      auto text = rules_.advice_texts.find("see_gp_routine");
      const bool present =
          std::any_of(plan_.advice.begin(), plan_.advice.end(),
                      [](const AdviceItem& a) { return a.code == "see_gp_routine"; });
      if (text != rules_.advice_texts.end() && !present) {
        plan_.advice.push_back({"see_gp_routine", text->second});
      }
    }
  }

  void Explain() {
    for (size_t i = 0; i < rules_.rules.size(); ++i) {
      const Rule& rule = rules_.rules[i];
      if (results_[i] == Tri::kTrue) {
        FiredRule f{rule.id, rule.description, rule.source, "fired", {}};
        for (SlotId s : rules_.EvidenceFor(rule.root, findings_)) f.findings.push_back(Code(s));
        plan_.explanation.push_back(std::move(f));
      } else if (results_[i] == Tri::kUnknown) {
        const bool safety =
            std::any_of(rule.actions.begin(), rule.actions.end(), [](const Action& a) {
              return a.kind == Action::Kind::kRefer || a.kind == Action::Kind::kExclude;
            });
        if (!safety) continue;
        FiredRule f{rule.id, rule.description, rule.source, "undecided", {}};
        for (SlotId s : rules_.MissingFor(rule.root, findings_)) f.findings.push_back(Code(s));
        plan_.explanation.push_back(std::move(f));
      }
    }
    if (course_rule_ != nullptr) {
      FiredRule f{course_rule_->id, course_rule_->description, course_rule_->source, "fired", {}};
      for (SlotId s : rules_.EvidenceFor(course_rule_->root, findings_)) {
        f.findings.push_back(Code(s));
      }
      plan_.explanation.push_back(std::move(f));
    }
    if (review_) plan_.explanation.push_back(*review_);
  }

  const CompiledRuleSet& rules_;
  const Findings& findings_;
  const PlanRequest& request_;
  Plan plan_;
  std::vector<Tri> results_;
  bool safety_open_ = false;
  std::map<std::string, int32_t> priorities_;
  std::map<std::string, int32_t> phases_;
  const CourseRule* course_rule_ = nullptr;
  std::optional<FiredRule> review_;
  bool review_referral_ = false;
};

}  // namespace

Plan MakePlan(const CompiledRuleSet& rules, const Findings& findings, const PlanRequest& request) {
  return Planner(rules, findings, request).Run();
}

absl::StatusOr<Plan> PlanForFindings(const CompiledRuleSet& rules, const nlohmann::json& json,
                                     const PlanRequest& request, const FindingsLimits& limits) {
  absl::StatusOr<Findings> findings = DecodeFindings(json, rules.vocabulary, limits);
  if (!findings.ok()) return findings.status();
  DeriveFindings(&*findings);
  return MakePlan(rules, *findings, request);
}

}  // namespace modalis
