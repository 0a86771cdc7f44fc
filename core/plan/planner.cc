#include "core/plan/planner.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "core/common/decimal.h"

namespace modalis {
namespace {

void AddUnique(std::vector<std::string>* list, const std::string& item) {
  if (std::find(list->begin(), list->end(), item) == list->end()) list->push_back(item);
}

// A course of readings that resolves contradictory records is capped: beyond it the planner
// treats the records as too contradictory to treat on (see Planner::BuildReadings).
constexpr size_t kMaxReadings = 256;

bool IsSafetyRule(const Rule& rule) {
  return std::any_of(rule.actions.begin(), rule.actions.end(), [](const Action& a) {
    return a.kind == Action::Kind::kRefer || a.kind == Action::Kind::kExclude ||
           a.kind == Action::Kind::kCaution;
  });
}

class Planner {
 public:
  Planner(const CompiledRuleSet& rules, const Findings& findings, const PlanRequest& request)
      : rules_(rules), findings_(findings), request_(request) {}

  Plan Run() {
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

 private:
  std::string Code(SlotId slot) const { return rules_.vocabulary->at(slot).code; }
  const Findings& Reading(size_t r) const { return *readings_[r]; }
  // The reading a rule's result was found in: its evidence and missing findings come from it.
  const Findings& Witness(size_t rule) const { return Reading(witness_[rule]); }

  // A finding to ask about: listed once, with every reason it matters.
  void Missing(SlotId slot, const std::string& why) {
    const std::string code = Code(slot);
    for (MissingFinding& m : plan_.missing_findings) {
      if (m.code == code) {
        AddUnique(&m.reasons, why);
        return;
      }
    }
    plan_.missing_findings.push_back({code, why, {why}});
  }

  bool KnownInEveryReading(SlotId slot) const {
    return std::all_of(readings_.begin(), readings_.end(),
                       [&](const Findings* f) { return f->known(slot); });
  }

  // Contradictory records are read every way that resolves them (Constraint::readings); with none,
  // the one reading is the findings as recorded.
  void BuildReadings() {
    readings_ = {&findings_};
    if (rules_.constraints.empty()) return;
    std::optional<Findings> base;
    for (const Constraint& c : rules_.constraints) {
      if (c.fill.slot != kNoSlot && rules_.Evaluate(c.fill_when, findings_) == Tri::kTrue) {
        if (!base) base.emplace(findings_);
        Apply(c.fill, &*base);
      }
    }
    const Findings& recorded = base ? *base : findings_;
    std::vector<const Constraint*> violated;
    for (const Constraint& c : rules_.constraints) {
      if (rules_.Evaluate(c.violated, recorded) == Tri::kTrue) violated.push_back(&c);
    }
    if (violated.empty()) {
      if (base) {
        owned_.push_back(std::move(*base));
        readings_ = {&owned_.back()};
      }
      return;
    }
    std::vector<Findings> readings = {recorded};
    for (const Constraint* c : violated) {
      std::vector<Findings> next;
      for (const Findings& r : readings) {
        for (const std::vector<Assignment>& alternative : c->readings) {
          if (next.size() == kMaxReadings) break;
          next.push_back(r);
          for (const Assignment& a : alternative) Apply(a, &next.back());
        }
      }
      readings = std::move(next);
      Contradiction flagged{c->id, c->description, {}};
      for (SlotId s : c->findings) {
        flagged.findings.push_back(Code(s));
        Missing(s, "contradictory record: " + c->description + "; ask again");
      }
      plan_.contradictions.push_back(std::move(flagged));
    }
    safety_open_ = true;
    owned_ = std::move(readings);
    readings_.clear();
    for (const Findings& f : owned_) readings_.push_back(&f);
  }

  static void Apply(const Assignment& a, Findings* f) {
    if (a.unknown) {
      f->Clear(a.slot);
    } else {
      f->Set(a.slot, a.value);
    }
  }

  // The truth of every rule over all readings: a rule that refers, excludes or cautions holds
  // when it holds in any reading (the most restrictive reading wins); any other rule only when it
  // holds in all of them.
  void EvaluateRules() {
    // One scratch per thread, reused across requests: evaluating allocates nothing once warm.
    thread_local EvaluationScratch scratch;
    const size_t n = rules_.rules.size();
    for (size_t r = 0; r < readings_.size(); ++r) {
      rules_.EvaluateAll(Reading(r), &scratch);
      const auto results = scratch.results();
      if (r == 0) {
        results_.assign(results.begin(), results.end());
        witness_.assign(n, 0);
        continue;
      }
      for (size_t i = 0; i < n; ++i) {
        const Tri now = results[i];
        const Tri combined = IsSafetyRule(rules_.rules[i]) ? MoreRestrictive(results_[i], now)
                                                           : LessPermissive(results_[i], now);
        if (combined != results_[i]) {
          results_[i] = combined;
          witness_[i] = static_cast<uint32_t>(r);
        }
      }
    }
  }
  static int Rank(Tri t, bool any) {
    // any: true > unknown > false; all: false > unknown > true.
    if (t == Tri::kUnknown) return 1;
    return (t == Tri::kTrue) == any ? 2 : 0;
  }
  static Tri MoreRestrictive(Tri a, Tri b) { return Rank(b, true) > Rank(a, true) ? b : a; }
  static Tri LessPermissive(Tri a, Tri b) { return Rank(b, false) > Rank(a, false) ? b : a; }

  // A single condition over all readings, as for a rule that suggests (all must hold).
  Tri EvaluateInAll(uint32_t node, size_t* witness) const {
    Tri result = Tri::kTrue;
    *witness = 0;
    for (size_t r = 0; r < readings_.size(); ++r) {
      const Tri t = rules_.Evaluate(node, Reading(r));
      if (LessPermissive(result, t) != result) {
        result = t;
        *witness = r;
      }
    }
    return result;
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
          for (SlotId s : rules_.MissingFor(rule.root, Witness(i))) {
            Missing(s, "ask before treating: " + rule.description);
          }
        }
      }
    }
  }

