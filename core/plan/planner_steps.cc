// From suggestions to the session's steps: each suggested modality through its plugin's
// requirements, screen and qualification, then the session order and the time budget.
#include <algorithm>
#include <optional>

#include "core/plan/planner_internal.h"

namespace modalis {

bool Planner::IsCandidate(const std::string& modality) const {
  return std::any_of(candidates_.begin(), candidates_.end(),
                     [&](const Candidate& c) { return c.modality == modality; });
}

std::vector<Planner::Candidate> Planner::CollectSuggestions() const {
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
      if (a.targets_from != kNoSlot && Reading(0).known(a.targets_from)) {
        const FindingDef& def = rules_.vocabulary->at(a.targets_from);
        const uint64_t bits = Reading(0).value(a.targets_from).bits;
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

void Planner::BuildSteps() {
  const std::vector<std::string>& qualifications =
      request_.qualifications ? *request_.qualifications : rules_.clinic.qualifications;
  for (Candidate& c : candidates_) {
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

    std::vector<std::string> unknown_required;
    for (SlotId slot : bound->second.required_known) {
      if (slot == kNoSlot || !KnownInEveryReading(slot)) {
        if (slot != kNoSlot) {
          Missing(slot, "needed for " + c.modality);
          unknown_required.push_back(Code(slot));
        }
      }
    }
    if (!unknown_required.empty()) {
      // Indicated, but not offered until these are recorded: the plan says so.
      std::string listed;
      for (const std::string& code : unknown_required) {
        listed += (listed.empty() ? "" : ", ") + code;
      }
      plan_.exclusions.push_back({c.modality,
                                  "indicated, but not offered until recorded: " + listed,
                                  Exclusion::Severity::kNeedsFindings, "plugin:" + c.modality,
                                  std::move(unknown_required)});
      continue;
    }

    // The plugin's own screen in code (all of an ABI 1.0 plugin's floor), in every reading.
    ScreenOutcome screen;
    bool screen_failed = false;
    for (const Findings* f : readings_) {
      auto one = modality.Screen(*f, bound->second.slots);
      if (!one.ok()) {
        plan_.exclusions.push_back({c.modality,
                                    "plugin error: " + std::string(one.status().message()),
                                    Exclusion::Severity::kPluginError,
                                    "plugin:" + c.modality,
                                    {}});
        screen_failed = true;
        break;
      }
      for (ScreenItem& item : one->contraindications) {
        screen.contraindications.push_back(std::move(item));
      }
      for (ScreenItem& item : one->cautions) screen.cautions.push_back(std::move(item));
    }
    if (screen_failed) continue;
    if (!screen.contraindications.empty()) {
      std::vector<std::string> seen;
      for (const ScreenItem& item : screen.contraindications) {
        if (std::find(seen.begin(), seen.end(), item.text) != seen.end()) continue;
        seen.push_back(item.text);
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
    // Built from the first reading: with contradictory records, the one a constraint lists
    // first (the more restrictive).
    auto built = modality.BuildStep(input, Reading(0), bound->second.slots);
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
    if (std::optional<Exclusion> none_left = ApplyRegionCells(c.modality, &*built)) {
      plan_.exclusions.push_back(std::move(*none_left));
      continue;
    }

    PlanStep step;
    step.modality = c.modality;
    step.display_name = info.display_name;
    step.targets = built->targets;
    step.minutes = built->minutes;
    step.pressure = built->pressure;
    step.params = built->params;
    for (const ScreenItem& item : screen.cautions) AddUnique(&step.cautions, item.text);
    for (const std::string& caution : cautions_[c.modality]) AddUnique(&step.cautions, caution);
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
  // Session order: phase first (needling, hands-on, stretching, ear), then priority. Each step's
  // keys are looked up once, and the steps moved once, into their order.
  struct Order {
    int32_t phase;
    int32_t priority;
    size_t index;
  };
  std::vector<Order> order;
  order.reserve(plan_.steps.size());
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    const std::string& modality = plan_.steps[i].modality;
    order.push_back({phases_[modality], priorities_[modality], i});
  }
  std::stable_sort(order.begin(), order.end(), [&](const Order& a, const Order& b) {
    if (a.phase != b.phase) return a.phase < b.phase;
    if (a.priority != b.priority) return a.priority > b.priority;
    return plan_.steps[a.index].modality < plan_.steps[b.index].modality;
  });
  std::vector<PlanStep> ordered;
  ordered.reserve(plan_.steps.size());
  for (const Order& o : order) ordered.push_back(std::move(plan_.steps[o.index]));
  plan_.steps = std::move(ordered);
}

// A step offered while a floor or exclusion of its modality is undecided: the plan is
// provisional until the question is answered (clinical brief §5 R0).
void Planner::OpenQuestionsOnSteps() {
  for (const PlanStep& step : plan_.steps) {
    if (open_questions_.count(step.modality) != 0) safety_open_ = true;
  }
}

void Planner::FitTimeBudget() {
  const uint32_t budget = request_.session_minutes.value_or(rules_.clinic.session_minutes);
  // Keep the highest-priority steps that fit; what is dropped is reported, never silent.
  std::vector<size_t> by_priority(plan_.steps.size());
  std::vector<int32_t> priority(plan_.steps.size());
  for (size_t i = 0; i < by_priority.size(); ++i) {
    by_priority[i] = i;
    priority[i] = priorities_[plan_.steps[i].modality];
  }
  std::stable_sort(by_priority.begin(), by_priority.end(),
                   [&](size_t a, size_t b) { return priority[a] > priority[b]; });
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

}  // namespace modalis
