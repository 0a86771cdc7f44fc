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

namespace {

// Two-bit truth (see EvalProgram): 1 = true, 2 = false, 0 = unknown.
constexpr uint8_t kBitTrue = 1;
constexpr uint8_t kBitFalse = 2;

template <Op kOp>
bool Holds(const FindingValue& v, double a, double b, uint64_t mask) {
  if constexpr (kOp == Op::kEquals) return v.number == a;
  if constexpr (kOp == Op::kOneOf)
    return ((mask >> (static_cast<uint32_t>(v.number) & 63)) & 1) != 0;
  if constexpr (kOp == Op::kContains || kOp == Op::kContainsAny) return (v.bits & mask) != 0;
  if constexpr (kOp == Op::kContainsAll) return (v.bits & mask) == mask;
  if constexpr (kOp == Op::kAbove) return v.number > a;
  if constexpr (kOp == Op::kAtLeast) return v.number >= a;
  if constexpr (kOp == Op::kBelow) return v.number < a;
  if constexpr (kOp == Op::kAtMost) return v.number <= a;
  if constexpr (kOp == Op::kBetween) return (v.number >= a) & (v.number <= b);
  return false;
}

// One batch of tests with the same operator. A finding nobody recorded has its default value, so
// the operator is applied unconditionally and the result masked by "known".
template <Op kOp>
void RunTests(const EvalProgram& p, const EvalProgram::TestBatch& batch, const Findings& findings,
              uint8_t* truth) {
  const uint32_t end = batch.first + batch.count;
  for (uint32_t i = batch.first; i < end; ++i) {
    const SlotId slot = p.test_slot[i];
    const uint8_t known = findings.known(slot) ? 1 : 0;
    uint8_t out;
    if constexpr (kOp == Op::kKnown) {
      out = static_cast<uint8_t>(kBitFalse - known);  // known: true; not: false
    } else if constexpr (kOp == Op::kUnknown) {
      out = static_cast<uint8_t>(kBitTrue + known);  // known: false; not: true
    } else {
      const uint8_t holds =
          Holds<kOp>(findings.value(slot), p.test_a[i], p.test_b[i], p.test_mask[i]) ? 1 : 0;
      out = static_cast<uint8_t>(known * (kBitFalse - holds));  // unknown: 0
    }
    truth[p.test_out[i]] = out;
  }
}

// One run of groups of the same kind with kArity children each (0: the run's arity at run time).
template <uint32_t kArity>
void RunGroups(const EvalProgram& p, const EvalProgram::GroupRun& run, uint8_t* truth) {
  const uint32_t arity = kArity != 0 ? kArity : run.arity;
  const uint32_t* child = p.group_children.data() + run.first_child;
  const uint32_t* out = p.group_out.data() + run.first;
  // Which accumulated bits make the result: "all" takes its true bit from the AND of the
  // children and its false bit from the OR; "any" the reverse.
  const bool any = run.kind == Node::Kind::kAny;
  const uint8_t from_and = any ? kBitFalse : kBitTrue;
  const uint8_t from_or = any ? kBitTrue : kBitFalse;
  if (run.kind == Node::Kind::kNot) {
    for (uint32_t i = 0; i < run.count; ++i) {
      const uint8_t c = truth[child[i]];
      truth[out[i]] = static_cast<uint8_t>(((c & kBitTrue) << 1) | ((c & kBitFalse) >> 1));
    }
    return;
  }
  for (uint32_t i = 0; i < run.count; ++i, child += arity) {
    uint8_t and_bits = kBitTrue | kBitFalse;
    uint8_t or_bits = 0;
    for (uint32_t k = 0; k < arity; ++k) {
      const uint8_t c = truth[child[k]];
      and_bits &= c;
      or_bits |= c;
    }
    truth[out[i]] = static_cast<uint8_t>((and_bits & from_and) | (or_bits & from_or));
  }
}

}  // namespace

void EvaluationScratch::Prepare(const CompiledRuleSet& rules) {
  if (prepared_for_ != &rules || truth_.size() != rules.nodes.size() ||
      results_.size() != rules.rules.size()) {
    prepared_for_ = &rules;
    truth_.assign(rules.nodes.size(), 0);
    results_.assign(rules.rules.size(), Tri::kFalse);
    fired_.assign(rules.rules.size(), 0);
  }
  fired_count_ = 0;
}

void CompiledRuleSet::EvaluateAll(const Findings& findings, EvaluationScratch* scratch) const {
  scratch->Prepare(*this);
  const EvalProgram& p = program;
  uint8_t* truth = scratch->truth_.data();
  for (uint32_t node : p.always_nodes) truth[node] = kBitTrue;
  for (const EvalProgram::TestBatch& batch : p.test_batches) {
    switch (batch.op) {
      case Op::kEquals:
        RunTests<Op::kEquals>(p, batch, findings, truth);
        break;
      case Op::kOneOf:
        RunTests<Op::kOneOf>(p, batch, findings, truth);
        break;
      case Op::kContains:
        RunTests<Op::kContains>(p, batch, findings, truth);
        break;
      case Op::kContainsAny:
        RunTests<Op::kContainsAny>(p, batch, findings, truth);
        break;
      case Op::kContainsAll:
        RunTests<Op::kContainsAll>(p, batch, findings, truth);
        break;
      case Op::kAbove:
        RunTests<Op::kAbove>(p, batch, findings, truth);
        break;
      case Op::kAtLeast:
        RunTests<Op::kAtLeast>(p, batch, findings, truth);
        break;
      case Op::kBelow:
        RunTests<Op::kBelow>(p, batch, findings, truth);
        break;
      case Op::kAtMost:
        RunTests<Op::kAtMost>(p, batch, findings, truth);
        break;
      case Op::kBetween:
        RunTests<Op::kBetween>(p, batch, findings, truth);
        break;
      case Op::kKnown:
        RunTests<Op::kKnown>(p, batch, findings, truth);
        break;
      case Op::kUnknown:
        RunTests<Op::kUnknown>(p, batch, findings, truth);
        break;
    }
  }
  for (const EvalProgram::GroupRun& run : p.runs) {
    switch (run.kind == Node::Kind::kNot ? 1 : run.arity) {
      case 1:
        RunGroups<1>(p, run, truth);
        break;
      case 2:
        RunGroups<2>(p, run, truth);
        break;
      case 3:
        RunGroups<3>(p, run, truth);
        break;
      case 4:
        RunGroups<4>(p, run, truth);
        break;
      case 5:
        RunGroups<5>(p, run, truth);
        break;
      case 6:
        RunGroups<6>(p, run, truth);
        break;
      default:
        RunGroups<0>(p, run, truth);
        break;
    }
  }
  // Two-bit truth to Tri; fired rules collected without a branch per rule.
  static constexpr Tri kTri[4] = {Tri::kUnknown, Tri::kTrue, Tri::kFalse, Tri::kUnknown};
  Tri* results = scratch->results_.data();
  uint32_t* fired = scratch->fired_.data();
  size_t fired_count = 0;
  const uint32_t* roots = p.rule_roots.data();
  const uint32_t rule_count = static_cast<uint32_t>(p.rule_roots.size());
  for (uint32_t r = 0; r < rule_count; ++r) {
    const uint8_t t = truth[roots[r]];
    results[r] = kTri[t & 3];
    fired[fired_count] = r;
    fired_count += t == kBitTrue ? 1 : 0;
  }
  scratch->fired_count_ = fired_count;
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