  bool CheckRequiredScreen() {
    bool complete = true;
    for (SlotId slot : rules_.clinic.required_screen) {
      if (!KnownInEveryReading(slot)) {
        complete = false;
        Missing(slot, "required screen: ask before any treatment");
      }
    }
    return complete;
  }

  // Findings the clinic wants recorded before treating (the other red flags): unknown keeps the
  // plan provisional (clinical brief §5 R0).
  void AskBeforeTreating() {
    for (SlotId slot : rules_.clinic.ask_before_treating) {
      if (!KnownInEveryReading(slot)) {
        safety_open_ = true;
        Missing(slot, "ask before treating: red flag not recorded");
      }
    }
  }

  bool Excluded(const std::string& modality) const {
    return std::any_of(plan_.exclusions.begin(), plan_.exclusions.end(),
                       [&](const Exclusion& e) { return e.modality == modality; });
  }

  struct Candidate {
    std::string modality;
    std::vector<std::string> targets;
    std::string params_json = "{}";
    int32_t priority = 0;
    std::vector<std::string> rule_ids;
    std::vector<std::string> rationale;
  };

  bool IsCandidate(const std::string& modality) const {
    return std::any_of(candidates_.begin(), candidates_.end(),
                       [&](const Candidate& c) { return c.modality == modality; });
  }

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

  // A true region-specific floor or exclusion: the targets in `regions` are not treated.
  struct RegionCell {
    const Rule* rule = nullptr;
    const Action* action = nullptr;
    std::string value;  // the finding's value, e.g. "trunk"
    std::set<std::string> regions;
    std::vector<std::string> findings;
  };

  Exclusion::Severity SeverityOf(const Rule& rule) const {
    return rule.plugin.empty() ? Exclusion::Severity::kRule : Exclusion::Severity::kAbsolute;
  }
  std::string SourceOf(const Rule& rule) const {
    return rule.plugin.empty() ? rule.id : "plugin:" + rule.plugin;
  }

