#include "core/rules/condition_graph.h"

#include <algorithm>

namespace modalis {

uint32_t ConditionGraph::AddAlways() {
  nodes_.push_back(Node{Node::Kind::kAlways, 0, 0});
  return static_cast<uint32_t>(nodes_.size() - 1);
}

uint32_t ConditionGraph::AddTest(const Test& test) {
  tests_.push_back(test);
  nodes_.push_back(Node{Node::Kind::kTest, static_cast<uint32_t>(tests_.size() - 1), 1});
  return static_cast<uint32_t>(nodes_.size() - 1);
}

uint32_t ConditionGraph::AddGroup(Node::Kind kind, std::span<const uint32_t> children) {
  const uint32_t first = static_cast<uint32_t>(children_.size());
  children_.insert(children_.end(), children.begin(), children.end());
  nodes_.push_back(Node{kind, first, static_cast<uint32_t>(children.size())});
  return static_cast<uint32_t>(nodes_.size() - 1);
}

Tri EvaluateTest(const Test& t, const Findings& findings) {
  const bool known = findings.known(t.slot);
  if (t.op == Op::kKnown) return known ? Tri::kTrue : Tri::kFalse;
  if (t.op == Op::kUnknown) return known ? Tri::kFalse : Tri::kTrue;
  if (!known) return Tri::kUnknown;
  const FindingValue& v = findings.value(t.slot);
  // kKnown and kUnknown were decided above; Holds says false for them.
  const bool result = VisitOp(t.op, [&](auto op) { return Holds<op.value>(v, t.a, t.b, t.mask); });
  return result ? Tri::kTrue : Tri::kFalse;
}

Tri ConditionGraph::Evaluate(uint32_t index, const Findings& findings) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case Node::Kind::kAlways:
      return Tri::kTrue;
    case Node::Kind::kTest:
      return EvaluateTest(tests_[n.first], findings);
    case Node::Kind::kNot: {
      const Tri c = Evaluate(children_[n.first], findings);
      return c == Tri::kUnknown ? Tri::kUnknown : (c == Tri::kTrue ? Tri::kFalse : Tri::kTrue);
    }
    case Node::Kind::kAll: {
      Tri acc = Tri::kTrue;
      for (uint32_t i = 0; i < n.count; ++i) {
        const Tri c = Evaluate(children_[n.first + i], findings);
        if (c == Tri::kFalse) return Tri::kFalse;
        if (c == Tri::kUnknown) acc = Tri::kUnknown;
      }
      return acc;
    }
    case Node::Kind::kAny: {
      Tri acc = Tri::kFalse;
      for (uint32_t i = 0; i < n.count; ++i) {
        const Tri c = Evaluate(children_[n.first + i], findings);
        if (c == Tri::kTrue) return Tri::kTrue;
        if (c == Tri::kUnknown) acc = Tri::kUnknown;
      }
      return acc;
    }
  }
  return Tri::kUnknown;
}

void ConditionGraph::Collect(uint32_t index, const Findings& findings, Tri want,
                             std::vector<SlotId>* out) const {
  const Node& n = nodes_[index];
  if (Evaluate(index, findings) != want) return;
  switch (n.kind) {
    case Node::Kind::kAlways:
      return;
    case Node::Kind::kTest: {
      const SlotId slot = tests_[n.first].slot;
      if (std::find(out->begin(), out->end(), slot) == out->end()) out->push_back(slot);
      return;
    }
    case Node::Kind::kNot: {
      // not(x) is true when x is false; unknown stays unknown.
      const Tri inner =
          want == Tri::kUnknown ? Tri::kUnknown : (want == Tri::kTrue ? Tri::kFalse : Tri::kTrue);
      Collect(children_[n.first], findings, inner, out);
      return;
    }
    case Node::Kind::kAll:
    case Node::Kind::kAny:
      for (uint32_t i = 0; i < n.count; ++i) Collect(children_[n.first + i], findings, want, out);
      return;
  }
}

std::vector<SlotId> ConditionGraph::MissingFor(uint32_t node, const Findings& findings) const {
  std::vector<SlotId> out;
  Collect(node, findings, Tri::kUnknown, &out);
  return out;
}

std::vector<SlotId> ConditionGraph::EvidenceFor(uint32_t node, const Findings& findings) const {
  std::vector<SlotId> out;
  Collect(node, findings, Tri::kTrue, &out);
  return out;
}

std::vector<SlotId> ConditionGraph::CounterEvidenceFor(uint32_t node,
                                                       const Findings& findings) const {
  std::vector<SlotId> out;
  Collect(node, findings, Tri::kFalse, &out);
  return out;
}

size_t ConditionGraph::MemoryBytes() const {
  return nodes_.capacity() * sizeof(Node) + children_.capacity() * sizeof(uint32_t) +
         tests_.capacity() * sizeof(Test);
}

}  // namespace modalis
