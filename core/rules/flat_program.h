// The rule conditions as a flat, branch-light program, built once from the condition graph and
// run for every document by CompiledRuleSet::EvaluateAll.
//
// Every test node reachable from a rule is evaluated once per document, in batches of one
// operator over struct-of-arrays operands; then every group node, children before parents, in
// runs of one kind and one number of children. A truth value is two bits: 1 = true, 2 = false,
// 0 = unknown, so Kleene "all" is (AND of the true bits) | (OR of the false bits), "any" the
// reverse, and "not" swaps the bits.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/findings/findings.h"
#include "core/rules/condition_graph.h"

namespace modalis {

class FlatProgram {
 public:
  // Two-bit truth values as Run writes them.
  static constexpr uint8_t kBitTrue = 1;
  static constexpr uint8_t kBitFalse = 2;

  // The program that decides `roots` (and every node under them) in `graph`.
  static FlatProgram Build(const ConditionGraph& graph, std::span<const uint32_t> roots);

  // Writes the two-bit truth of every node reachable from the roots into `truth`, which has one
  // entry per graph node; entries of other nodes are left as they are.
  void Run(const Findings& findings, uint8_t* truth) const;

  // The roots it was built for, in order.
  std::span<const uint32_t> roots() const { return roots_; }

  // Heap memory the program holds.
  size_t MemoryBytes() const;

 private:
  struct TestBatch {
    Op op = Op::kEquals;
    uint32_t first = 0;  // into the test_* arrays
    uint32_t count = 0;
  };
  struct GroupRun {
    Node::Kind kind = Node::Kind::kAll;
    uint32_t arity = 0;        // children of every node in the run (1 for "not")
    uint32_t first = 0;        // into group_out_; children at group_children_[first * arity]...
    uint32_t count = 0;        // nodes in the run
    uint32_t first_child = 0;  // into group_children_
  };

  template <Op kOp>
  void RunTests(const TestBatch& batch, const Findings& findings, uint8_t* truth) const;
  template <uint32_t kArity>
  void RunGroups(const GroupRun& run, uint8_t* truth) const;

  std::vector<TestBatch> test_batches_;
  std::vector<SlotId> test_slot_;
  std::vector<double> test_a_;
  std::vector<double> test_b_;
  std::vector<uint64_t> test_mask_;
  std::vector<uint32_t> test_out_;  // node index
  std::vector<GroupRun> runs_;
  std::vector<uint32_t> group_out_;       // node index
  std::vector<uint32_t> group_children_;  // node indices, `arity` per node of a run
  std::vector<uint32_t> always_nodes_;
  std::vector<uint32_t> roots_;
};

}  // namespace modalis
