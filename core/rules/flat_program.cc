#include "core/rules/flat_program.h"

#include <algorithm>
#include <tuple>

namespace modalis {
namespace {

// Depth of `index` above the tests (tests and constants: 0), memoised in `level` (kNoLevel: not
// yet known). Children always have a smaller level than their parent.
constexpr uint32_t kNoLevel = UINT32_MAX;
uint32_t LevelOf(const ConditionGraph& graph, uint32_t index, std::vector<uint32_t>* level) {
  if ((*level)[index] != kNoLevel) return (*level)[index];
  uint32_t out = 0;
  for (uint32_t child : graph.children(graph.node(index))) {
    out = std::max(out, LevelOf(graph, child, level) + 1);
  }
  (*level)[index] = out;
  return out;
}

}  // namespace

FlatProgram FlatProgram::Build(const ConditionGraph& graph, std::span<const uint32_t> roots) {
  FlatProgram p;
  std::vector<uint32_t> level(graph.size(), kNoLevel);
  p.roots_.assign(roots.begin(), roots.end());
  for (uint32_t root : roots) LevelOf(graph, root, &level);
  // Every node reachable from a root now has a level.
  std::vector<uint32_t> tests, groups;
  for (uint32_t i = 0; i < graph.size(); ++i) {
    if (level[i] == kNoLevel) continue;
    switch (graph.node(i).kind) {
      case Node::Kind::kAlways:
        p.always_nodes_.push_back(i);
        break;
      case Node::Kind::kTest:
        tests.push_back(i);
        break;
      default:
        groups.push_back(i);
        break;
    }
  }
  auto test_of = [&](uint32_t node) -> const Test& { return graph.test(graph.node(node)); };
  std::stable_sort(tests.begin(), tests.end(),
                   [&](uint32_t x, uint32_t y) { return test_of(x).op < test_of(y).op; });
  for (uint32_t node : tests) {
    const Test& t = test_of(node);
    if (p.test_batches_.empty() || p.test_batches_.back().op != t.op) {
      p.test_batches_.push_back({t.op, static_cast<uint32_t>(p.test_slot_.size()), 0});
    }
    ++p.test_batches_.back().count;
    p.test_slot_.push_back(t.slot);
    p.test_a_.push_back(t.a);
    p.test_b_.push_back(t.b);
    p.test_mask_.push_back(t.mask);
    p.test_out_.push_back(node);
  }
  auto key = [&](uint32_t node) {
    const Node& n = graph.node(node);
    return std::tuple(level[node], static_cast<uint8_t>(n.kind), graph.children(n).size());
  };
  std::stable_sort(groups.begin(), groups.end(),
                   [&](uint32_t x, uint32_t y) { return key(x) < key(y); });
  for (uint32_t node : groups) {
    const Node& n = graph.node(node);
    const std::span<const uint32_t> children = graph.children(n);
    const uint32_t arity = static_cast<uint32_t>(children.size());
    if (p.runs_.empty() || p.runs_.back().kind != n.kind || p.runs_.back().arity != arity ||
        level[p.group_out_.back()] != level[node]) {
      p.runs_.push_back({n.kind, arity, static_cast<uint32_t>(p.group_out_.size()), 0,
                         static_cast<uint32_t>(p.group_children_.size())});
    }
    ++p.runs_.back().count;
    p.group_out_.push_back(node);
    p.group_children_.insert(p.group_children_.end(), children.begin(), children.end());
  }
  return p;
}

// One batch of tests with the same operator. A finding nobody recorded has its default value, so
// the operator is applied unconditionally and the result masked by "known".
template <Op kOp>
void FlatProgram::RunTests(const TestBatch& batch, const Findings& findings, uint8_t* truth) const {
  const uint32_t end = batch.first + batch.count;
  for (uint32_t i = batch.first; i < end; ++i) {
    const SlotId slot = test_slot_[i];
    const uint8_t known = findings.known(slot) ? 1 : 0;
    uint8_t out;
    if constexpr (kOp == Op::kKnown) {
      out = static_cast<uint8_t>(kBitFalse - known);  // known: true; not: false
    } else if constexpr (kOp == Op::kUnknown) {
      out = static_cast<uint8_t>(kBitTrue + known);  // known: false; not: true
    } else {
      const uint8_t holds =
          Holds<kOp>(findings.value(slot), test_a_[i], test_b_[i], test_mask_[i]) ? 1 : 0;
      out = static_cast<uint8_t>(known * (kBitFalse - holds));  // unknown: 0
    }
    truth[test_out_[i]] = out;
  }
}

// One run of groups of the same kind with kArity children each (0: the run's arity at run time).
template <uint32_t kArity>
void FlatProgram::RunGroups(const GroupRun& run, uint8_t* truth) const {
  const uint32_t arity = kArity != 0 ? kArity : run.arity;
  const uint32_t* child = group_children_.data() + run.first_child;
  const uint32_t* out = group_out_.data() + run.first;
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

void FlatProgram::Run(const Findings& findings, uint8_t* truth) const {
  for (uint32_t node : always_nodes_) truth[node] = kBitTrue;
  for (const TestBatch& batch : test_batches_) {
    VisitOp(batch.op, [&](auto op) { RunTests<op.value>(batch, findings, truth); });
  }
  for (const GroupRun& run : runs_) {
    switch (run.kind == Node::Kind::kNot ? 1 : run.arity) {
      case 1:
        RunGroups<1>(run, truth);
        break;
      case 2:
        RunGroups<2>(run, truth);
        break;
      case 3:
        RunGroups<3>(run, truth);
        break;
      case 4:
        RunGroups<4>(run, truth);
        break;
      case 5:
        RunGroups<5>(run, truth);
        break;
      case 6:
        RunGroups<6>(run, truth);
        break;
      default:
        RunGroups<0>(run, truth);
        break;
    }
  }
}

size_t FlatProgram::MemoryBytes() const {
  return test_batches_.capacity() * sizeof(TestBatch) + test_slot_.capacity() * sizeof(SlotId) +
         (test_a_.capacity() + test_b_.capacity()) * sizeof(double) +
         test_mask_.capacity() * sizeof(uint64_t) + runs_.capacity() * sizeof(GroupRun) +
         (test_out_.capacity() + group_out_.capacity() + group_children_.capacity() +
          always_nodes_.capacity() + roots_.capacity()) *
             sizeof(uint32_t);
}

}  // namespace modalis
