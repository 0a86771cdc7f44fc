// The conditions of a compiled rule set as one graph of tests and groups, with the three-valued
// truth of a node for a document. The compiler adds nodes (sharing identical ones); everything
// else reads them.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "core/findings/findings.h"

namespace modalis {

// Kleene three-valued truth: a test on a finding nobody recorded is unknown.
enum class Tri : uint8_t { kFalse = 0, kTrue = 1, kUnknown = 2 };

enum class Op : uint8_t {
  kEquals,
  kOneOf,
  kContains,
  kContainsAny,
  kContainsAll,
  kAbove,
  kAtLeast,
  kBelow,
  kAtMost,
  kBetween,
  kKnown,    // true when recorded
  kUnknown,  // true when not recorded
};

struct Test {
  SlotId slot = kNoSlot;
  Op op = Op::kEquals;
  double a = 0;
  double b = 0;
  uint64_t mask = 0;  // enum or set members
};

struct Node {
  enum class Kind : uint8_t { kAll, kAny, kNot, kTest, kAlways };
  Kind kind = Kind::kAlways;
  uint32_t first = 0;  // kTest: index into the tests; kAll/kAny/kNot: into the children
  uint32_t count = 0;
};

// What a comparison operator says of a recorded value; the one definition of each operator, used
// by the single-node walk and by the flat program alike. kKnown and kUnknown are not about the
// value and are handled by the callers.
template <Op kOp>
inline bool Holds(const FindingValue& v, double a, double b, uint64_t mask) {
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

// Calls f(std::integral_constant<Op, op>{}) with `op` as a compile-time constant: the one place
// that turns a run-time operator into Holds<op>, for the single-node walk and the flat program.
template <class F>
inline decltype(auto) VisitOp(Op op, F&& f) {
  switch (op) {
    case Op::kEquals:
      return f(std::integral_constant<Op, Op::kEquals>{});
    case Op::kOneOf:
      return f(std::integral_constant<Op, Op::kOneOf>{});
    case Op::kContains:
      return f(std::integral_constant<Op, Op::kContains>{});
    case Op::kContainsAny:
      return f(std::integral_constant<Op, Op::kContainsAny>{});
    case Op::kContainsAll:
      return f(std::integral_constant<Op, Op::kContainsAll>{});
    case Op::kAbove:
      return f(std::integral_constant<Op, Op::kAbove>{});
    case Op::kAtLeast:
      return f(std::integral_constant<Op, Op::kAtLeast>{});
    case Op::kBelow:
      return f(std::integral_constant<Op, Op::kBelow>{});
    case Op::kAtMost:
      return f(std::integral_constant<Op, Op::kAtMost>{});
    case Op::kBetween:
      return f(std::integral_constant<Op, Op::kBetween>{});
    case Op::kKnown:
      return f(std::integral_constant<Op, Op::kKnown>{});
    case Op::kUnknown:
      return f(std::integral_constant<Op, Op::kUnknown>{});
  }
  return f(std::integral_constant<Op, Op::kEquals>{});  // not reached: every Op is listed
}

class ConditionGraph {
 public:
  // Building. Children are added before their parent, so a node's children always have smaller
  // indices (the flat program and the analyses rely on it). Sharing identical nodes is the
  // caller's choice.
  uint32_t AddAlways();
  uint32_t AddTest(const Test& test);
  uint32_t AddGroup(Node::Kind kind, std::span<const uint32_t> children);

  size_t size() const { return nodes_.size(); }
  const Node& node(uint32_t index) const { return nodes_[index]; }
  // The test of a kTest node.
  const Test& test(const Node& n) const { return tests_[n.first]; }
  // The children of a group in the author's order ("not": one; tests and "always": none).
  std::span<const uint32_t> children(const Node& n) const {
    if (n.kind == Node::Kind::kTest || n.kind == Node::Kind::kAlways) return {};
    return {children_.data() + n.first, n.count};
  }

  // Truth of one node for these findings.
  Tri Evaluate(uint32_t node, const Findings& findings) const;
  // Slots of the unknown findings that keep `node` from being decided (empty when decided).
  std::vector<SlotId> MissingFor(uint32_t node, const Findings& findings) const;
  // Slots of the known findings under tests that hold for a true `node`.
  std::vector<SlotId> EvidenceFor(uint32_t node, const Findings& findings) const;
  // Slots of the known findings under tests that fail for a false `node`: why it did not hold.
  std::vector<SlotId> CounterEvidenceFor(uint32_t node, const Findings& findings) const;

  // Heap memory the graph holds.
  size_t MemoryBytes() const;

 private:
  void Collect(uint32_t node, const Findings& findings, Tri want, std::vector<SlotId>* out) const;

  std::vector<Node> nodes_;
  std::vector<uint32_t> children_;
  std::vector<Test> tests_;
};

// Truth of one test for these findings.
Tri EvaluateTest(const Test& test, const Findings& findings);

}  // namespace modalis
