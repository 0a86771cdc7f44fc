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

Tri CompiledRuleSet::Evaluate(uint32_t index, const Findings& findings) const {
  const Node& n = nodes[index];
  switch (n.kind) {
    case Node::Kind::kAlways:
      return Tri::kTrue;
    case Node::Kind::kTest:
      return EvaluateTest(tests[n.first], findings);
    case Node::Kind::kNot: {
      const Tri c = Evaluate(children[n.first], findings);
      return c == Tri::kUnknown ? Tri::kUnknown : (c == Tri::kTrue ? Tri::kFalse : Tri::kTrue);
    }
    case Node::Kind::kAll: {
      Tri acc = Tri::kTrue;
      for (uint32_t i = 0; i < n.count; ++i) {
        const Tri c = Evaluate(children[n.first + i], findings);
        if (c == Tri::kFalse) return Tri::kFalse;
        if (c == Tri::kUnknown) acc = Tri::kUnknown;
      }
      return acc;
    }
    case Node::Kind::kAny: {
      Tri acc = Tri::kFalse;
      for (uint32_t i = 0; i < n.count; ++i) {
        const Tri c = Evaluate(children[n.first + i], findings);
        if (c == Tri::kTrue) return Tri::kTrue;
        if (c == Tri::kUnknown) acc = Tri::kUnknown;
      }
      return acc;
    }
  }
  return Tri::kUnknown;
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