  void Exclude() {
    // Declined by the client.
    if (const FindingDef* declined = rules_.vocabulary->Find("modality_declined");
        declined != nullptr && Reading(0).known(declined->slot)) {
      const uint64_t bits = Reading(0).value(declined->slot).bits;
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
    // True exclusions, each with its own reason and evidence: a second rule excluding the same
    // modality is kept, not merged away. A plugin's floors matter only for what it was asked to
    // do; the clinic's rule exclusions are shown whatever was suggested.
    std::vector<std::pair<size_t, const Action*>> undecided;
    for (size_t i = 0; i < rules_.rules.size(); ++i) {
      const Rule& rule = rules_.rules[i];
      for (const Action& a : rule.actions) {
        if (a.kind == Action::Kind::kCaution) {
          if (results_[i] == Tri::kTrue && IsCandidate(a.modality)) {
            AddUnique(&cautions_[a.modality], a.reason);
          }
          continue;
        }
        if (a.kind != Action::Kind::kExclude) continue;
        if (!rule.plugin.empty() && !IsCandidate(a.modality)) continue;
        if (results_[i] == Tri::kUnknown) {
          undecided.emplace_back(i, &a);
          continue;
        }
        if (results_[i] != Tri::kTrue) continue;
        std::vector<std::string> codes;
        for (SlotId s : rules_.EvidenceFor(rule.root, Witness(i))) codes.push_back(Code(s));
        if (a.regions_from != kNoSlot) {
          AddRegionCell(i, a, std::move(codes));
          continue;
        }
        plan_.exclusions.push_back(
            {a.modality, a.reason, SeverityOf(rule), SourceOf(rule), std::move(codes)});
      }
    }
    // Undecided: questions to ask before the modality is given. Asked only for what may still be
    // given: a modality already excluded, or never suggested, needs no answer. The plan is
    // provisional when a step is offered with such a question open (see OpenQuestionsOnSteps).
    for (const auto& [i, a] : undecided) {
      if (!IsCandidate(a->modality) || Excluded(a->modality)) continue;
      const Rule& rule = rules_.rules[i];
      open_questions_.insert(a->modality);
      for (SlotId s : rules_.MissingFor(rule.root, Witness(i))) {
        Missing(s, "ask before " + a->modality + ": " + rule.description);
      }
    }
  }

  // The regions a true region-specific cell removes: what its finding's value names, in every
  // reading where the cell holds.
  void AddRegionCell(size_t rule_index, const Action& a, std::vector<std::string> codes) {
    const FindingDef& def = rules_.vocabulary->at(a.regions_from);
    RegionCell cell{&rules_.rules[rule_index], &a, {}, {}, std::move(codes)};
    for (const Findings* f : readings_) {
      if (!f->known(a.regions_from)) continue;
      const auto v = static_cast<size_t>(f->value(a.regions_from).number);
      if (v >= def.values.size()) continue;
      if (cell.value.empty()) cell.value = def.values[v];
      for (const std::string& r : def.value_regions[v]) cell.regions.insert(r);
    }
    region_cells_[a.modality].push_back(std::move(cell));
  }

  // Removes from `step` the targets in a region a true region-specific cell names. Returns the
  // exclusion to report when no target is left.
  std::optional<Exclusion> ApplyRegionCells(const std::string& modality, StepOutcome* built) {
    auto cells = region_cells_.find(modality);
    if (cells == region_cells_.end()) return std::nullopt;
    const bool had_targets = !built->targets.empty();
    std::vector<std::string> reasons;
    std::vector<std::string> findings;
    Exclusion::Severity severity = Exclusion::Severity::kRule;
    std::string source;
    for (const RegionCell& cell : cells->second) {
      bool removed_any = false;
      std::vector<std::string> kept;
      for (std::string& t : built->targets) {
        const std::string region(rules_.vocabulary->RegionOf(t));
        if (!region.empty() && cell.regions.count(region) != 0) {
          built->skipped.push_back(
              {t, cell.action->reason + " (" + cell.value + ", " + region + ")"});
          removed_any = true;
        } else {
          kept.push_back(std::move(t));
        }
      }
      built->targets = std::move(kept);
      if (!removed_any) {
        built->cautions.push_back(cell.action->reason + " (" + cell.value +
                                  "): not in the regions treated; keep clear of it");
        continue;
      }
      AddUnique(&reasons, cell.action->reason + " (" + cell.value + ")");
      for (const std::string& c : cell.findings) AddUnique(&findings, c);
      if (SeverityOf(*cell.rule) == Exclusion::Severity::kAbsolute || source.empty()) {
        severity = SeverityOf(*cell.rule);
        source = SourceOf(*cell.rule);
      }
    }
    if (!had_targets || !built->targets.empty() || reasons.empty()) return std::nullopt;
    std::string reason;
    for (const std::string& r : reasons) reason += (reason.empty() ? "" : "; ") + r;
    return Exclusion{modality, reason + ": every requested target lies in the affected region",
                     severity, source, findings};
  }

  void BuildSteps() {
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

  // A step offered while a floor or exclusion of its modality is undecided: the plan is
  // provisional until the question is answered (clinical brief §5 R0).
  void OpenQuestionsOnSteps() {
    for (const PlanStep& step : plan_.steps) {
      if (open_questions_.count(step.modality) != 0) safety_open_ = true;
    }
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

  std::optional<double> Known(SlotId slot) const {
    if (slot == kNoSlot || !Reading(0).known(slot)) return std::nullopt;
    return Reading(0).value(slot).number;
  }

  // At the course's review point, no meaningful improvement means a routine referral (brief §5 R6).
  // Which findings measure it and what improvement counts are the rule set's progress settings.
  void Review() {
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

  void AddAdvice(const std::string& code) {
    if (std::any_of(plan_.advice.begin(), plan_.advice.end(),
                    [&](const AdviceItem& x) { return x.code == code; })) {
      return;
    }
    auto text = rules_.advice_texts.find(code);
    plan_.advice.push_back(
        {code, text == rules_.advice_texts.end() ? std::string() : text->second});
  }

  // Clinical brief §5 R1: a referral's advice is its own level's only (an emergency does not also
  // advise a GP visit within days); without treatment, only that and safety-netting apply.
  void Advise() {
    const bool treating =
        plan_.status == PlanStatus::kComplete || plan_.status == PlanStatus::kProvisional;
    for (size_t i = 0; i < rules_.rules.size(); ++i) {
      if (results_[i] != Tri::kTrue) continue;
      const Rule& rule = rules_.rules[i];
      const auto refer =
          std::find_if(rule.actions.begin(), rule.actions.end(),
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

  void Explain() {
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
        if (!safety) continue;
        FiredRule f{rule.id, rule.description, rule.source, "undecided", {}};
        for (SlotId s : rules_.MissingFor(rule.root, Witness(i))) f.findings.push_back(Code(s));
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

  const CompiledRuleSet& rules_;
  const Findings& findings_;
  const PlanRequest& request_;
  Plan plan_;
  // The readings of the findings (one unless records contradict each other) and, per rule, its
  // combined truth and the reading it was found in.
  std::vector<Findings> owned_;
  std::vector<const Findings*> readings_;
  std::vector<Tri> results_;
  std::vector<uint32_t> witness_;
  std::vector<Candidate> candidates_;
  std::map<std::string, std::vector<std::string>> cautions_;
  std::map<std::string, std::vector<RegionCell>> region_cells_;
  std::set<std::string> open_questions_;  // modalities with an undecided floor or exclusion
  bool safety_open_ = false;
  std::map<std::string, int32_t> priorities_;
  std::map<std::string, int32_t> phases_;
  const CourseRule* course_rule_ = nullptr;
  std::optional<FiredRule> review_;
  bool review_referral_ = false;
};

}  // namespace

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
  rules.Derive(&*findings);
  return MakePlan(rules, *findings, request);
}

}  // namespace modalis
