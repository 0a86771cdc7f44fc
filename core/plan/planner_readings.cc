// Reading the findings: contradictory records read every way that resolves them, and each rule's
// truth over those readings, found in the reading that decides it.
#include <algorithm>
#include <optional>

#include "core/plan/planner_internal.h"

namespace modalis {
namespace {

// A course of readings that resolves contradictory records is capped: beyond it the planner
// treats the records as too contradictory to treat on (see Planner::BuildReadings).
constexpr size_t kMaxReadings = 256;

bool IsSafetyRule(const Rule& rule) {
  return std::any_of(rule.actions.begin(), rule.actions.end(), [](const Action& a) {
    return a.kind == Action::Kind::kRefer || a.kind == Action::Kind::kExclude ||
           a.kind == Action::Kind::kCaution;
  });
}

}  // namespace

// A finding to ask about: listed once, with every reason it matters.
void Planner::Missing(SlotId slot, const std::string& why) {
  const std::string code = Code(slot);
  for (MissingFinding& m : plan_.missing_findings) {
    if (m.code == code) {
      AddUnique(&m.reasons, why);
      return;
    }
  }
  plan_.missing_findings.push_back({code, why, {why}});
}

bool Planner::KnownInEveryReading(SlotId slot) const {
  return std::all_of(readings_.begin(), readings_.end(),
                     [&](const Findings* f) { return f->known(slot); });
}

// Contradictory records are read every way that resolves them (Constraint::readings); with none,
// the one reading is the findings as recorded.
void Planner::BuildReadings() {
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

void Planner::Apply(const Assignment& a, Findings* f) {
  if (a.unknown) {
    f->Clear(a.slot);
  } else {
    f->Set(a.slot, a.value);
  }
}

// The truth of every rule over all readings: a rule that refers, excludes or cautions holds
// when it holds in any reading (the most restrictive reading wins); any other rule only when it
// holds in all of them.
void Planner::EvaluateRules() {
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

int Planner::Rank(Tri t, bool any) {
  // any: true > unknown > false; all: false > unknown > true.
  if (t == Tri::kUnknown) return 1;
  return (t == Tri::kTrue) == any ? 2 : 0;
}

// A single condition over all readings, as for a rule that suggests (all must hold).
Tri Planner::EvaluateInAll(uint32_t node, size_t* witness) const {
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

}  // namespace modalis
