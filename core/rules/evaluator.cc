// EvaluateAll: the flat program's two-bit truth turned into per-rule results.
#include <algorithm>

#include "core/rules/rule_set.h"

namespace modalis {

void EvaluationScratch::Prepare(const CompiledRuleSet& rules) {
  if (prepared_for_ != &rules || truth_.size() != rules.conditions().size() ||
      results_.size() != rules.rules.size()) {
    prepared_for_ = &rules;
    truth_.assign(rules.conditions().size(), 0);
    results_.assign(rules.rules.size(), Tri::kFalse);
    fired_.assign(rules.rules.size(), 0);
  }
  fired_count_ = 0;
}

std::vector<uint32_t> CompiledRuleSet::RuleRoots() const {
  std::vector<uint32_t> roots;
  roots.reserve(rules.size());
  for (const Rule& r : rules) roots.push_back(r.root);
  return roots;
}

void CompiledRuleSet::EvaluateAll(const Findings& findings, EvaluationScratch* scratch) const {
  scratch->Prepare(*this);
  Tri* results = scratch->results_.data();
  uint32_t* fired = scratch->fired_.data();
  size_t fired_count = 0;
  const std::span<const uint32_t> roots = program_.roots();
  if (roots.size() != rules.size()) {
    // Not sealed, or rules added after sealing: a stale program could call a referral false, so
    // every rule is decided by the plain walk instead.
    for (uint32_t r = 0; r < rules.size(); ++r) {
      results[r] = conditions_.Evaluate(rules[r].root, findings);
      if (results[r] == Tri::kTrue) fired[fired_count++] = r;
    }
    scratch->fired_count_ = fired_count;
    return;
  }
  uint8_t* truth = scratch->truth_.data();
  program_.Run(findings, truth);
  // Two-bit truth to Tri; fired rules collected without a branch per rule.
  static constexpr Tri kTri[4] = {Tri::kUnknown, Tri::kTrue, Tri::kFalse, Tri::kUnknown};
  const uint32_t rule_count = static_cast<uint32_t>(roots.size());
  for (uint32_t r = 0; r < rule_count; ++r) {
    const uint8_t t = truth[roots[r]];
    results[r] = kTri[t & 3];
    fired[fired_count] = r;
    fired_count += t == FlatProgram::kBitTrue ? 1 : 0;
  }
  scratch->fired_count_ = fired_count;
}

void CompiledRuleSet::Derive(Findings* findings) const {
  for (const Derivation& d : derivations) {
    const Derivation::Case* hit = nullptr;
    for (const Derivation::Case& c : d.cases) {
      if (conditions_.Evaluate(c.when, *findings) == Tri::kTrue) {
        hit = &c;
        break;
      }
    }
    if (hit == nullptr) continue;
    uint32_t value = hit->value;
    if (findings->known(d.finding)) {
      if (d.when_recorded == Derivation::WhenRecorded::kRecorded) continue;
      // kHigher: a transcription slip in the recorded value never lowers the care offered.
      value = std::max(value, static_cast<uint32_t>(findings->value(d.finding).number));
    }
    findings->Set(d.finding, FindingValue{static_cast<double>(value), 0});
  }
}

}  // namespace modalis
