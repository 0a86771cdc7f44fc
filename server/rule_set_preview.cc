#include "server/rule_set_preview.h"

#include <algorithm>
#include <map>

#include "adapters/plan_proto.h"
#include "adapters/replay_input.h"
#include "adapters/suggest_request.h"
#include "core/plan/golden_cases.h"
#include "core/plan/plan_diff.h"

namespace modalis {
namespace {

// Records `before` → `after` when they differ (or when only one of them could be planned).
void Compare(const std::string& kind, const std::string& subject, const std::string& patient_ref,
             const std::optional<Plan>& before, const absl::StatusOr<Plan>& after,
             v1::PreviewRuleSetResponse* response) {
  v1::ChangedPlan changed;
  changed.set_kind(kind);
  changed.set_subject(subject);
  changed.set_patient_ref(patient_ref);
  if (!after.ok()) {
    // Findings the live rule set could plan and the candidate cannot: the candidate's
    // vocabulary no longer knows one of them. The therapist must see that as a change.
    changed.set_error("the candidate cannot plan these findings: " +
                      std::string(after.status().message()));
    changed.set_safety(before.has_value());
    if (before) PlanToProto(*before, changed.mutable_before());
    *response->add_changed() = std::move(changed);
    return;
  }
  std::vector<PlanChange> differences;
  if (before) {
    differences = DiffPlans(*before, *after);
    if (differences.empty()) return;
    PlanToProto(*before, changed.mutable_before());
  }
  PlanToProto(*after, changed.mutable_after());
  for (const PlanChange& d : differences) {
    v1::PlanDifference* out = changed.add_differences();
    out->set_what(d.what);
    out->set_safety(d.safety);
    out->set_text(d.text);
    if (d.safety) changed.set_safety(true);
  }
  *response->add_changed() = std::move(changed);
}

absl::StatusOr<Plan> PlanWith(const Engine& engine, const CompiledRuleSet& rules,
                              const v1::SuggestPlanRequest& request) {
  auto input = ReadSuggestRequest(request, rules.vocabulary, engine.config().findings_limits);
  if (!input.ok()) return input.status();
  return engine.SuggestDecoded(rules, std::move(input->findings), input->plan_request);
}

}  // namespace

absl::Status PreviewRuleSet(const Engine& engine, Store& store, const std::string& clinic_id,
                            const RuleSetCandidate& candidate,
                            const std::vector<RuleSource::File>& cases, uint32_t recent_plans,
                            v1::PreviewRuleSetResponse* response) {
  const CompiledRuleSet& draft = *candidate.rules;
  const std::string condition = draft.id;
  std::shared_ptr<const CompiledRuleSet> live;
  if (auto resolved = engine.Resolve(clinic_id, condition); resolved.ok()) live = *resolved;
  if (live != nullptr) ToProto(*live, response->mutable_live());

  // Golden cases: the candidate has run them already; the live rule set runs the same files.
  std::map<std::string, std::optional<Plan>> live_cases;
  if (live != nullptr) {
    for (GoldenCaseResult& c : RunGoldenCases(*live, cases).cases) {
      live_cases[c.id] = std::move(c.plan);
    }
  }
  uint32_t cases_compared = 0;
  for (const GoldenCaseResult& c : candidate.golden.cases) {
    if (!c.plan) continue;
    ++cases_compared;
    auto it = live_cases.find(c.id);
    Compare("case", c.id, "", it == live_cases.end() ? std::nullopt : it->second, *c.plan,
            response);
  }
  response->set_cases_compared(cases_compared);

  if (recent_plans == 0) recent_plans = kDefaultPreviewPlans;
  recent_plans = std::min(recent_plans, kMaxPreviewPlans);
  auto inputs = store.RecentReplayInputs(clinic_id, recent_plans);
  if (!inputs.ok()) return inputs.status();
  const std::string default_condition = engine.live().default_condition();
  uint32_t compared = 0, skipped = 0;
  for (const PlanReplayInput& input : *inputs) {
    auto request = DecodeReplayInput(input.replay_format, input.replay_input);
    const std::string asked_for =
        !request.ok() || request->condition().empty() ? default_condition : request->condition();
    if (!request.ok() || asked_for != condition) {
      ++skipped;
      continue;
    }
    // The question as it was asked, for a patient the preview never stores anything about.
    request->set_patient_ref(input.patient_ref);
    std::optional<Plan> before;
    if (live != nullptr) {
      auto plan = PlanWith(engine, *live, *request);
      if (plan.ok()) before = *std::move(plan);
    }
    ++compared;
    Compare("stored_plan", input.plan_id, input.patient_ref, before,
            PlanWith(engine, draft, *request), response);
  }
  response->set_plans_compared(compared);
  response->set_plans_skipped(skipped);

  auto* changed = response->mutable_changed();
  std::stable_partition(changed->begin(), changed->end(),
                        [](const v1::ChangedPlan& c) { return c.safety(); });
  return absl::OkStatus();
}

}  // namespace modalis
