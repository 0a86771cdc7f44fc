#include <algorithm>

#include "core/rules/rule_set.h"

namespace modalis {

Tri CompiledRuleSet::EvaluateTest(const Test& t, const Findings& findings) const {
  const bool known = findings.known(t.slot);
  if (t.op == Op::kKnown) return known ? Tri::kTrue : Tri::kFalse;
  if (t.op == Op::kUnknown) return known ? Tri::kFalse : Tri::kTrue;
  if (!known) return Tri::kUnknown;
  const FindingValue& v = findings.value(t.slot);
  bool result = false;
  switch (t.op) {
    case Op::kEquals:
      result = v.number == t.a;
      break;
    case Op::kOneOf:
      result = (t.mask >> static_cast<uint32_t>(v.number)) & 1;
      break;
    case Op::kContains:
    case Op::kContainsAny:
      result = (v.bits & t.mask) != 0;
      break;
    case Op::kContainsAll:
      result = (v.bits & t.mask) == t.mask;
      break;
    case Op::kAbove:
      result = v.number > t.a;
      break;
    case Op::kAtLeast:
      result = v.number >= t.a;
      break;
    case Op::kBelow:
      result = v.number < t.a;
      break;
    case Op::kAtMost:
      result = v.number <= t.a;
      break;
    case Op::kBetween:
      result = v.number >= t.a && v.number <= t.b;
      break;
    case Op::kKnown:
    case Op::kUnknown:
      break;
  }
  return result ? Tri::kTrue : Tri::kFalse;
}

namespace {

// Kleene combination of a group's children; `child` evaluates the i-th child node. Shared by the
// plain and the memoised walk so both give the same answer by construction.
template <class ChildFn>
Tri Combine(const Node& n, const std::vector<uint32_t>& children, ChildFn&& child) {
  switch (n.kind) {
    case Node::Kind::kAlways:
    case Node::Kind::kTest:
      break;
    case Node::Kind::kNot: {
      const Tri c = child(children[n.first]);
      return c == Tri::kUnknown ? Tri::kUnknown : (c == Tri::kTrue ? Tri::kFalse : Tri::kTrue);
    }
    case Node::Kind::kAll: {
      Tri acc = Tri::kTrue;
      for (uint32_t i = 0; i < n.count; ++i) {
        const Tri c = child(children[n.first + i]);
        if (c == Tri::kFalse) return Tri::kFalse;
        if (c == Tri::kUnknown) acc = Tri::kUnknown;
      }
      return acc;
    }
    case Node::Kind::kAny: {
      Tri acc = Tri::kFalse;
      for (uint32_t i = 0; i < n.count; ++i) {
        const Tri c = child(children[n.first + i]);
        if (c == Tri::kTrue) return Tri::kTrue;
        if (c == Tri::kUnknown) acc = Tri::kUnknown;
      }
      return acc;
    }
  }
  return Tri::kUnknown;
}

}  // namespace

Tri CompiledRuleSet::Evaluate(uint32_t index, const Findings& findings) const {
  const Node& n = nodes[index];
  if (n.kind == Node::Kind::kAlways) return Tri::kTrue;
  if (n.kind == Node::Kind::kTest) return EvaluateTest(tests[n.first], findings);
  return Combine(n, children, [&](uint32_t c) { return Evaluate(c, findings); });
}

Tri CompiledRuleSet::EvaluateMemo(uint32_t index, const Findings& findings,
                                  EvaluationScratch* scratch) const {
  const bool shared = node_shared[index] != 0;
  if (shared && scratch->stamp_[index] == scratch->epoch_) return scratch->memo_[index];
  const Node& n = nodes[index];
  Tri result;
  if (n.kind == Node::Kind::kAlways) {
    result = Tri::kTrue;
  } else if (n.kind == Node::Kind::kTest) {
    result = EvaluateTest(tests[n.first], findings);
  } else {
    result =
        Combine(n, eval_children, [&](uint32_t c) { return EvaluateMemo(c, findings, scratch); });
  }
  if (shared) {
    scratch->stamp_[index] = scratch->epoch_;
    scratch->memo_[index] = result;
  }
  return result;
}

void EvaluationScratch::Prepare(const CompiledRuleSet& rules) {
  if (prepared_for_ != &rules || stamp_.size() != rules.nodes.size() ||
      results_.size() != rules.rules.size()) {
    prepared_for_ = &rules;
    stamp_.assign(rules.nodes.size(), 0);
    memo_.assign(rules.nodes.size(), Tri::kUnknown);
    results_.assign(rules.rules.size(), Tri::kFalse);
    fired_.clear();
    fired_.reserve(rules.rules.size());
    epoch_ = 0;
  }
  // A new epoch invalidates every memo entry at once; on wrap-around the stamps are reset.
  if (++epoch_ == 0) {
    std::fill(stamp_.begin(), stamp_.end(), 0);
    epoch_ = 1;
  }
  fired_.clear();
}

void CompiledRuleSet::EvaluateAll(const Findings& findings, EvaluationScratch* scratch) const {
  scratch->Prepare(*this);
  Tri* results = scratch->results_.data();
  for (const GateGroup& group : gate_groups) {
    // The gate is necessary for every rule of the group: when it is false they are all false
    // (Kleene: one false member makes an "all" false), exactly what walking them would give.
    const bool closed = EvaluateMemo(group.gate_node, findings, scratch) == Tri::kFalse;
    const uint32_t* rule = gated_rules.data() + group.first_rule;
    for (uint32_t i = 0; i < group.count; ++i) {
      results[rule[i]] =
          closed ? Tri::kFalse : EvaluateMemo(rules[rule[i]].root, findings, scratch);
    }
  }
  for (uint32_t r : ungated_rules) results[r] = EvaluateMemo(rules[r].root, findings, scratch);
  for (uint32_t r = 0; r < rules.size(); ++r) {
    if (results[r] == Tri::kTrue) scratch->fired_.push_back(r);
  }
}

void CompiledRuleSet::Collect(uint32_t index, const Findings& findings, Tri want,
                              std::vector<SlotId>* out) const {
  const Node& n = nodes[index];
  if (Evaluate(index, findings) != want) return;
  switch (n.kind) {
    case Node::Kind::kAlways:
      return;
    case Node::Kind::kTest: {
      const SlotId slot = tests[n.first].slot;
      if (std::find(out->begin(), out->end(), slot) == out->end()) out->push_back(slot);
      return;
    }
    case Node::Kind::kNot: {
      // not(x) is true when x is false; unknown stays unknown.
      const Tri inner =
          want == Tri::kUnknown ? Tri::kUnknown : (want == Tri::kTrue ? Tri::kFalse : Tri::kTrue);
      Collect(children[n.first], findings, inner, out);
      return;
    }
    case Node::Kind::kAll:
    case Node::Kind::kAny:
      for (uint32_t i = 0; i < n.count; ++i) Collect(children[n.first + i], findings, want, out);
      return;
  }
}

std::vector<SlotId> CompiledRuleSet::MissingFor(uint32_t node, const Findings& findings) const {
  std::vector<SlotId> out;
  Collect(node, findings, Tri::kUnknown, &out);
  return out;
}

std::vector<SlotId> CompiledRuleSet::EvidenceFor(uint32_t node, const Findings& findings) const {
  std::vector<SlotId> out;
  Collect(node, findings, Tri::kTrue, &out);
  return out;
}

}  // namespace modalis
