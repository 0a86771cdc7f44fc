// What stops or narrows treatment before any step is built: referral on red flags, the required
// screen, and exclusions (declined by the client, the clinic's rules, the plugins' floors),
// including those that remove only the targets in an affected region.
#include <algorithm>
#include <optional>

#include "core/plan/planner_internal.h"

namespace modalis {

void Planner::Refer() {
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

bool Planner::CheckRequiredScreen() {
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
void Planner::AskBeforeTreating() {
  for (SlotId slot : rules_.clinic.ask_before_treating) {
    if (!KnownInEveryReading(slot)) {
      safety_open_ = true;
      Missing(slot, "ask before treating: red flag not recorded");
    }
  }
}

bool Planner::Excluded(const std::string& modality) const {
  return std::any_of(plan_.exclusions.begin(), plan_.exclusions.end(),
                     [&](const Exclusion& e) { return e.modality == modality; });
}

Exclusion::Severity Planner::SeverityOf(const Rule& rule) const {
  return rule.plugin.empty() ? Exclusion::Severity::kRule : Exclusion::Severity::kAbsolute;
}

std::string Planner::SourceOf(const Rule& rule) const {
  return rule.plugin.empty() ? rule.id : "plugin:" + rule.plugin;
}

void Planner::Exclude() {
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
void Planner::AddRegionCell(size_t rule_index, const Action& a, std::vector<std::string> codes) {
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
std::optional<Exclusion> Planner::ApplyRegionCells(const std::string& modality,
                                                   StepOutcome* built) {
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

}  // namespace modalis
